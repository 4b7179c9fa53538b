package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRewriteWritesTheFileInPlace pins how fix writes a file: over its old text, in place, so
// that the file keeps its inode and mode and a symbolic link's target is written; never when
// the file changed after it was read; and, longer or shorter, holding exactly the new text.
func TestRewriteWritesTheFileInPlace(t *testing.T) {
	for _, tc := range []struct {
		name     string
		link     bool
		linkDir  bool
		changeTo string // what the file is changed to after it was read, if anything
		new      string
		wantErr  error
	}{
		{"a longer text is written over the file", false, false, "", "new text, longer than the old\n", nil},
		{"a shorter text leaves nothing of the old behind", false, false, "", "n\n", nil},
		{"through a symbolic link, its target is written", true, false, "", "new\n", nil},
		{"in a folder reached through a symbolic link, the file is written", false, true, "", "new\n", nil},
		{"a file changed after it was read is not written", false, false, "changed by someone else\n", "new\n", errChanged},
		{"a file changed to a text of the same length is not written", false, false, "OLD TEXT\n", "new\n", errChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "pod.yaml")
			const old = "old text\n"
			if err := os.WriteFile(target, []byte(old), 0o640); err != nil {
				t.Fatal(err)
			}
			hardLink := filepath.Join(dir, "hard.yaml")
			if err := os.Link(target, hardLink); err != nil {
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
			src, err := os.ReadFile(path)
			if err != nil || string(src) != old {
				t.Fatalf("read %d bytes, %v", len(src), err)
			}
			want := tc.new
			if tc.changeTo != "" {
				want = tc.changeTo
				if err := os.WriteFile(target, []byte(want), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := os.Stat(target)
			err = rewrite(path, src, []byte(tc.new))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("rewrite: %v, want %v", err, tc.wantErr)
			}
			if got, _ := os.ReadFile(target); string(got) != want {
				t.Errorf("the file holds %d bytes, want %d", len(got), len(want))
			}
			if got, _ := os.ReadFile(hardLink); string(got) != want {
				t.Errorf("the file's other name holds %d bytes, want %d: the inode was not kept", len(got), len(want))
			}
			after, err := os.Lstat(target)
			if err != nil || after.Mode().Perm() != 0o640 || !os.SameFile(before, after) {
				t.Errorf("the file's mode or inode is not kept: %v, %v", after.Mode(), err)
			}
			if tc.link {
				if info, err := os.Lstat(path); err != nil || info.Mode()&os.ModeSymlink == 0 {
					t.Errorf("the symbolic link is not kept")
				}
			}
			entries, _ := os.ReadDir(dir)
			if want := 2 + btoi(tc.link); len(entries) != want {
				t.Errorf("the folder holds %d entries, want %d: a file is left behind", len(entries), want)
			}
		})
	}
}

// memFile is a textFile in memory whose writes fail from failAt on, having written up to it.
type memFile struct {
	data   []byte
	failAt int // -1: never
	writes int
}

var errNoRoom = errors.New("no space left on device")

func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.data)) {
		return 0, io.EOF
	}
	n := copy(p, m.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	m.writes++
	n := len(p)
	if m.failAt >= 0 && int(off)+n > m.failAt {
		n = max(0, m.failAt-int(off))
	}
	if end := int(off) + n; end > len(m.data) {
		m.data = append(m.data, make([]byte, end-len(m.data))...)
	}
	copy(m.data[off:], p[:n])
	if n < len(p) {
		return n, errNoRoom
	}
	return n, nil
}

func (m *memFile) Truncate(size int64) error {
	m.data = m.data[:size]
	return nil
}

// TestOverwriteNeverLosesTheOldText pins what happens when a file cannot take its new text:
// a reservation that fails writes nothing, and a write that fails part way puts the old text
// back; a file that no longer holds the old text is not written at all.
func TestOverwriteNeverLosesTheOldText(t *testing.T) {
	const old = "apiVersion: v1\nkind: Pod\n"
	const longer = "apiVersion: v1\nkind: Pod\nspec:\n  hostPID: false\n"
	for _, tc := range []struct {
		name       string
		held       string
		failAt     int
		reserveErr error
		new        string
		want       string
		wantErr    error
		wantWrites int
	}{
		{"a longer text is written", old, -1, nil, longer, longer, nil, 1},
		{"a shorter text is written and the rest cut", old, -1, nil, "kind: Pod\n", "kind: Pod\n", nil, 1},
		{"no room reserved: nothing is written", old, -1, errNoRoom, longer, old, errNoRoom, 0},
		{"a write failing part way puts the old text back", old, len(old) + 3, nil, longer, old, errNoRoom, 2},
		{"a file that no longer holds the old text is not written", "kind: Pod\n", -1, nil, longer, "kind: Pod\n", errChanged, 0},
		{"a file that holds more than the old text is not written", old + "---\n", -1, nil, longer, old + "---\n", errChanged, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &memFile{data: []byte(tc.held), failAt: tc.failAt}
			err := overwrite(f, []byte(old), []byte(tc.new), func(int64) error { return tc.reserveErr })
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("overwrite: %v, want %v", err, tc.wantErr)
			}
			if string(f.data) != tc.want {
				t.Errorf("the file holds %q, want %q", f.data, tc.want)
			}
			if f.writes != tc.wantWrites {
				t.Errorf("%d writes, want %d", f.writes, tc.wantWrites)
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
