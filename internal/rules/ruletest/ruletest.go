// Package ruletest runs rules over fixture manifests whose expected findings are written beside
// the offending lines, as comments: `# want: pod/run-as-non-root` (several IDs separated by
// commas). A fixture is its own assertion: every finding must be wanted on its line, and every
// want must be found there. A fixture may restrict the rules it asserts with a comment line
// `# rules: pod/run-as-non-root, pod/privileged` (prefixes ending in `*` allowed); without it,
// every rule of the catalog is asserted.
package ruletest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/source/manifest"
)

var (
	wantRe  = regexp.MustCompile(`#\s*want:\s*(.+?)\s*$`)
	rulesRe = regexp.MustCompile(`^\s*#\s*rules:\s*(.+?)\s*$`)
)

type key struct {
	line int
	rule string
}

// Run checks every .yaml file under dir (one subtest each) against the catalog.
func Run(t *testing.T, c *rules.Catalog, dir string, opts *rules.Options) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s (%v)", dir, err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			RunFile(t, c, f, opts)
		})
	}
}

// RunFile checks one fixture file.
func RunFile(t *testing.T, c *rules.Catalog, file string, opts *rules.Options) {
	t.Helper()
	want, selectors := readWants(t, file)
	if opts == nil {
		opts = &rules.Options{PSSVersion: "latest", FromManifests: true}
	}
	res := manifest.Load(context.Background(), []string{file}, manifest.Options{})
	for _, e := range res.Errors {
		t.Errorf("load error: %v", e)
	}
	selected := func(r *rules.Rule) bool {
		if len(selectors) == 0 {
			return true
		}
		return slices.ContainsFunc(selectors, func(s string) bool { return rules.MatchID(s, r.ID) })
	}
	// The objects one by one, then the cross-object checks, as a scan runs them; what a rule
	// could not judge fails the fixture, which would otherwise pass on nothing.
	e := c.NewEvaluation(opts, selected)
	for _, o := range res.Inventory.Objects() {
		e.Object(o)
	}
	found := e.Finish(res.Inventory)
	for _, se := range e.Errors() {
		t.Errorf("%v", se)
	}
	got := map[key][]finding.Finding{}
	for _, f := range found {
		k := key{f.Location.Line, f.RuleID}
		got[k] = append(got[k], f)
	}
	for k, n := range want {
		if len(got[k]) == 0 {
			t.Errorf("%s:%d: want %s, got no such finding", file, k.line, k.rule)
			continue
		}
		_ = n
	}
	var unexpected []string
	for k, fs := range got {
		if want[k] == 0 {
			for _, f := range fs {
				unexpected = append(unexpected, fmt.Sprintf("%s:%d: unexpected %s (%s: %s)", file, k.line, k.rule, f.Path, f.Message))
			}
		}
	}
	slices.Sort(unexpected)
	for _, u := range unexpected {
		t.Error(u)
	}
}

func readWants(t *testing.T, file string) (map[key]int, []string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[key]int{}
	var selectors []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if m := rulesRe.FindStringSubmatch(text); m != nil {
			for _, id := range strings.Split(m[1], ",") {
				selectors = append(selectors, strings.TrimSpace(id))
			}
			continue
		}
		if m := wantRe.FindStringSubmatch(text); m != nil {
			for _, id := range strings.Split(m[1], ",") {
				want[key{line, strings.TrimSpace(id)}]++
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return want, selectors
}

// Builtin returns Palisade's built-in catalog, the one fixtures run against, so that a
// fixture's `# rules:` line is checked against the rule IDs Palisade ships.
func Builtin(t testing.TB) *rules.Catalog {
	t.Helper()
	c, err := builtin.Catalog()
	if err != nil {
		t.Fatalf("building the built-in catalog: %v", err)
	}
	return c
}
