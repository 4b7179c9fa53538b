package testfiles

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("output equal to the golden file passes", func(t *testing.T) {
		Golden(t, path, []byte("same\n"))
	})
	t.Run("the rerun command names the test's folder and top-level test", func(t *testing.T) {
		if got, want := rerun(t), "go test ./internal/testfiles -run '^TestGolden$' -update"; got != want {
			t.Errorf("rerun = %q, want %q", got, want)
		}
	})
}
