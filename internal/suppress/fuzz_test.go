package suppress_test

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/suppress"
	"palisade.dev/palisade/internal/testrules"
)

// FuzzParseIgnore feeds arbitrary annotation values to the palisade.dev/ignore parser: it must
// never panic, and whatever it accepts names at least one rule and carries a reason.
func FuzzParseIgnore(f *testing.F) {
	for _, seed := range []string{
		"pod/host-network CNI needs the host network",
		"pod/host-network,pod/host-pid  node agent",
		"pod/* legacy chart, tracked in TICKET-1",
		"pod/x, because",
		"",
		" , ",
		"pod/a\n\tfolded\n reason",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		ig, err := suppress.ParseIgnore(value)
		if err != nil {
			return
		}
		if len(ig.Rules) == 0 || strings.TrimSpace(ig.Reason) == "" {
			t.Fatalf("ParseIgnore(%q) accepted %+v without rules or a reason", value, ig)
		}
	})
}

// FuzzParseConfig feeds arbitrary bytes to the .palisade.yaml parser: it must never panic, and
// a config it accepts must select rules without panicking either.
func FuzzParseConfig(f *testing.F) {
	catalog := testrules.Builtin(f)
	for _, seed := range []string{
		"version: 1\nrules:\n  disable: [pod/cpu-limit]\n",
		"version: 1\nseverity:\n  pod/image-digest: info\nexemptions:\n- rules: [pod/host-network]\n  namespaces: [kube-system]\n  kinds: [DaemonSet]\n  names: [cilium*]\n  labels: {app: cilium}\n  reason: CNI\n",
		"version: 2\n",
		"rules: [\n",
		"version: 1\nexemptions:\n- rules: [pod/*]\n",
		"&a [*a]",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := suppress.ParseConfig(".palisade.yaml", data, catalog)
		if err != nil {
			return
		}
		for _, r := range catalog.All() {
			cfg.Selected(r)
		}
	})
}
