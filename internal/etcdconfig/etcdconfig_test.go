package etcdconfig

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
)

func etcd(args []string, env map[string]string) *inventory.Component {
	return &inventory.Component{Kind: inventory.Etcd, Source: inventory.FromProcess, Path: "/proc/9/cmdline", Args: args,
		Flags: flags.Parse(args, flags.ComponentSpec("etcd")), Env: env}
}

func TestGetReadsSettingsWithEtcdsPrecedence(t *testing.T) {
	const file = "listen-client-urls: https://10.0.0.5:2379\nclient-transport-security:\n  client-cert-auth: true\n"
	for _, tc := range []struct {
		name   string
		c      *inventory.Component
		files  map[string]string
		flag   string
		want   Setting
		reason string
	}{
		{name: "a flag", c: etcd([]string{"--listen-client-urls=http://127.0.0.1:2379"}, nil), flag: "listen-client-urls",
			want: Setting{Value: "http://127.0.0.1:2379", Set: true, Source: "etcd (process /proc/9/cmdline) flag --listen-client-urls"}},
		{name: "an ETCD_ variable", c: etcd(nil, map[string]string{"ETCD_LISTEN_CLIENT_URLS": "http://0.0.0.0:2379"}), flag: "listen-client-urls",
			want: Setting{Value: "http://0.0.0.0:2379", Set: true, Source: "etcd (process /proc/9/cmdline) environment ETCD_LISTEN_CLIENT_URLS"}},
		{name: "an empty variable is ignored", c: etcd(nil, map[string]string{"ETCD_LISTEN_CLIENT_URLS": ""}), flag: "listen-client-urls"},
		{name: "the config file alone, the flag ignored", c: etcd([]string{"--config-file=/e.yaml", "--listen-client-urls=http://127.0.0.1:2379"}, nil),
			files: map[string]string{"/e.yaml": file}, flag: "listen-client-urls",
			want: Setting{Value: "https://10.0.0.5:2379", Set: true, Source: "etcd config file /e.yaml listen-client-urls"}},
		{name: "a TLS setting in the file's transport section", c: etcd(nil, map[string]string{"ETCD_CONFIG_FILE": "/e.yaml"}),
			files: map[string]string{"/e.yaml": file}, flag: "client-cert-auth",
			want: Setting{Value: "true", Set: true, Source: "etcd config file /e.yaml client-transport-security.client-cert-auth"}},
		{name: "a setting the file leaves out is unset, whatever the variables say", c: etcd([]string{"--config-file=/e.yaml"}, map[string]string{"ETCD_LISTEN_PEER_URLS": "http://0.0.0.0:2380"}),
			files: map[string]string{"/e.yaml": file}, flag: "listen-peer-urls"},
		{name: "a file not read", c: etcd([]string{"--config-file=/e.yaml"}, nil), flag: "listen-client-urls", reason: "etcd reads its settings from /e.yaml only"},
		{name: "a file that does not parse", c: etcd([]string{"--config-file=/e.yaml"}, nil), files: map[string]string{"/e.yaml": "a: [b"},
			flag: "listen-client-urls", reason: "does not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &inventory.Node{Files: map[string]*inventory.File{}}
			for p, data := range tc.files {
				n.Files[p] = &inventory.File{Path: p, Exists: true, Data: []byte(data)}
			}
			s, reason := Read(n, tc.c)
			if tc.reason != "" {
				if s != nil || !strings.Contains(reason, tc.reason) {
					t.Fatalf("Read = %v, %q; want the reason %q", s, reason, tc.reason)
				}
				return
			}
			if got := s.Get(tc.flag); got != tc.want {
				t.Errorf("Get(%q) = %+v, want %+v", tc.flag, got, tc.want)
			}
		})
	}
}

// FuzzRead reads arbitrary configuration files: never a panic, and every setting read is set
// from the file.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{"listen-client-urls: https://10.0.0.5:2379\n", "client-transport-security: 3\n", "listen-client-urls: [a, b]\n", "~", "a: [b", "\xff"} {
		f.Add(seed)
	}
	c := etcd([]string{"--config-file=/e.yaml", "--listen-client-urls=http://127.0.0.1:1"}, nil)
	f.Fuzz(func(t *testing.T, data string) {
		n := &inventory.Node{Files: map[string]*inventory.File{"/e.yaml": {Path: "/e.yaml", Exists: true, Data: []byte(data)}}}
		s, reason := Read(n, c)
		if s == nil {
			if reason == "" {
				t.Fatal("no settings and no reason")
			}
			return
		}
		for _, flag := range []string{"listen-client-urls", "client-cert-auth", "listen-peer-urls"} {
			if g := s.Get(flag); g.Set && !strings.HasPrefix(g.Source, "etcd config file /e.yaml ") {
				t.Fatalf("Get(%q) = %+v, not from the file", flag, g)
			}
		}
	})
}
