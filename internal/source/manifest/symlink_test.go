package manifest_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/source/manifest"
)

// symlink makes link (a path under base) point at target, as written.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestSymlinksOutOfTheScannedPaths pins that a walk follows a symbolic link only where it
// resolves inside the paths given, unless FollowSymlinks says otherwise: a repository cannot
// make a scan read the host.
func TestSymlinksOutOfTheScannedPaths(t *testing.T) {
	type errWant struct{ file, cause string } // file relative to base
	tests := []struct {
		name string
		// setup builds the tree under base (repo/ and outside/ are written already) and
		// returns the paths to scan, relative to base.
		setup   func(t *testing.T, base string) []string
		follow  bool
		objects []string
		errs    []errWant
	}{
		{
			name: "a folder link out of the scanned folder is an error and is not followed",
			setup: func(t *testing.T, base string) []string {
				symlink(t, filepath.Join(base, "outside"), filepath.Join(base, "repo", "x"))
				return []string{"repo"}
			},
			objects: []string{"repo"},
			errs:    []errWant{{"repo/x", "points outside the scanned folder; not followed"}},
		},
		{
			name: "a link to the filesystem root is not walked",
			setup: func(t *testing.T, base string) []string {
				symlink(t, "/", filepath.Join(base, "repo", "x"))
				return []string{"repo"}
			},
			objects: []string{"repo"},
			errs:    []errWant{{"repo/x", "points outside the scanned folder; not followed"}},
		},
		{
			name: "a file link out of the scanned folder is an error and is not read",
			setup: func(t *testing.T, base string) []string {
				symlink(t, "../outside/out.yaml", filepath.Join(base, "repo", "x.yaml"))
				return []string{"repo"}
			},
			objects: []string{"repo"},
			errs:    []errWant{{"repo/x.yaml", "points outside the scanned folder; not followed"}},
		},
		{
			name: "a link out through a link inside is not followed",
			setup: func(t *testing.T, base string) []string {
				symlink(t, "..", filepath.Join(base, "repo", "sub", "up"))
				symlink(t, "../../outside", filepath.Join(base, "repo", "sub", "over"))
				return []string{"repo/sub"}
			},
			errs: []errWant{
				{"repo/sub/over", "points outside the scanned folder"},
				{"repo/sub/up", "points outside the scanned folder"},
			},
		},
		{
			name: "a link out of the scanned folder to a file that is not a manifest is skipped as the file would be",
			setup: func(t *testing.T, base string) []string {
				symlink(t, "../outside/notes.txt", filepath.Join(base, "repo", "notes.txt"))
				return []string{"repo"}
			},
			objects: []string{"repo"},
		},
		{
			name: "links that resolve inside the scanned folder are followed",
			setup: func(t *testing.T, base string) []string {
				symlink(t, "repo.yaml", filepath.Join(base, "repo", "again.yaml"))
				symlink(t, "..", filepath.Join(base, "repo", "sub", "top"))
				return []string{"repo"}
			},
			objects: []string{"repo", "repo"},
			errs:    []errWant{{"repo/sub/top", "symbolic link loop"}},
		},
		{
			name: "a link into another path given is followed",
			setup: func(t *testing.T, base string) []string {
				symlink(t, "../outside", filepath.Join(base, "repo", "x"))
				return []string{"repo", "outside"}
			},
			objects: []string{"repo", "outside", "outside"},
		},
		{
			name: "a path given that is itself a link is read",
			setup: func(t *testing.T, base string) []string {
				symlink(t, "outside", filepath.Join(base, "given"))
				return []string{"given"}
			},
			objects: []string{"outside"},
		},
		{
			name:   "FollowSymlinks follows links out of the scanned folder",
			follow: true,
			setup: func(t *testing.T, base string) []string {
				symlink(t, "../outside", filepath.Join(base, "repo", "x"))
				symlink(t, "../outside/out.yaml", filepath.Join(base, "repo", "y.yaml"))
				return []string{"repo"}
			},
			objects: []string{"repo", "outside", "outside"},
		},
		{
			name:   "FollowSymlinks walks a folder out there once however many links lead to it, and reports loops",
			follow: true,
			setup: func(t *testing.T, base string) []string {
				symlink(t, "../outside", filepath.Join(base, "repo", "x"))
				symlink(t, "../outside", filepath.Join(base, "repo", "y"))
				symlink(t, "..", filepath.Join(base, "outside", "sub", "back"))
				return []string{"repo"}
			},
			objects: []string{"repo", "outside"},
			errs:    []errWant{{"repo/x/sub/back", "symbolic link loop"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			for name, data := range map[string]string{
				"repo/repo.yaml":    configMap("repo"),
				"outside/out.yaml":  configMap("outside"),
				"outside/notes.txt": "not a manifest",
			} {
				p := filepath.Join(base, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			paths := tt.setup(t, base)
			// Relative paths, as a user types them: the check must resolve them.
			t.Chdir(base)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res := manifest.Load(ctx, paths, manifest.Options{FollowSymlinks: tt.follow})
			var got []errWant
			for _, e := range res.Errors {
				got = append(got, errWant{filepath.ToSlash(e.Location.File), e.Message})
			}
			if len(got) != len(tt.errs) {
				t.Fatalf("errors %q, want %d like %q", got, len(tt.errs), tt.errs)
			}
			for i, w := range tt.errs {
				if got[i].file != w.file || !strings.Contains(got[i].cause, w.cause) {
					t.Errorf("error %d: %s: %s; want %s: ...%s...", i, got[i].file, got[i].cause, w.file, w.cause)
				}
			}
			if o := names(res.Inventory.Objects()); !slices.Equal(o, tt.objects) {
				t.Errorf("objects %v, want %v", o, tt.objects)
			}
		})
	}
}

// TestStandardInputGivenTwice pins that "-" given twice reads standard input once and says so
// for the second, rather than reporting it as empty.
func TestStandardInputGivenTwice(t *testing.T) {
	res := manifest.Load(context.Background(), []string{"-", "-"}, manifest.Options{Stdin: strings.NewReader(configMap("once"))})
	assertOneError(t, res.Errors, "-", 0, "standard input is given more than once")
	if got := names(res.Inventory.Objects()); !slices.Equal(got, []string{"once"}) {
		t.Errorf("objects %v, want [once]", got)
	}
}
