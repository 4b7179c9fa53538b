package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestStagedTextReplacesAFileOnlyWhenCommitted pins how fix writes a file: the new text
// waits beside it, with its mode, and replaces it (or a symbolic link's target) only when
// committed; discarded, it leaves nothing behind.
func TestStagedTextReplacesAFileOnlyWhenCommitted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		link    bool
		linkDir bool
		commit  bool
		wantNew bool
	}{
		{"committed, the file holds the new text", false, false, true, true},
		{"discarded, the file is as it was", false, false, false, false},
		{"through a symbolic link, its target is replaced", true, false, true, true},
		{"in a folder reached through a symbolic link, the file is replaced", false, true, true, true},
		{"in a folder reached through a symbolic link, discarded, the file is as it was", false, true, false, false},
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
			if tc.linkDir {
				linked := filepath.Join(t.TempDir(), "deploy")
				if err := os.Symlink(dir, linked); err != nil {
					t.Fatal(err)
				}
				path = filepath.Join(linked, "pod.yaml")
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

// TestFilesArePlacedInThePlansOrder pins how fix replaces files while it still edits others:
// in the plan's order whatever order the edits end in, and never a file after one that cannot
// be written or after the context is cancelled.
func TestFilesArePlacedInThePlansOrder(t *testing.T) {
	errWrite := errors.New("read-only file system")
	for _, tc := range []struct {
		name       string
		doneOrder  []int
		failAt     int // -1: every file can be written
		cancelAt   int // cancel before the done of this step; -1: never
		wantPlaced []int
		wantNext   int
		wantStop   error
	}{
		{"edits ending in order are placed as they end", []int{0, 1, 2, 3}, -1, -1, []int{0, 1, 2, 3}, 4, nil},
		{"a file waits for every file before it", []int{2, 1, 3, 0}, -1, -1, []int{0, 1, 2, 3}, 4, nil},
		{"a file that cannot be written stops the placing before the files after it", []int{0, 3, 2, 1}, 1, -1, []int{0, 1}, 1, errWrite},
		{"a file after the one that cannot be written is not placed though it ended first", []int{3, 2, 0, 1}, 2, -1, []int{0, 1, 2}, 2, errWrite},
		{"a cancelled context stops the placing", []int{0, 1, 2, 3}, -1, 2, []int{0, 1}, 2, context.Canceled},
		{"a file left unedited by a cancelled context stops the placing there", []int{0, 1, 3}, -1, -1, []int{0, 1}, 2, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var placed []int
			o := newInOrder(4, func(i int) error {
				placed = append(placed, i)
				if i == tc.failAt {
					return errWrite
				}
				return nil
			})
			for step, i := range tc.doneOrder {
				if step == tc.cancelAt {
					cancel()
				}
				o.done(ctx, i)
			}
			if len(tc.doneOrder) < 4 {
				cancel()
			}
			o.finish(ctx)
			if !slices.Equal(placed, tc.wantPlaced) {
				t.Errorf("placed %v, want %v", placed, tc.wantPlaced)
			}
			if o.next != tc.wantNext || !errors.Is(o.stop, tc.wantStop) {
				t.Errorf("stopped at %d (%v), want %d (%v)", o.next, o.stop, tc.wantNext, tc.wantStop)
			}
			if got, want := o.stopped(), tc.failAt >= 0; got != want {
				t.Errorf("stopped() = %v, want %v", got, want)
			}
		})
	}
}
