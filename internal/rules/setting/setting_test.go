package setting_test

import (
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/setting"
	"palisade.dev/palisade/internal/testrules"
)

// node is the node cp-1 running one component of kind, its process started with args.
func node(kind inventory.ComponentKind, args ...string) *inventory.Node {
	return &inventory.Node{Host: "cp-1", Files: map[string]*inventory.File{}, Components: []*inventory.Component{{
		Kind: kind, Source: inventory.FromProcess, Path: "/proc/7/cmdline", PID: 7,
		Args: args, Flags: flags.Parse(args, flags.ComponentSpec(string(kind)))}}}
}

// TestTemplatesJudgeTheEffectiveValue pins each template's pass and failure: the status, the
// path of a failure, its message with {value} replaced, and the evidence the rule writes.
func TestTemplatesJudgeTheEffectiveValue(t *testing.T) {
	api, sch := inventory.KubeAPIServer, inventory.KubeScheduler
	const on = " in kube-apiserver (process /proc/7/cmdline)"
	tests := []struct {
		name    string
		kind    inventory.ComponentKind
		args    []string
		setting string
		judge   setting.Judge
		want    string // the verdict's outcome
		path    string // a failure's path
		text    string // testrules.Verdict.Text
	}{
		{name: "must be a boolean given as false", kind: api, args: []string{"--profiling=false"}, setting: "profiling",
			judge: setting.MustBe("profiling", "false", "profiling is {value}"),
			want:  "pass", text: "--profiling=false" + on},
		{name: "must be a boolean given as true", kind: api, args: []string{"--profiling=true"}, setting: "profiling",
			judge: setting.MustBe("profiling", "false", "profiling is {value}"),
			want:  "fail medium", path: "--profiling", text: "profiling is true | --profiling=true" + on},
		{name: "must be a boolean given as a word that is not one", kind: api, args: []string{"--profiling=off"}, setting: "profiling",
			judge: setting.MustBe("profiling", "false", "profiling is {value}"),
			want:  "fail medium", path: "--profiling", text: "profiling is off | --profiling=off" + on},
		{name: "must be a value", kind: api, args: []string{"--audit-log-format=json"}, setting: "audit-log-format",
			judge: setting.MustBe("audit-log-format", "json", "the audit log is {value}"),
			want:  "pass", text: "--audit-log-format=json" + on},
		{name: "must be a value, another given", kind: api, args: []string{"--audit-log-format=legacy"}, setting: "audit-log-format",
			judge: setting.MustBe("audit-log-format", "json", "the audit log is {value}"),
			want:  "fail medium", path: "--audit-log-format", text: "the audit log is legacy | --audit-log-format=legacy" + on},
		{name: "must not be a bad value", kind: api, args: []string{"--authorization-mode=Node,RBAC"}, setting: "authorization-mode",
			judge: setting.MustNotBe("authorization-mode", "authorizes with {value}", "AlwaysAllow"),
			want:  "pass", text: "--authorization-mode=Node,RBAC" + on},
		{name: "must not be a bad value, given", kind: api, args: []string{"--authorization-mode=AlwaysAllow"}, setting: "authorization-mode",
			judge: setting.MustNotBe("authorization-mode", "authorizes with {value}", "AlwaysAllow"),
			want:  "fail medium", path: "--authorization-mode", text: "authorizes with AlwaysAllow | --authorization-mode=AlwaysAllow" + on},
		{name: "must be set, set", kind: api, args: []string{"--audit-log-path=/var/log/audit.log"}, setting: "audit-log-path",
			judge: setting.MustBeSet("audit-log-path", "no audit log{value}"),
			want:  "pass", text: "--audit-log-path=/var/log/audit.log" + on},
		{name: "must be set, not set", kind: api, setting: "audit-log-path",
			judge: setting.MustBeSet("audit-log-path", "no audit log{value}"),
			want:  "fail medium", path: "--audit-log-path", text: "no audit log | --audit-log-path not set" + on},
		{name: "at least, equal", kind: api, args: []string{"--audit-log-maxage=30"}, setting: "audit-log-maxage",
			judge: setting.AtLeast("audit-log-maxage", 30, "audit logs kept {value} days"),
			want:  "pass", text: "--audit-log-maxage=30" + on},
		{name: "at least, below", kind: api, args: []string{"--audit-log-maxage=7"}, setting: "audit-log-maxage",
			judge: setting.AtLeast("audit-log-maxage", 30, "audit logs kept {value} days"),
			want:  "fail medium", path: "--audit-log-maxage", text: "audit logs kept 7 days | --audit-log-maxage=7" + on},
		{name: "at least, not an integer", kind: api, args: []string{"--audit-log-maxage=month"}, setting: "audit-log-maxage",
			judge: setting.AtLeast("audit-log-maxage", 30, "audit logs kept {value} days"),
			want:  "fail medium", path: "--audit-log-maxage", text: "audit logs kept month days | --audit-log-maxage=month" + on},
		{name: "loopback address", kind: api, args: []string{"--bind-address=127.0.0.1"}, setting: "bind-address",
			judge: setting.Loopback("bind-address", "listens on {value}"),
			want:  "pass", text: "--bind-address=127.0.0.1" + on},
		{name: "loopback by default is every interface", kind: api, setting: "bind-address",
			judge: setting.Loopback("bind-address", "listens on {value}"),
			want:  "fail medium", path: "--bind-address", text: "listens on 0.0.0.0 | --bind-address not set (default 0.0.0.0)" + on},
		{name: "unless in file: the flag is judged", kind: sch, args: []string{"--config=/etc/kubernetes/scheduler.yaml", "--bind-address=127.0.0.1"}, setting: "bind-address",
			judge: setting.UnlessInFile("bind-address", "config", setting.Loopback("bind-address", "listens on {value}")),
			want:  "pass", text: "--bind-address=127.0.0.1 in kube-scheduler (process /proc/7/cmdline)"},
		{name: "unless in file: without the file the default is judged", kind: sch, setting: "bind-address",
			judge: setting.UnlessInFile("bind-address", "config", setting.Loopback("bind-address", "listens on {value}")),
			want:  "fail medium", path: "--bind-address", text: "listens on  | --bind-address not set in kube-scheduler (process /proc/7/cmdline)"},
		{name: "unless in file: the file may set it", kind: sch, args: []string{"--config=/etc/kubernetes/scheduler.yaml"}, setting: "bind-address",
			judge: setting.UnlessInFile("bind-address", "config", setting.Loopback("bind-address", "listens on {value}")),
			want:  "not-applicable", text: "kube-scheduler reads its settings from /etc/kubernetes/scheduler.yaml (--config), which Palisade does not read, and --bind-address is not given as a flag."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setting.Rule{ID: "test/setting", Title: "A setting is judged", Severity: finding.Medium, Area: rules.AreaControlPlane,
				Components: []inventory.ComponentKind{tt.kind}, Settings: []string{tt.setting},
				Description: "Judges one setting.", Remedy: "Change the setting.", Judge: tt.judge}
			vs := testrules.Node(t, testrules.Rules(t, setting.Rules(r)...), r.ID, node(tt.kind, tt.args...), nil)
			if len(vs) != 1 {
				t.Fatalf("%d verdicts, want 1: %v", len(vs), vs)
			}
			v := vs[0]
			if v.Outcome() != tt.want || v.Path != tt.path || v.Text() != tt.text {
				t.Errorf("got %s at %q: %q\nwant %s at %q: %q", v.Outcome(), v.Path, v.Text(), tt.want, tt.path, tt.text)
			}
			if v.Kind != string(tt.kind) || v.Name != "cp-1" {
				t.Errorf("verdict on %s %s, want %s cp-1", v.Kind, v.Name, tt.kind)
			}
		})
	}
}
