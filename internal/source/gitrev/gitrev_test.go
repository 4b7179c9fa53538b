package gitrev_test

import (
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/source/gitrev"
	"palisade.dev/palisade/internal/source/manifest"
)

func TestParseReadsARevisionAndAPathOfTheCurrentFolder(t *testing.T) {
	tests := []struct {
		name, arg string
		want      gitrev.Spec
		wantErr   string
	}{
		{"a bare revision is the current folder", "HEAD~1", gitrev.Spec{Rev: "HEAD~1", Path: "."}, ""},
		{"REV:PATH splits at the first colon", "main:deploy/prod", gitrev.Spec{Rev: "main", Path: "deploy/prod"}, ""},
		{"an empty path is the current folder", "v1.2:", gitrev.Spec{Rev: "v1.2", Path: "."}, ""},
		{"the path is cleaned", "main:./deploy//x/../y/", gitrev.Spec{Rev: "main", Path: "deploy/y"}, ""},
		{"a path may climb out of the current folder", "main:../base", gitrev.Spec{Rev: "main", Path: "../base"}, ""},
		{"a colon in the path stays in the path", "main:a:b", gitrev.Spec{Rev: "main", Path: "a:b"}, ""},
		{"no revision before the colon is an error", ":deploy", gitrev.Spec{}, "names no revision"},
		{"a revision that looks like an option is an error", "--output=x", gitrev.Spec{}, "starts with '-'"},
		{"an absolute path is an error", "main:/etc", gitrev.Spec{}, "is absolute"},
		{"a NUL byte is an error", "ma\x00in", gitrev.Spec{}, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gitrev.Parse(tt.arg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"HEAD", "main:deploy", ":x", "-x", "a:/b", "a:..", "a:b:c", "\x00", "é:ü/ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		spec, err := gitrev.Parse(arg)
		if err != nil {
			if strings.Contains(err.Error(), arg) && len(arg) > 3 {
				t.Fatalf("the error quotes the argument: %v", err)
			}
			return
		}
		switch {
		case spec.Rev == "" || strings.HasPrefix(spec.Rev, "-") || strings.Contains(spec.Rev, ":"):
			t.Fatalf("revision %q from %q", spec.Rev, arg)
		case spec.Path == "" || path.IsAbs(spec.Path) || path.Clean(spec.Path) != spec.Path:
			t.Fatalf("path %q from %q", spec.Path, arg)
		}
		if again, err := gitrev.Parse(spec.String()); err != nil || again != spec {
			t.Fatalf("%q parses to %+v, which prints as %q and parses to %+v, %v", arg, spec, spec.String(), again, err)
		}
	})
}

// repo makes a git repository in a temporary folder and returns a function that runs git
// there.
func repo(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q", "-b", "main")
	return dir, run
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n  containers:\n  - name: c\n    image: busybox:1.37\n"

func TestLoadReadsARevisionAsTheReaderReadsAFolder(t *testing.T) {
	dir, run := repo(t)
	write(t, dir, "deploy/a.yaml", strings.ReplaceAll(pod, "%s", "a"))
	write(t, dir, "deploy/sub/b.yaml", "# a comment\n"+strings.ReplaceAll(pod, "%s", "b"))
	write(t, dir, "deploy/bad.yaml", "kind: [\n")
	write(t, dir, "other/c.yaml", strings.ReplaceAll(pod, "%s", "c"))
	// export-ignore hides files from git archive; reading blobs must not honour it.
	write(t, dir, ".gitattributes", "deploy/sub/** export-ignore\n")
	run("add", ".")
	run("commit", "-qm", "first")
	write(t, dir, "deploy/a.yaml", strings.ReplaceAll(pod, "%s", "changed"))
	run("commit", "-qam", "second")

	tests := []struct {
		name, cwd string
		spec      gitrev.Spec
		want      []string // objects by name and origin
		wantErr   string   // of the load
		wantScan  string   // part of a document error
	}{
		{"a folder of an older revision, named REV:path:line, errors included", ".", gitrev.Spec{Rev: "HEAD~1", Path: "deploy"},
			[]string{"a HEAD~1:deploy/a.yaml:1:1", "b HEAD~1:deploy/sub/b.yaml:2:1"}, "", "HEAD~1:deploy/bad.yaml:"},
		{"the path is relative to the current folder", "deploy", gitrev.Spec{Rev: "main", Path: "sub"},
			[]string{"b main:sub/b.yaml:2:1"}, "", ""},
		{"a path may climb to a sibling folder", "deploy", gitrev.Spec{Rev: "main", Path: "../other"},
			[]string{"c main:../other/c.yaml:1:1"}, "", ""},
		{"a file", ".", gitrev.Spec{Rev: "main", Path: "deploy/a.yaml"},
			[]string{"changed main:deploy/a.yaml:1:1"}, "", ""},
		{"an unknown revision is an error", ".", gitrev.Spec{Rev: "nope", Path: "."}, nil, "does not know", ""},
		{"a path the revision does not hold is an error", ".", gitrev.Spec{Rev: "main", Path: "nowhere"}, nil, "holds no file", ""},
		{"a path outside the repository is an error", ".", gitrev.Spec{Rev: "main", Path: "../x"}, nil, "outside the repository", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := gitrev.Load(context.Background(), filepath.Join(dir, tt.cwd), tt.spec, manifest.Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range res.Inventory.Objects() {
				got = append(got, o.Name+" "+o.Locate("").String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("objects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			var errs []string
			for _, e := range res.Errors {
				errs = append(errs, e.Error())
			}
			if all := strings.Join(errs, "\n"); (tt.wantScan == "") != (all == "") || !strings.Contains(all, tt.wantScan) || strings.Contains(all, os.TempDir()) {
				t.Errorf("errors %q, want one with %q and no temporary path", all, tt.wantScan)
			}
		})
	}
}

// TestLoadKeepsLinksInsideTheTree commits symbolic links: one to a manifest of the tree is
// read as that manifest, while one to an absolute path and one that climbs above the tree
// are not written, so a revision never makes the diff read a file of the machine.
func TestLoadKeepsLinksInsideTheTree(t *testing.T) {
	dir, run := repo(t)
	outside := filepath.Join(t.TempDir(), "outside.yaml")
	if err := os.WriteFile(outside, []byte(strings.ReplaceAll(pod, "%s", "secret")), 0o600); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "deploy/a.yaml", strings.ReplaceAll(pod, "%s", "a"))
	for name, target := range map[string]string{
		"deploy/inside.yaml":   "a.yaml",
		"deploy/absolute.yaml": outside,
		"deploy/climbs.yaml":   "../../" + filepath.Base(filepath.Dir(outside)) + "/outside.yaml",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	run("add", ".")
	run("commit", "-qm", "links")
	res, err := gitrev.Load(context.Background(), dir, gitrev.Spec{Rev: "main", Path: "deploy"}, manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Inventory.Objects() {
		got = append(got, o.Name)
	}
	slices.Sort(got)
	if want := []string{"a", "a"}; !slices.Equal(got, want) {
		t.Errorf("objects %v, want %v (the manifest and the link to it, nothing from outside)", got, want)
	}
}

func TestLoadOutsideARepositoryIsAnError(t *testing.T) {
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(t.TempDir()))
	_, err := gitrev.Load(context.Background(), t.TempDir(), gitrev.Spec{Rev: "HEAD", Path: "."}, manifest.Options{})
	if err == nil || !strings.Contains(err.Error(), "not in a git repository") {
		t.Fatalf("error %v, want not in a git repository", err)
	}
}
