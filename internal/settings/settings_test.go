package settings_test

import (
	"fmt"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/settings"
)

func TestSettingsFollowEachComponentsPrecedence(t *testing.T) {
	const etcdFile = "listen-client-urls: https://10.0.0.5:2379\n"
	tests := []struct {
		name       string
		kind       inventory.ComponentKind
		args       []string
		env        map[string]string
		setting    string
		wantValue  string
		wantKind   settings.SourceKind
		wantSource string
	}{
		{"etcd flag", inventory.Etcd, []string{"--listen-client-urls=http://127.0.0.1:4001"}, nil, "listen-client-urls", "http://127.0.0.1:4001", settings.Flag, "flag --listen-client-urls"},
		{"etcd environment", inventory.Etcd, nil, map[string]string{"ETCD_LISTEN_CLIENT_URLS": "http://127.0.0.1:4002"}, "listen-client-urls", "http://127.0.0.1:4002", settings.Environment, "environment ETCD_LISTEN_CLIENT_URLS"},
		{"etcd config file excludes flags", inventory.Etcd, []string{"--config-file=/etc/etcd.yaml", "--listen-client-urls=http://127.0.0.1:4001"}, nil, "listen-client-urls", "https://10.0.0.5:2379", settings.ConfigFile, "config file /etc/etcd.yaml listen-client-urls"},
		{"etcd default", inventory.Etcd, nil, nil, "listen-peer-urls", "http://localhost:2380", settings.Default, ""},
		{"api server flag", inventory.KubeAPIServer, []string{"--secure-port=443"}, nil, "secure-port", "443", settings.Flag, "flag --secure-port"},
		{"api server default", inventory.KubeAPIServer, nil, nil, "bind-address", "0.0.0.0", settings.Default, ""},
		{"kubelet flag", inventory.Kubelet, []string{"--read-only-port=10255"}, nil, "readOnlyPort", "10255", settings.Flag, "flag --read-only-port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &inventory.Component{Kind: tt.kind, Source: inventory.FromProcess, Path: "/proc/1/cmdline", Args: tt.args,
				Flags: flags.Parse(tt.args, flags.ComponentSpec(string(tt.kind))), Env: tt.env}
			n := &inventory.Node{Components: []*inventory.Component{c}, Files: map[string]*inventory.File{
				"/etc/etcd.yaml": {Path: "/etc/etcd.yaml", Exists: true, Data: []byte(etcdFile)}}}
			s, reason := settings.Of(n, c)
			if reason != "" {
				t.Fatal(reason)
			}
			got := s.Get(tt.setting)
			if got.Value != tt.wantValue || got.Kind != tt.wantKind || !strings.HasSuffix(got.Source(), tt.wantSource) {
				t.Errorf("Get(%s) = %+v, want %s from %s %q", tt.setting, got, tt.wantValue, tt.wantKind, tt.wantSource)
			}
		})
	}
}

func TestEtcdListensWhereItsConfigFileSays(t *testing.T) {
	args := []string{"--config-file=/etc/etcd.yaml", "--listen-client-urls=http://127.0.0.1:4001"}
	c := &inventory.Component{Kind: inventory.Etcd, Source: inventory.FromProcess, Path: "/proc/1/cmdline", Args: args, Flags: flags.Parse(args, nil)}
	n := &inventory.Node{Components: []*inventory.Component{c}, Files: map[string]*inventory.File{
		"/etc/etcd.yaml": {Path: "/etc/etcd.yaml", Exists: true, Data: []byte("listen-client-urls: https://10.0.0.5:2379\n")}}}
	s, reason := settings.Of(n, c)
	if reason != "" {
		t.Fatal(reason)
	}
	ls, err := s.Listeners()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		got = append(got, string(l.Serves)+" "+l.Host)
	}
	if want := "etcd 10.0.0.5,etcd-peer localhost"; strings.Join(got, ",") != want {
		t.Errorf("listeners = %q, want %q", got, want)
	}
}

func TestSettingsAreWordedInTheirComponentsWords(t *testing.T) {
	tests := []struct {
		name     string
		kind     inventory.ComponentKind
		args     []string
		setting  string
		dflt     string
		want     string
		wantBool string
	}{
		{"a flag as written", inventory.KubeScheduler, []string{"--profiling=false"}, "profiling", "true",
			"--profiling=false in kube-scheduler (process /proc/1/cmdline)", "false"},
		{"a flag written apart from its value", inventory.KubeAPIServer, []string{"--audit-log-path", "/var/log/audit.log"}, "audit-log-path", "",
			"--audit-log-path /var/log/audit.log in kube-apiserver (process /proc/1/cmdline)", ""},
		{"a flag left to its default", inventory.KubeControllerManager, nil, "profiling", "true",
			"--profiling not set (default true) in kube-controller-manager (process /proc/1/cmdline)", ""},
		{"a flag without a default to name", inventory.KubeAPIServer, nil, "token-auth-file", "",
			"--token-auth-file not set in kube-apiserver (process /proc/1/cmdline)", ""},
		{"a command-line boolean that is not one", inventory.KubeAPIServer, []string{"--anonymous-auth=maybe"}, "anonymous-auth", "",
			"--anonymous-auth=maybe in kube-apiserver (process /proc/1/cmdline)", "--anonymous-auth=maybe is not a boolean"},
		{"an etcd flag", inventory.Etcd, []string{"--client-cert-auth=true"}, "client-cert-auth", "",
			"etcd (process /proc/1/cmdline) flag --client-cert-auth=true", "true"},
		{"an etcd default named", inventory.Etcd, nil, "auto-tls", "false", "--auto-tls is not set: etcd's default false applies", "false"},
		{"an etcd setting set nowhere", inventory.Etcd, nil, "cert-file", "", "--cert-file is set neither as a flag nor as ETCD_CERT_FILE", ""},
		{"an etcd boolean that is not one", inventory.Etcd, []string{"--auto-tls=yes"}, "auto-tls", "",
			"etcd (process /proc/1/cmdline) flag --auto-tls=yes", "etcd (process /proc/1/cmdline) flag --auto-tls=yes is not a boolean: etcd refuses to start with it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &inventory.Component{Kind: tt.kind, Source: inventory.FromProcess, Path: "/proc/1/cmdline", Args: tt.args,
				Flags: flags.Parse(tt.args, flags.ComponentSpec(string(tt.kind)))}
			s, reason := settings.Of(&inventory.Node{Components: []*inventory.Component{c}}, c)
			if reason != "" {
				t.Fatal(reason)
			}
			got := s.Get(tt.setting)
			if ev := got.Observed(tt.dflt); ev != tt.want {
				t.Errorf("Observed(%q) = %q, want %q", tt.dflt, ev, tt.want)
			}
			if tt.wantBool == "" {
				return
			}
			b, err := got.Bool()
			gotBool := fmt.Sprint(b)
			if err != nil {
				gotBool = err.Error()
			}
			if gotBool != tt.wantBool {
				t.Errorf("Bool() = %q, want %q", gotBool, tt.wantBool)
			}
		})
	}
}
