package manifest_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
)

// badInput is one kind of input the loader must refuse with one clear error while it still
// loads everything else.
type badInput struct {
	name string
	// file is the bad file's name in the scanned folder; setup writes it (or whatever stands
	// in its place) and returns the path the error must name.
	file  string
	data  string
	setup func(t *testing.T, dir string) string
	// line is the line the error must point at; 0 for errors about the file as a whole
	// (it cannot be read, it holds nothing).
	line int
	// cause is a part of the message that says what is wrong.
	cause string
	// loaded are objects of the bad file itself that must still be loaded.
	loaded []string
	// followSymlinks loads with Options.FollowSymlinks, for a file reached by a link out of
	// the folder.
	followSymlinks bool
}

// deep nests n flow maps: {a: {a: ... 1 ...}}.
func deep(n int) string {
	return strings.Repeat("{a: ", n) + "1" + strings.Repeat("}", n)
}

// aliasBomb is the YAML form of "billion laughs": nine levels of lists of nine aliases of the
// level below, 9^9 strings once expanded.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n")
	b.WriteString(`  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString("  " + n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n")
		prev = n
	}
	return b.String()
}

func badInputs() []badInput {
	return []badInput{
		{
			name: "malformed YAML", file: "malformed.yaml",
			data: configMap("before") + "---\nkind: ConfigMap\n  name: [unclosed\n---\n" + configMap("after"),
			line: 7, cause: "malformed YAML", loaded: []string{"before", "after"},
		},
		{
			name: "malformed JSON", file: "malformed.json",
			data: "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\"\n  \"metadata\": {\"name\": \"x\"}\n}\n",
			line: 4, cause: "malformed YAML",
		},
		{
			name: "a document that is a list", file: "list.yaml",
			data: configMap("before") + "---\n- apiVersion: v1\n- kind: ConfigMap\n",
			line: 6, cause: "not an object (it is a list)", loaded: []string{"before"},
		},
		{
			name: "a document that is a scalar", file: "scalar.yaml",
			data: "just some text\n---\n" + configMap("after"),
			line: 1, cause: `not an object (it is a string of 14 characters)`, loaded: []string{"after"},
		},
		{
			name: "missing kind", file: "nokind.yaml",
			data: "apiVersion: v1\nmetadata:\n  name: x\n",
			line: 1, cause: "kind is missing",
		},
		{
			name: "missing apiVersion", file: "noapiversion.yaml",
			data: "kind: ConfigMap\nmetadata:\n  name: x\n",
			line: 1, cause: "apiVersion is missing",
		},
		{
			name: "an apiVersion without a version", file: "noversion.yaml",
			data: "apiVersion: apps/\nkind: Deployment\nmetadata:\n  name: x\n",
			line: 1, cause: `invalid apiVersion apps/: the version is empty`,
		},
		{
			name: "a known kind with a field of the wrong type", file: "wrongtype.yaml",
			data: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsNonRoot: \"yes please\"\n  containers:\n    - name: c\n      image: i\n",
			line: 7, cause: `spec.securityContext.runAsNonRoot must be true or false, not a string of 10 characters`,
		},
		{
			name: "an explicit tag its value does not fit", file: "tag.yaml",
			data: configMap("before") + "---\n" + configMap("tagged") + "data:\n  flag: !!bool maybe\n",
			line: 11, cause: `a value tagged !!bool must be true or false, not a string of 5 characters`, loaded: []string{"before"},
		},
		{
			name: "a binary file", file: "binary.yaml",
			data: "apiVersion: v1\nkind: ConfigMap\n\x00\x01\x02\xff\xfe",
			line: 3, cause: "binary file",
		},
		{
			name: "an empty file", file: "empty.yaml", data: "",
			cause: "no Kubernetes object",
		},
		{
			name: "a file of only comments and markers", file: "comments.yaml",
			data:  "# everything here\n---\n# is commented out\n...\n",
			cause: "no Kubernetes object",
		},
		{
			name: "very deep nesting (10,000 levels of YAML maps)", file: "deep.yaml",
			data: "apiVersion: example.dev/v1\nkind: Deep\nmetadata:\n  name: deep\n\nspec: " + deep(10_000) + "\n",
			line: 6, cause: "deeper than",
		},
		{
			name: "very deep nesting (10,000 levels of JSON lists)", file: "deep.json",
			data: `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"},` + "\n" + `"data": ` + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "}\n",
			line: 2, cause: "depth",
		},
		{
			name: "a YAML alias expansion bomb", file: "bomb.yaml", data: aliasBomb(),
			line: 6, cause: "through aliases",
		},
		{
			// A merge key reads its maps without going through the converter's bounds on
			// aliases: a map that merged itself once recursed until the stack overflowed.
			name: "a map that merges itself", file: "selfmerge.yaml",
			data: configMap("before") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: m\n  <<: *m\n---\n" + configMap("after"),
			line: 9, cause: "deeper than", loaded: []string{"before", "after"},
		},
		{
			name: "a map that merges itself twice over", file: "selfmerge2.yaml",
			data: "apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: m\n  <<: [*m, *m]\n",
			line: 4, cause: "deeper than",
		},
		{
			name: "maps that merge each other", file: "mutualmerge.yaml",
			data: "apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: m\n  labels: &l\n    <<: *m\n  <<: *l\n",
			line: 3, cause: "deeper than",
		},
		{
			name: "a symbolic link loop in place of a file", file: "loop.yaml",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "loop.yaml")
				if err := os.Symlink("loop.yaml", p); err != nil {
					t.Fatal(err)
				}
				return p
			},
			cause: "too many levels of symbolic links",
		},
		{
			name: "a dangling symbolic link", file: "dangling.yaml",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "dangling.yaml")
				if err := os.Symlink("does-not-exist.yaml", p); err != nil {
					t.Fatal(err)
				}
				return p
			},
			cause: "no such file or directory",
		},
		{
			name: "a symbolic link loop between folders", file: "sub",
			setup: func(t *testing.T, dir string) string {
				sub := filepath.Join(dir, "sub")
				if err := os.Mkdir(sub, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(sub, "inner.yaml"), []byte(configMap("inner")), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("..", filepath.Join(sub, "up")); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(sub, "up")
			},
			cause: "symbolic link loop", loaded: []string{"inner"},
		},
		{
			// A file whose reading fails half way, as root too: /proc/self/mem cannot be read at
			// offset 0 (the first page of a process is never mapped).
			name: "a file that fails while it is read", file: "mem.yaml",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "mem.yaml")
				if err := os.Symlink("/proc/self/mem", p); err != nil {
					t.Fatal(err)
				}
				return p
			},
			cause: "input/output error", followSymlinks: true,
		},
	}
}

// TestBadInput loads a folder holding one bad file and one good file, for every kind of bad
// input: the bad file yields exactly one error naming the file, the line and the cause,
// everything else is loaded, and a scan of the folder exits with 2.
func TestBadInput(t *testing.T) {
	for _, tt := range badInputs() {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "aaa-good.yaml"), []byte(goodObject), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "zzz-good.yaml"), []byte(strings.ReplaceAll(goodObject, "good", "good-last")), 0o644); err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(dir, tt.file)
			if tt.setup != nil {
				bad = tt.setup(t, dir)
			} else if err := os.WriteFile(bad, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}

			start := time.Now()
			res := manifest.Load(context.Background(), []string{dir}, manifest.Options{FollowSymlinks: tt.followSymlinks})
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("loading took %v", d)
			}
			assertOneError(t, res.Errors, bad, tt.line, tt.cause)
			want := slices.Concat([]string{"good"}, tt.loaded, []string{"good-last"})
			if got := names(res.Inventory.Objects()); !slices.Equal(got, want) {
				t.Errorf("objects %v, want %v", got, want)
			}
			if code := scanExitCode(t, dir); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
		})
	}
}

// scanExitCode runs the scan pipeline (with no rules, so that only the input counts) and
// returns the exit code it would give.
func scanExitCode(t *testing.T, paths ...string) int {
	t.Helper()
	catalog, err := rules.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Manifests(context.Background(), scan.Request{Paths: paths, Catalog: catalog})
	return res.ExitCode(finding.High)
}

// TestBadInputFromStandardInput reads bad input from "-": the error names "-".
func TestBadInputFromStandardInput(t *testing.T) {
	tests := []struct {
		name, data, cause string
		line              int
	}{
		{"empty", "", "no Kubernetes object", 0},
		// yaml.v3 names the line of the map that holds the mistake (line 5): line 4.
		{"malformed", goodObject + "  - : :\n", "malformed YAML", 4},
		{"binary", "\x00\x00", "binary file", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(tt.data)})
			assertOneError(t, res.Errors, "-", tt.line, tt.cause)
		})
	}
}

// TestUnreadablePathsNamedExplicitly names missing and impossible paths on the command line.
func TestUnreadablePathsNamedExplicitly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.yaml")
	if err := os.WriteFile(file, []byte(goodObject), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, cause string
	}{
		{"missing file", filepath.Join(dir, "missing.yaml"), "no such file or directory"},
		{"a path through a file", filepath.Join(file, "child.yaml"), "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := manifest.Load(context.Background(), []string{tt.path, file}, manifest.Options{})
			assertOneError(t, res.Errors, tt.path, 0, tt.cause)
			if res.Inventory.Len() != 1 {
				t.Errorf("%d objects, want the good file's 1", res.Inventory.Len())
			}
			if code := scanExitCode(t, tt.path, file); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
		})
	}
}

// TestAliasBombIsBounded expands a billion-laughs document: it is refused quickly, in
// bounded memory, and the documents around it are loaded.
func TestAliasBombIsBounded(t *testing.T) {
	input := configMap("before") + "---\n" + aliasBomb() + "---\n" + configMap("after")
	var res *manifest.Result
	start := time.Now()
	peak := peakHeap(func() {
		res = manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)})
	})
	elapsed := time.Since(start)
	t.Logf("refused in %v, peak heap %d MiB", elapsed, peak>>20)
	if elapsed > 10*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if peak > 256<<20 {
		t.Errorf("peak heap %d MiB, want under 256 MiB", peak>>20)
	}
	assertOneError(t, res.Errors, "-", 11, "through aliases")
	if got := names(res.Inventory.Objects()); !slices.Equal(got, []string{"before", "after"}) {
		t.Errorf("objects %v", got)
	}
}
