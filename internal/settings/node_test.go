package settings_test

import (
	"testing"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/settings"
)

func TestANodesSettingsAreBuiltOnceAndShared(t *testing.T) {
	component := func(kind inventory.ComponentKind, args ...string) *inventory.Component {
		return &inventory.Component{Kind: kind, Source: inventory.FromProcess, Path: "/proc/1/cmdline", Args: args,
			Flags: flags.Parse(args, flags.ComponentSpec(string(kind)))}
	}
	apiServer := component(inventory.KubeAPIServer, "--secure-port=443")
	etcd := component(inventory.Etcd, "--config-file=/etc/etcd.yaml")
	n := &inventory.Node{Components: []*inventory.Component{apiServer, etcd}}
	copied := *n

	for _, tc := range []struct {
		name  string
		check func(t *testing.T)
	}{
		{"a node gives the same set to every reader", func(t *testing.T) {
			if settings.ForNode(n) != settings.ForNode(n) {
				t.Errorf("two sets for one node")
			}
		}},
		{"a component's settings are built once", func(t *testing.T) {
			first, _ := settings.ForNode(n).Of(apiServer)
			again, _ := settings.ForNode(n).Of(apiServer)
			if first == nil || first != again {
				t.Errorf("settings %p, then %p: want one build", first, again)
			}
			if got := first.Get("secure-port").Value; got != "443" {
				t.Errorf("secure-port %q, want 443", got)
			}
		}},
		{"a reason is kept as the settings are", func(t *testing.T) {
			s, reason := settings.ForNode(n).Of(etcd)
			_, again := settings.ForNode(n).Of(etcd)
			if s != nil || reason == "" || again != reason {
				t.Errorf("etcd without its config file: %v, %q then %q; want no settings and one reason", s, reason, again)
			}
		}},
		{"a copy of a node gets a set of its own", func(t *testing.T) {
			copied.Settings = n.Settings
			if settings.ForNode(&copied) == settings.ForNode(n) {
				t.Errorf("a copy of the node shares the original's settings, built from the original")
			}
		}},
	} {
		t.Run(tc.name, tc.check)
	}
}
