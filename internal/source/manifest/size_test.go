package manifest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/source/manifest"
)

func TestInputSizeCountsWhatALoadReads(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, size int) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Repeat("#", size)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", 100)
	write("nested/b.yml", 20)
	write("nested/c.JSON", 3)
	write("notes.txt", 1000)        // not a manifest by name: a walk skips it
	write(".git/config.yaml", 1000) // hidden: a walk skips it
	write("named.txt", 7)           // named on its own: read whatever its name
	if err := os.Symlink(filepath.Join(dir, "a.yaml"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		paths []string
		upTo  int64
		want  int64
	}{
		{"a folder's manifests, not its other files, hidden entries or links", []string{dir}, 1 << 30, 123},
		{"a file named counts whatever its name", []string{filepath.Join(dir, "named.txt")}, 1 << 30, 7},
		{"standard input and paths that do not exist count nothing", []string{"-", filepath.Join(dir, "missing")}, 1 << 30, 0},
		{"counting stops at the size asked about", []string{dir, filepath.Join(dir, "named.txt")}, 110, 110},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := manifest.InputSize(tt.paths, tt.upTo); got != tt.want {
				t.Errorf("InputSize(%v, %d) = %d, want %d", tt.paths, tt.upTo, got, tt.want)
			}
		})
	}
}
