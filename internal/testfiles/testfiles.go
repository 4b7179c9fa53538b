// Package testfiles helps tests that work on trees of files: writing a tree, and finding the
// line that holds some text so that assertions survive edits of the files they read. It is for
// tests only.
package testfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Write writes files (slash-separated paths relative to dir, and their content) under dir.
func Write(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// LineOf is the 1-based number of the first line of file that contains text.
func LineOf(t testing.TB, file, text string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line with %q", file, text)
	return 0
}
