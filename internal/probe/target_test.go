package probe

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

// addrs lists targets as "component@host:port", the component marked "=" when named and
// the port marked "!" when the user named it: "etcd=@[::1]:12379!".
func addrs(ts []Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Component + "@" + t.Address()
		if t.Named {
			out[i] = t.Component + "=@" + t.Address()
		}
		if t.PortNamed {
			out[i] += "!"
		}
	}
	return out
}

func defaults(host string) []string {
	var out []string
	for _, d := range DefaultPorts {
		out = append(out, fmt.Sprintf("%s@%s", d.Component, Target{Host: host, Port: d.Port}.Address()))
	}
	return out
}

func TestParseTargetsReadsEveryForm(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"a bare IPv4 address is probed on every default port", []string{"10.0.0.5"}, defaults("10.0.0.5")},
		{"a host name too", []string{"node1.example"}, defaults("node1.example")},
		{"a bare IPv6 address, with or without brackets", []string{"::1", "[::1]"}, defaults("::1")},
		{"host:port expects the component of a known port, to be identified", []string{"10.0.0.5:10250"}, []string{"kubelet@10.0.0.5:10250!"}},
		{"an IPv6 address with a port", []string{"[::1]:2379"}, []string{"etcd@[::1]:2379!"}},
		{"an unknown port expects no component, to be identified", []string{"node1:9999"}, []string{"unknown@node1:9999!"}},
		{"the API server's legacy port", []string{"10.0.0.5:8080"}, []string{"kube-apiserver-insecure@10.0.0.5:8080!"}},
		{"an IPv4-mapped IPv6 address is the IPv4 address", []string{"[::ffff:10.0.0.5]:6443"}, []string{"kube-apiserver@10.0.0.5:6443!"}},
		{"duplicates are probed once, in first order", []string{"10.0.0.5:2379", "10.0.0.5:2379", "10.0.0.4:443"}, []string{"etcd@10.0.0.5:2379!", "kube-apiserver@10.0.0.4:443!"}},
		{"a CIDR range is every address of it on every port", []string{"10.0.0.0/31"}, append(defaults("10.0.0.0"), defaults("10.0.0.1")...)},
		{"an IPv6 range", []string{"fd00::/127"}, append(defaults("fd00::"), defaults("fd00::1")...)},
		{"a range not on its boundary starts at it", []string{"10.0.0.3/31"}, append(defaults("10.0.0.2"), defaults("10.0.0.3")...)},
		{"a component named for a port of its own", []string{"kube-apiserver=10.0.0.5:8443", "etcd=[::1]:12379"}, []string{"kube-apiserver=@10.0.0.5:8443!", "etcd=@[::1]:12379!"}},
		{"a named component overrides the port's default", []string{"kubelet-read-only=10.0.0.5:10250"}, []string{"kubelet-read-only=@10.0.0.5:10250!"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTargets(tc.args, 0)
			if err != nil {
				t.Fatal(err)
			}
			if g := addrs(got); !slices.Equal(g, tc.want) {
				t.Errorf("got  %v\nwant %v", g, tc.want)
			}
		})
	}
}

func TestParseTargetsRefusesBadInputWithTheReason(t *testing.T) {
	for _, tc := range []struct {
		args []string
		max  int
		want string
	}{
		{[]string{""}, 0, "empty"},
		{[]string{"apiserver=10.0.0.5:8443"}, 0, `unknown component "apiserver" (want one of kubelet, kubelet-read-only, etcd, etcd-peer, kube-apiserver, kube-apiserver-insecure)`},
		{[]string{"kube-apiserver=10.0.0.5"}, 0, "a component names one port: write kube-apiserver=HOST:PORT"},
		{[]string{"etcd=10.0.0.0/30"}, 0, "a component names one port"},
		{nil, 0, "no target given"},
		{[]string{"10.0.0.0/16"}, 0, "65536 addresses, more than the limit of 4096"},
		{[]string{"10.0.0.0/8"}, 0, "more than the limit of 4096"},
		{[]string{"::/0"}, 0, "2^128 addresses"},
		{[]string{"10.0.0.0/28", "10.0.1.0/28"}, 20, "more than the limit of 20"},
		{[]string{"10.0.0.0/30", "a", "b"}, 5, "more than the limit of 5"},
		{[]string{"10.0.0.0/33"}, 0, "not a CIDR range"},
		{[]string{"10.0.0.5:0"}, 0, "from 1 to 65535"},
		{[]string{"10.0.0.5:65536"}, 0, "from 1 to 65535"},
		{[]string{"10.0.0.5:http"}, 0, "from 1 to 65535"},
		{[]string{"https://10.0.0.5:6443"}, 0, "not a URL"},
		{[]string{"::1:2379:x"}, 0, "not an IP address"},
		{[]string{"[fe80::1%eth0]:10250"}, 0, "zones"},
		{[]string{"no such host!"}, 0, "not a host name"},
		{[]string{"a..b"}, 0, "not a host name"},
		{[]string{"host:"}, 0, "from 1 to 65535"},
		{[]string{strings.Repeat("a", 600)}, 0, "too long"},
	} {
		t.Run(strings.Join(tc.args, ","), func(t *testing.T) {
			got, err := ParseTargets(tc.args, tc.max)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseTargets(%q) = %v, %v; want an error with %q", tc.args, addrs(got), err, tc.want)
			}
		})
	}
}

func TestFromClusterListsTheAPIServerThenEveryNodeAddress(t *testing.T) {
	nodes := `{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[
	 {"metadata":{"name":"a"},"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.5"},{"type":"Hostname","address":"a"},{"type":"ExternalIP","address":"203.0.113.9"}]}},
	 {"metadata":{"name":"b"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}]}}]}`
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(nodes))
	}))
	defer srv.Close()
	got, err := FromCluster(context.Background(), &rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	api := strings.TrimPrefix(srv.URL, "http://")
	want := append([]string{"kube-apiserver=@" + api}, defaults("10.0.0.5")...)
	want = append(want, defaults("203.0.113.9")...)
	for _, d := range defaults("127.0.0.1") {
		if !strings.HasSuffix(d, "@"+api) {
			want = append(want, d)
		}
	}
	if g := addrs(got); !slices.Equal(g, want) {
		t.Errorf("got  %v\nwant %v", g, want)
	}
	if !slices.Equal(paths, []string{"GET /api/v1/nodes"}) {
		t.Errorf("requests = %v, want only the node list", paths)
	}
}

func TestAPIServerTargetDefaultsItsPort(t *testing.T) {
	for server, want := range map[string]string{
		"https://10.0.0.1":          "kube-apiserver=@10.0.0.1:443",
		"https://[fd00::1]:6443":    "kube-apiserver=@[fd00::1]:6443",
		"api.example:6443":          "kube-apiserver=@api.example:6443",
		"https://api.example/base/": "kube-apiserver=@api.example:443",
	} {
		got, err := apiServerTarget(server)
		if err != nil || addrs([]Target{got})[0] != want {
			t.Errorf("apiServerTarget(%q) = %v, %v; want %s", server, got, err, want)
		}
	}
}

func FuzzParseTargets(f *testing.F) {
	for _, s := range []string{"10.0.0.5", "10.0.0.5:10250", "node1.example", "[::1]:2379", "10.0.0.0/28", "::1", "fd00::/120", "[::1]", "a:b:c", "10.0.0.0/0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTargets([]string{s}, 64)
		if err != nil {
			return
		}
		if len(ts) == 0 || len(ts) > 64*len(DefaultPorts) {
			t.Fatalf("ParseTargets(%q) gave %d targets", s, len(ts))
		}
		for _, tg := range ts {
			if tg.Host == "" || tg.Port < 1 || tg.Port > 65535 || tg.Component == "" {
				t.Fatalf("ParseTargets(%q) gave %+v", s, tg)
			}
			// What it gives parses back to itself, its port then named.
			again, err := ParseTargets([]string{tg.Address()}, 1)
			tg.PortNamed = true
			if err != nil || len(again) != 1 || again[0] != tg {
				t.Fatalf("ParseTargets(%q) = %v, %v; want %+v", tg.Address(), again, err, tg)
			}
		}
	})
}
