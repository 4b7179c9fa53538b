package cli

import (
	"os"
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/heap"
)

func TestHeapPolicy(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		steady bool
	}{
		{"the webhook server collects at its budget", []string{"webhook", "--tls-cert-file", "c", "--tls-private-key-file", "k"}, true},
		{"a scan collects as Go does", []string{"scan", "examples"}, false},
		{"writing the webhook's certificates is a one-shot command", []string{"webhook", "certs", "--dir", "d"}, false},
		{"no command at all", nil, false},
		{"an unknown command", []string{"nonsense"}, false},
		{"the operator collects as Go does, within a budget of its own", []string{"operator", "--listen", ":8080"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := HeapPolicy(c.args); got.Steady != c.steady {
				t.Errorf("HeapPolicy(%q).Steady = %v, want %v", c.args, got.Steady, c.steady)
			}
			want := heap.Scan
			if len(c.args) > 0 && c.args[0] == "operator" {
				want = heap.Operator(heap.ContainerLimit())
			}
			if !c.steady && HeapPolicy(c.args) != want {
				t.Errorf("HeapPolicy(%q) = %+v, want %+v", c.args, HeapPolicy(c.args), want)
			}
		})
	}
}

// TestScanHeapPolicyFloorsAtItsInput pins that a scan of manifests lets its heap grow to the
// size of its input before it collects, and no further than half its budget.
func TestScanHeapPolicyFloorsAtItsInput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want int64
	}{
		{"the manifests named, flags anywhere", []string{"scan", "--fail-on", "high", dir, "-o", "json"}, 5000},
		{"standard input has no size to tell", []string{"scan", "-"}, 0},
		{"flags it cannot read leave the floor out", []string{"scan", "--no-such-flag", dir}, 0},
		{"another command has none", []string{"cluster"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := HeapPolicy(c.args).Floor; got != c.want {
				t.Errorf("HeapPolicy(%q).Floor = %d, want %d", c.args, got, c.want)
			}
		})
	}
}
