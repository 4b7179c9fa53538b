package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/testfiles"
)

const netpolDiffDir = "testdata/netpol/diff/"

// diffCase is one run of netpol diff and what it must answer.
type diffCase struct {
	name     string
	args     []string
	wantCode int
	want     string // the whole stdout
	wantErr  string // part of stderr
}

func (tt diffCase) check(t *testing.T) {
	t.Helper()
	code, out, errOut := runWithStdin(t, "", append([]string{"netpol", "diff"}, tt.args...)...)
	if code != tt.wantCode {
		t.Fatalf("exit code %d, want %d; stderr: %s\n%s", code, tt.wantCode, errOut, out)
	}
	if out != tt.want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, tt.want)
	}
	if !strings.Contains(errOut, tt.wantErr) {
		t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
	}
}

func TestNetpolDiffListsWhatAChangeOpensAndCloses(t *testing.T) {
	tests := []diffCase{
		{"opening a port lists it with a +",
			[]string{netpolManifests, netpolDiffDir + "port-opened.yaml"}, 0,
			"+ ops/Pod/debug => shop/Deployment/web : TCP 9090\n" +
				"+ 0.0.0.0-255.255.255.255 => shop/Deployment/web : TCP 9090\n", "opens 2, closes 0"},
		{"closing a port lists it with a -",
			[]string{netpolDiffDir + "port-opened.yaml", netpolManifests}, 0,
			"- ops/Pod/debug => shop/Deployment/web : TCP 9090\n" +
				"- 0.0.0.0-255.255.255.255 => shop/Deployment/web : TCP 9090\n", "opens 0, closes 2"},
		{"a widened port range opens only the difference",
			[]string{netpolManifests, netpolDiffDir + "range-widened.yaml"}, 0,
			"+ shop/Deployment/web => 0.0.0.0-9.255.255.255 : TCP 444-450\n" +
				"+ shop/Deployment/web => 11.0.0.0-255.255.255.255 : TCP 444-450\n", ""},
		{"a new workload is listed with its connections, none of them as opened",
			[]string{netpolManifests, netpolDiffDir + "workload-added.yaml"}, 0,
			"new shop/Deployment/web-canary (testdata/netpol/diff/workload-added.yaml:110:1)\n" +
				"  ops/Pod/debug => shop/Deployment/web-canary : TCP 8080\n" +
				"  shop/Deployment/web-canary => shop/StatefulSet/db : TCP 5432\n" +
				"  shop/Deployment/web-canary => 0.0.0.0-9.255.255.255 : TCP 443; UDP 53\n" +
				"  shop/Deployment/web-canary => 11.0.0.0-255.255.255.255 : TCP 443; UDP 53\n" +
				"  0.0.0.0-255.255.255.255 => shop/Deployment/web-canary : TCP 8080\n", "1 new workload(s)"},
		{"a removed workload is named, its connections not listed as closed",
			[]string{netpolDiffDir + "workload-added.yaml", netpolManifests}, 0,
			"removed shop/Deployment/web-canary (testdata/netpol/diff/workload-added.yaml:110:1)\n", "opens 0, closes 0"},
		{"a removed default-deny policy opens everything its egress held back",
			[]string{netpolManifests, netpolDiffDir + "deny-removed.yaml"}, 0,
			"+ shop/StatefulSet/db => ops/Pod/debug : All Connections\n" +
				"+ shop/StatefulSet/db => shop/Deployment/web : TCP 8080\n" +
				"+ shop/StatefulSet/db => 0.0.0.0-255.255.255.255 : All Connections\n", ""},
		{"the same input on both sides changes nothing",
			[]string{netpolManifests, netpolManifests, "--fail-on-open"}, 0, "", "opens 0, closes 0 connection(s); 0 new workload(s), 0 removed"},
		{"--fail-on-open exits 1 when a connection opens",
			[]string{netpolManifests, netpolDiffDir + "port-opened.yaml", "--fail-on-open"}, 1,
			"+ ops/Pod/debug => shop/Deployment/web : TCP 9090\n" +
				"+ 0.0.0.0-255.255.255.255 => shop/Deployment/web : TCP 9090\n", ""},
		{"--fail-on-open exits 0 when connections only close",
			[]string{netpolDiffDir + "port-opened.yaml", netpolManifests, "--fail-on-open"}, 0,
			"- ops/Pod/debug => shop/Deployment/web : TCP 9090\n" +
				"- 0.0.0.0-255.255.255.255 => shop/Deployment/web : TCP 9090\n", ""},
		{"--fail-on-open exits 0 for a new workload alone",
			[]string{netpolManifests, netpolDiffDir + "workload-added.yaml", "--fail-on-open", "--port", "5432"}, 0,
			"new shop/Deployment/web-canary (testdata/netpol/diff/workload-added.yaml:110:1)\n" +
				"  shop/Deployment/web-canary => shop/StatefulSet/db : TCP 5432\n", ""},
		{"--from keeps the opened connections of the sources it matches",
			[]string{netpolManifests, netpolDiffDir + "port-opened.yaml", "--from", "ops/*/*", "--fail-on-open"}, 1,
			"+ ops/Pod/debug => shop/Deployment/web : TCP 9090\n", ""},
		{"--port that nothing opens exits 0 with --fail-on-open",
			[]string{netpolManifests, netpolDiffDir + "port-opened.yaml", "--port", "8080", "--fail-on-open"}, 0, "", ""},
		{"a document that cannot be read is an error even when nothing opens",
			[]string{"testdata/netpol/broken", "testdata/netpol/broken", "--fail-on-open"}, 2, "", "incomplete, 2 error(s) reading the input\nerror: testdata/netpol/broken/bad.yaml:"},
		{"an argument that is neither a path nor a revision is an error",
			[]string{"testdata/netpol/nowhere", netpolManifests}, 2, "", "OLD is not an existing path, nor a revision"},
		{"both sides on stdin is an error",
			[]string{"-", "-"}, 2, "", "cannot both be stdin"},
		{"an output diff cannot write is an error",
			[]string{netpolManifests, netpolManifests, "-o", "dot"}, 2, "", "want one of text, json, md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t) })
	}
}

// gitRepo makes a repository in a temporary folder, with git isolated from the user's
// configuration, and returns it with a function that runs git there.
func gitRepo(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q", "-b", "main")
	return dir, run
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNetpolDiffReadsGitRevisions(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	base, opened, broken := abs(netpolManifests), abs(netpolDiffDir+"port-opened.yaml"), abs("testdata/netpol/broken/bad.yaml")
	dir, git := gitRepo(t)
	copyFile(t, base, filepath.Join(dir, "deploy", "shop.yaml"))
	git("add", ".")
	git("commit", "-qm", "first")
	copyFile(t, opened, filepath.Join(dir, "deploy", "shop.yaml"))
	git("commit", "-qam", "second")
	copyFile(t, broken, filepath.Join(dir, "deploy", "bad.yaml"))
	git("add", ".")
	git("commit", "-qm", "third")
	git("branch", "deploy", "HEAD~2") // a branch named as the folder is
	git("checkout", "-q", "HEAD~1")
	t.Chdir(dir)

	opens := "+ ops/Pod/debug => shop/Deployment/web : TCP 9090\n" +
		"+ 0.0.0.0-255.255.255.255 => shop/Deployment/web : TCP 9090\n"
	tests := []diffCase{
		{"two revisions of the current folder", []string{"HEAD~1", "HEAD", "--fail-on-open"}, 1, opens, ""},
		{"a revision's folder against the folder on disk", []string{"HEAD~1:deploy", "deploy"}, 0, opens, ""},
		{"an existing path wins over the revision of the same name", []string{"deploy", "deploy:."}, 0,
			strings.ReplaceAll(opens, "+ ", "- "), ""},
		{"a revision's origins name it", []string{"HEAD~1:deploy", "main:deploy"}, 2, opens, "error: main:deploy/bad.yaml:"},
		{"an unknown revision is an error", []string{"nope", "HEAD"}, 2, "", "OLD is not an existing path, nor a revision: a revision of 4 bytes that the repository does not know"},
		{"a path the revision does not hold is an error", []string{"HEAD", "HEAD~1:elsewhere"}, 2, "", "NEW is not an existing path, nor a revision: the revision holds no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t) })
	}
}

func TestNetpolDiffOutsideARepositoryIsAnError(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	t.Chdir(dir)
	code, _, errOut := runWithStdin(t, "", "netpol", "diff", "HEAD~1", "HEAD")
	if code != 2 || !strings.Contains(errOut, "not in a git repository") {
		t.Fatalf("exit code %d, stderr %q; want 2 and not in a git repository", code, errOut)
	}
}

func TestNetpolDiffJSON(t *testing.T) {
	code, out, errOut := runWithStdin(t, "", "netpol", "diff", netpolManifests, netpolDiffDir+"workload-added.yaml", "-o", "json", "--to", "shop/StatefulSet/*")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	var got struct {
		Opened, Closed []any
		Added          []struct {
			Workload, Where string
			Connections     []struct {
				Src, Dst, Conns string
				Ports           map[string][][2]int32
			}
		}
		Removed          []any
		Warnings, Errors []string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Opened == nil || got.Closed == nil || got.Removed == nil || got.Warnings == nil || got.Errors == nil {
		t.Errorf("an empty list is not [] in %s", out)
	}
	if len(got.Added) != 1 || got.Added[0].Workload != "shop/Deployment/web-canary" || len(got.Added[0].Connections) != 1 ||
		got.Added[0].Connections[0].Ports["TCP"][0] != [2]int32{5432, 5432} {
		t.Errorf("added %+v", got.Added)
	}
}

// TestNetpolFormatsGolden pins every format of the summary and of diff on the shop
// example; go test ./internal/cli -run '^TestNetpolFormatsGolden$' -update rewrites them.
func TestNetpolFormatsGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"connections.csv", []string{"netpol", "-f", netpolManifests, "-o", "csv"}},
		{"connections.md", []string{"netpol", "-f", netpolManifests, "-o", "md"}},
		{"connections.dot", []string{"netpol", "-f", netpolManifests, "-o", "dot"}},
		{"diff.txt", []string{"netpol", "diff", netpolDiffDir + "workload-added.yaml", netpolDiffDir + "port-opened.yaml"}},
		{"diff.json", []string{"netpol", "diff", netpolDiffDir + "workload-added.yaml", netpolDiffDir + "port-opened.yaml", "-o", "json"}},
		{"diff.md", []string{"netpol", "diff", netpolDiffDir + "port-opened.yaml", netpolDiffDir + "workload-added.yaml", "-o", "md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runWithStdin(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit code %d: %s", code, errOut)
			}
			testfiles.Golden(t, filepath.Join("testdata", "netpol", "golden", tt.name), []byte(out))
		})
	}
}
