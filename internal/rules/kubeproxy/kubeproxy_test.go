package kubeproxy_test

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

func TestMetricsBindAddressMustBeLoopback(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		wantStatus   finding.Status
		wantMessage  string
		wantEvidence string
	}{
		{"every interface fails", []string{"--metrics-bind-address=0.0.0.0:10249"}, finding.Fail,
			"on 0.0.0.0:10249, beyond loopback", "--metrics-bind-address=0.0.0.0:10249 in kube-proxy (process /proc/7/cmdline)"},
		{"a node address fails", []string{"--metrics-bind-address", "10.0.0.4:10249"}, finding.Fail,
			"on 10.0.0.4:10249", "--metrics-bind-address 10.0.0.4:10249 in kube-proxy"},
		{"an address without a port fails", []string{"--metrics-bind-address=0.0.0.0"}, finding.Fail, "on 0.0.0.0,", ""},
		{"loopback passes", []string{"--metrics-bind-address=127.0.0.1:10249"}, finding.Pass, "", "--metrics-bind-address=127.0.0.1:10249 in"},
		{"IPv6 loopback passes", []string{"--metrics-bind-address=[::1]:10249"}, finding.Pass, "", "[::1]:10249"},
		{"the default passes and is named", nil, finding.Pass, "", "--metrics-bind-address not set (default 127.0.0.1:10249) in kube-proxy"},
		{"a config file without the flag is not judged", []string{"--config=/var/lib/kube-proxy/config.conf"}, finding.NotApplicable,
			"kube-proxy reads its settings from /var/lib/kube-proxy/config.conf (--config), which Palisade does not read", ""},
		{"the flag beside a config file is judged", []string{"--config=/var/lib/kube-proxy/config.conf", "--metrics-bind-address=0.0.0.0:10249"}, finding.Fail,
			"on 0.0.0.0:10249", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &inventory.Node{Host: "node-1", Components: []*inventory.Component{{Kind: inventory.KubeProxy, Source: inventory.FromProcess,
				Path: "/proc/7/cmdline", PID: 7, Args: tt.args, Flags: flags.Parse(tt.args, flags.ComponentSpec(string(inventory.KubeProxy)))}}}
			inv := inventory.New()
			inv.Nodes = []*inventory.Node{n}
			e := testrules.Builtin(t).NewEvaluation(&rules.Options{}, func(r *rules.Rule) bool { return r.ID == "kube-proxy/metrics-bind-address" })
			all := append(e.Finish(inv), e.Passed...)
			if len(all) != 1 {
				t.Fatalf("got %d verdicts, want 1", len(all))
			}
			f := all[0]
			if f.Status != tt.wantStatus || !strings.Contains(f.Message, tt.wantMessage) || !strings.Contains(f.Evidence, tt.wantEvidence) {
				t.Errorf("got %s %q (evidence %q), want %s with %q (evidence with %q)", f.Status, f.Message, f.Evidence, tt.wantStatus, tt.wantMessage, tt.wantEvidence)
			}
		})
	}
}
