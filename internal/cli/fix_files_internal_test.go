package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStagedTextReplacesAFileOnlyWhenCommitted pins how fix writes a file: the new text
// waits beside it, with its mode, and replaces it (or a symbolic link's target) only when
// committed; discarded, it leaves nothing behind.
func TestStagedTextReplacesAFileOnlyWhenCommitted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		link    bool
		commit  bool
		wantNew bool
	}{
		{"committed, the file holds the new text", false, true, true},
		{"discarded, the file is as it was", false, false, false},
		{"through a symbolic link, its target is replaced", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "pod.yaml")
			if err := os.WriteFile(target, []byte("old\n"), 0o640); err != nil {
				t.Fatal(err)
			}
			path := target
			if tc.link {
				path = filepath.Join(dir, "link.yaml")
				if err := os.Symlink("pod.yaml", path); err != nil {
					t.Fatal(err)
				}
			}
			s, err := stageFile(path, []byte("new\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(target); string(got) != "old\n" {
				t.Fatal("the file changed before the staged text was committed")
			}
			if tc.commit {
				if err := s.commit(); err != nil {
					t.Fatal(err)
				}
			}
			s.discard()
			got, _ := os.ReadFile(target)
			if (string(got) == "new\n") != tc.wantNew {
				t.Errorf("the file holds %d bytes, new text wanted: %v", len(got), tc.wantNew)
			}
			info, err := os.Lstat(target)
			if err != nil || info.Mode().Perm() != 0o640 {
				t.Errorf("the file's mode is not kept: %v, %v", info.Mode(), err)
			}
			if tc.link {
				if info, err := os.Lstat(path); err != nil || info.Mode()&os.ModeSymlink == 0 {
					t.Errorf("the symbolic link is not kept")
				}
			}
			entries, _ := os.ReadDir(dir)
			if want := 1 + btoi(tc.link); len(entries) != want {
				t.Errorf("the folder holds %d entries: a temporary file is left behind", len(entries))
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
