package settings_test

import (
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
