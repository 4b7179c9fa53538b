package testfiles

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update is the -update flag of every test that reads golden files: with it, Golden rewrites
// the files from the current output instead of comparing, and the diff is reviewed.
var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// Golden compares got with the golden file at path or, with -update, writes got there. A
// difference fails t with the command that rewrites the file.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("updating %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (create it with %s): %v", path, rerun(t), err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s; if the change is intended, run %s and review the diff\n--- got ---\n%s", path, rerun(t), got)
	}
}

// rerun is the command that runs t's top-level test with -update: go test ./internal/report
// -run '^TestGolden$' -update.
func rerun(t testing.TB) string {
	test, _, _ := strings.Cut(t.Name(), "/")
	return "go test ./" + packageDir() + " -run '^" + test + "$' -update"
}

// packageDir is the test's folder (its working directory) relative to the module's root, or
// "." when no go.mod is found above it.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for root := wd; ; root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			rel, err := filepath.Rel(root, wd)
			if err != nil {
				return "."
			}
			return filepath.ToSlash(rel)
		}
		if filepath.Dir(root) == root {
			return "."
		}
	}
}
