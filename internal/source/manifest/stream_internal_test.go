package manifest

import "testing"

// TestDocumentMarkerDoesNotAllocate pins that telling a separator costs no allocation: it runs
// on every line of every file.
func TestDocumentMarkerDoesNotAllocate(t *testing.T) {
	lines := [][]byte{[]byte("---\n"), []byte("---# c\n"), []byte("...\n"), []byte("---x\n"), []byte("  key: value\n")}
	if n := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			documentMarker(l)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}
