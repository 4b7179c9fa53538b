// Package testfiles helps tests that work on trees of files: writing a tree, and finding the
// line that holds some text so that assertions survive edits of the files they read. It is for
// tests only.
package testfiles

import (
	"io/fs"
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

// CopyKubeadmTree copies a folder of node files (a fixture root filesystem), giving files and
// folders the modes kubeadm gives them, whatever the checkout's modes: 0600 for keys,
// kubeconfigs and static pod manifests, 0644 for other files, 0700 for etcd's data folder,
// 0755 for other folders.
func CopyKubeadmTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			mode := fs.FileMode(0o755)
			if strings.HasSuffix(rel, filepath.Join("var", "lib", "etcd")) {
				mode = 0o700
			}
			if err := os.MkdirAll(target, mode); err != nil {
				return err
			}
			return os.Chmod(target, mode)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if strings.HasSuffix(p, ".key") || strings.HasSuffix(p, ".conf") || strings.Contains(rel, "manifests") {
			mode = 0o600
		}
		if err := os.WriteFile(target, data, mode); err != nil {
			return err
		}
		return os.Chmod(target, mode)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}
