// Package testrules runs rules over fixture manifests whose expected findings are written beside
// the offending lines, as comments, the way go/analysis's analysistest reads its test files:
//
//	privileged: true # want: pod/privileged
//	image: app:latest # want: pod/image-tag, pod/image-digest
//	hostPID: true # want: pod/host-namespaces "hostPID", pod/host-namespaces "hostIPC"
//
// A fixture is its own assertion: every finding must be wanted on its line, and every want
// found there, as many times as it is written (`# want: X, X` wants two findings of X). A want
// may carry a quoted regular expression (Go string syntax) that the finding's message must
// match. A fixture may restrict the rules it asserts with a comment line
// `# rules: pod/run-as-non-root, pod/privileged` (prefixes ending in `*` allowed); every
// selector must select a rule of the catalog, and every want must name a selected rule, so
// that a misspelt ID fails the fixture instead of selecting nothing. Without a `# rules:`
// line, every rule of the catalog is asserted.
//
// Rules that judge what a live audit reads (a node, an endpoint, the cluster) have no
// manifests to annotate: Node, Endpoints and Cluster run them over the inventory's own types
// and return one Verdict per rule and thing judged, passes and not-applicable verdicts
// included, for a table to compare. Where a table would hide where a node's setting came from
// (a flag, an environment variable, a configuration file, a default), NodeTrees reads whole
// node trees instead, each with its expected verdicts written beside it in want.txt.
package testrules

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// want is one expected finding: a rule on a line, with the pattern its message must match
// (nil: any message).
type want struct {
	line    int
	rule    string
	message *regexp.Regexp
}

func (w want) String() string {
	if w.message == nil {
		return w.rule
	}
	return w.rule + " " + strconv.Quote(w.message.String())
}

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
	for _, p := range Check(c, file, opts) {
		t.Error(p)
	}
}

// Check runs the catalog over one fixture file and returns what disagrees with the fixture's
// comments, one sentence each, in line order; none when the fixture holds.
func Check(c *rules.Catalog, file string, opts *rules.Options) []string {
	wants, selectors, err := readWants(file)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	selected := func(r *rules.Rule) bool {
		return len(selectors) == 0 || slices.ContainsFunc(selectors, func(s string) bool { return rules.MatchID(s, r.ID) })
	}
	problems = append(problems, checkSelectors(c, file, selectors)...)
	for _, w := range wants {
		if p := checkWanted(c, file, w.line, w.rule, w.String(), selected); p != "" {
			problems = append(problems, p)
		}
	}

	res := manifest.Load(context.Background(), []string{file}, manifest.Options{})
	for _, e := range res.Errors {
		problems = append(problems, fmt.Sprintf("load error: %v", e))
	}
	found, failures := evaluate(c, res.Inventory, opts, selected)
	problems = append(problems, failures...)
	return append(problems, compare(file, wants, found)...)
}

// checkWanted says what is wrong with a want of rule, written as shown on the file's line: a
// rule the catalog does not have, or one the `# rules:` line does not select; "" when neither.
func checkWanted(c *rules.Catalog, file string, line int, rule, shown string, selected func(*rules.Rule) bool) string {
	r, ok := c.Lookup(rule)
	switch {
	case !ok:
		return fmt.Sprintf("%s:%d: want %s: %v", file, line, shown, unknown(c, rule))
	case !selected(r):
		return fmt.Sprintf("%s:%d: want %s, a rule the `# rules:` line does not select", file, line, rule)
	}
	return ""
}

// selectorsOf returns the selectors of a `# rules:` line, or false when text is not one.
func selectorsOf(text string) ([]string, bool) {
	m := rulesRe.FindStringSubmatch(text)
	if m == nil {
		return nil, false
	}
	var out []string
	for _, id := range strings.Split(m[1], ",") {
		out = append(out, strings.TrimSpace(id))
	}
	return out, true
}

// checkSelectors names every selector of the `# rules:` line that selects no rule.
func checkSelectors(c *rules.Catalog, file string, selectors []string) []string {
	var problems []string
	for _, s := range selectors {
		if !selects(c, s) {
			problems = append(problems, fmt.Sprintf("%s: `# rules:` %v", file, unknown(c, s)))
		}
	}
	return problems
}

// selects says whether the selector (a rule ID, or a prefix ending in `*`) selects a rule of
// the catalog.
func selects(c *rules.Catalog, selector string) bool {
	return slices.ContainsFunc(c.All(), func(r *rules.Rule) bool { return rules.MatchID(selector, r.ID) })
}

// unknown says that id names no rule of the catalog, with the closest ID when there is one.
func unknown(c *rules.Catalog, id string) error {
	if err := c.CheckIDs("rule", []string{id}); err != nil {
		return err
	}
	return fmt.Errorf("%q selects no rule", id)
}

// compare pairs the findings of each line and rule with the wants written there: a want with
// a message pattern takes a finding whose message matches it, then a want without one takes
// any finding left. What is left on either side is a problem.
func compare(file string, wants []want, found []finding.Finding) []string {
	got := map[key][]finding.Finding{}
	for _, f := range found {
		k := key{f.Location.Line, f.RuleID}
		got[k] = append(got[k], f)
	}
	type problem struct {
		line int
		text string
	}
	var problems []problem
	byKey := map[key][]want{}
	for _, w := range wants {
		k := key{w.line, w.rule}
		byKey[k] = append(byKey[k], w)
	}
	for k, ws := range byKey {
		left := got[k]
		// Patterned wants first, so that a want of any message does not take the one finding
		// a pattern matches.
		slices.SortStableFunc(ws, func(a, b want) int {
			return boolInt(a.message == nil) - boolInt(b.message == nil)
		})
		for _, w := range ws {
			i := slices.IndexFunc(left, func(f finding.Finding) bool { return w.message == nil || w.message.MatchString(f.Message) })
			if i < 0 {
				problems = append(problems, problem{k.line, fmt.Sprintf("%s:%d: want %s, got no such finding%s", file, k.line, w, others(len(ws), got[k]))})
				continue
			}
			left = slices.Delete(slices.Clone(left), i, i+1)
		}
		got[k] = left
	}
	for k, fs := range got {
		for _, f := range fs {
			problems = append(problems, problem{k.line, fmt.Sprintf("%s:%d: unexpected %s (%s: %s)", file, k.line, k.rule, f.Path, f.Message)})
		}
	}
	slices.SortFunc(problems, func(a, b problem) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return strings.Compare(a.text, b.text)
	})
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = p.text
	}
	return out
}

// others says how many findings of the rule a line wants and has, when it has some, and
// their messages: what a want that matched none of them missed.
func others(wanted int, fs []finding.Finding) string {
	if len(fs) == 0 {
		return ""
	}
	msgs := make([]string, len(fs))
	for i, f := range fs {
		msgs[i] = strconv.Quote(f.Message)
	}
	return fmt.Sprintf(" (%d wanted on the line, %d found: %s)", wanted, len(fs), strings.Join(msgs, ", "))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readWants reads the `# want:` comments and the `# rules:` selectors of a fixture.
func readWants(file string) ([]want, []string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var wants []want
	var selectors []string
	var errs []error
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if ss, ok := selectorsOf(text); ok {
			selectors = append(selectors, ss...)
			continue
		}
		if m := wantRe.FindStringSubmatch(text); m != nil {
			ws, err := parseWants(line, m[1])
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %w", file, line, err))
			}
			wants = append(wants, ws...)
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return wants, selectors, errors.Join(errs...)
}

// parseWants reads the list of a `# want:` comment: rule IDs separated by commas, each
// optionally followed by a quoted regular expression for the message.
func parseWants(line int, s string) ([]want, error) {
	var wants []want
	for {
		s = strings.TrimLeft(s, " \t")
		end := strings.IndexAny(s, " \t,\"")
		if end < 0 {
			end = len(s)
		}
		w := want{line: line, rule: s[:end]}
		if w.rule == "" {
			return wants, fmt.Errorf("`# want:` lists an empty rule ID")
		}
		s = strings.TrimLeft(s[end:], " \t")
		if strings.HasPrefix(s, `"`) {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return wants, fmt.Errorf("`# want: %s`: the message pattern is not a closed Go string", w.rule)
			}
			pattern, _ := strconv.Unquote(q) // QuotedPrefix accepted it
			if w.message, err = regexp.Compile(pattern); err != nil {
				return wants, fmt.Errorf("`# want: %s`: %w", w.rule, err)
			}
			s = strings.TrimLeft(s[len(q):], " \t")
		}
		wants = append(wants, w)
		switch {
		case s == "":
			return wants, nil
		case s[0] != ',':
			return wants, fmt.Errorf("`# want: %s`: expected a comma after it, got %d more bytes", w.rule, len(s))
		}
		s = s[1:]
	}
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
