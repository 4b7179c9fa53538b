package cli_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/testcorpus"
)

// fixFinding is what the fix properties read of a finding.
type fixFinding struct {
	Rule   string `json:"rule"`
	Object struct {
		Kind, Namespace, Name string
	} `json:"object"`
	Container string `json:"container"`
	Location  struct {
		File string `json:"file"`
	} `json:"location"`
	Fix []struct {
		Value  any    `json:"value"`
		Remove bool   `json:"remove"`
		Rename string `json:"rename"`
	} `json:"fix"`
}

// changes reports whether the finding's remedy changes a field (not only a TODO comment).
func (f fixFinding) changes() bool {
	for _, p := range f.Fix {
		if p.Value != nil || p.Remove || p.Rename != "" {
			return true
		}
	}
	return false
}

// resolvedByNewFile reports whether fix resolves the finding with a file of new objects.
func (f fixFinding) resolvedByNewFile() bool {
	switch f.Rule {
	case "namespace/default-deny-network-policy", "namespace/resource-quota", "namespace/limit-range":
		return f.Object.Kind == "Namespace"
	}
	return false
}

func (f fixFinding) key() string {
	return strings.Join([]string{f.Rule, f.Location.File, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.Container}, " ")
}

// scanFindings scans dir: its findings, and the files that could not be read in full.
func scanFindings(t *testing.T, dir string) ([]fixFinding, map[string]bool) {
	t.Helper()
	_, out, errOut := runWithStdin(t, "", "scan", "-o", "json", "--fail-on", "none", dir)
	var rep struct {
		Findings []fixFinding `json:"findings"`
		Errors   []struct {
			Location struct{ File string } `json:"location"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON (%v); stderr: %s", err, errOut)
	}
	broken := map[string]bool{}
	for _, e := range rep.Errors {
		broken[e.Location.File] = true
	}
	return rep.Findings, broken
}

// TestFixResolvesWhatItCanAndHidesNothing fixes every fixture of the manifest rules, the
// examples and a generated corpus, and scans again:
//   - no finding whose remedy changes a field remains, but in a file fix left alone (with
//     the reason on stderr), and no namespace lacks what fix writes for it;
//   - a finding with no remedy disappears only where fix changed something it judges: its
//     file, or its namespace (new objects);
//   - every file that read before still reads, and a second fix changes nothing.
func TestFixResolvesWhatItCanAndHidesNothing(t *testing.T) {
	dir := t.TempDir()
	for i, src := range fixedFixtures {
		copyTree(t, src, filepath.Join(dir, strconv.Itoa(i)))
	}
	if _, err := testcorpus.Generate(filepath.Join(dir, "corpus"), 1000, 11); err != nil {
		t.Fatal(err)
	}
	before, brokenBefore := scanFindings(t, dir)
	files := snapshot(t, dir)
	_, _, errOut := runWithStdin(t, "", "fix", "--fail-on", "none", dir)
	leftAlone := map[string]bool{}
	for line := range strings.Lines(errOut) {
		if file, ok := strings.CutPrefix(strings.TrimSpace(line), "left alone: "); ok {
			leftAlone[file[:strings.Index(file, ": ")]] = true
		}
	}
	fixedFiles := map[string]bool{}
	newNamespaces := map[string]bool{}
	for path, data := range snapshot(t, dir) {
		if old, ok := files[path]; !ok {
			newNamespaces[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "namespace-"), ".palisade.yaml")] = true
		} else if !bytes.Equal(old, data) {
			fixedFiles[path] = true
		}
	}
	if len(fixedFiles) == 0 || len(newNamespaces) == 0 {
		t.Fatalf("fix changed %d files and wrote %d namespace files", len(fixedFiles), len(newNamespaces))
	}

	after, brokenAfter := scanFindings(t, dir)
	for file := range brokenAfter {
		if !brokenBefore[file] {
			t.Errorf("%s no longer reads: fix broke it", file)
		}
	}
	remain := map[string]bool{}
	for _, f := range after {
		remain[f.key()] = true
		if (f.changes() || f.resolvedByNewFile()) && !leftAlone[f.Location.File] {
			t.Errorf("a finding with a remedy remains: %s", f.key())
		}
	}
	hidden := map[string]int{}
	for _, f := range before {
		if f.changes() || f.resolvedByNewFile() || remain[f.key()] {
			continue
		}
		if !fixedFiles[f.Location.File] && !newNamespaces[f.Object.Namespace] && !(f.Object.Kind == "Namespace" && newNamespaces[f.Object.Name]) {
			t.Errorf("a finding with no remedy disappeared where fix changed nothing: %s", f.key())
		}
		hidden[f.Rule]++
	}
	t.Logf("%d findings before, %d after; %d files fixed, %d left alone, %d namespace files; findings with no remedy resolved by what fix changed: %v",
		len(before), len(after), len(fixedFiles), len(leftAlone), len(newNamespaces), hidden)

	fixed := snapshot(t, dir)
	if _, _, errOut = runWithStdin(t, "", "fix", "--fail-on", "none", dir); !strings.Contains(errOut, "0 files changed") || strings.Contains(errOut, "new files") {
		t.Errorf("a second fix changed something:\n%s", errOut)
	}
	again := snapshot(t, dir)
	for _, path := range slices.Sorted(maps.Keys(again)) {
		if !bytes.Equal(again[path], fixed[path]) {
			t.Errorf("a second fix changed %s", path)
		}
	}
}
