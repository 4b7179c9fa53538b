package testrules

// Node fixtures as whole node trees. A node rule's verdict depends on where a setting came
// from (etcd's config file over its flags over its environment, the kubelet's flags over its
// config file over its defaults), and a table of settings hides that source; a tree holds it
// as a node holds it. Each tree is a node's filesystem root, in the style of the node
// source's testdata/kubeadm: static pod manifests under etc/kubernetes/manifests, the
// configuration files they name, and, for processes, proc/<pid>/cmdline (arguments separated
// by NUL bytes) and proc/<pid>/environ. Beside them, at the tree's root, want.txt says which
// verdicts the node's rules must give, one a line:
//
//	# rules: etcd/client-cert-auth, etcd/peer-*
//	etcd/client-cert-auth fail critical "--client-cert-auth.* config file /etc/etcd/etcd.yaml"
//	etcd/peer-client-cert-auth pass "config file"
//	etcd/auto-tls n/a
//
// A line is a rule ID, an outcome (pass, n/a, or fail with an optional severity) and an
// optional quoted regular expression (Go string syntax) that the verdict's text must match
// (Verdict.Text: a failure's message and evidence, a pass's evidence, a not-applicable
// verdict's reason). The rules asserted are those the `# rules:` line selects, or, without
// one, those the lines name; every verdict of an asserted rule must be wanted, as many times
// as it is given, and every want given. A selector or an ID the catalog does not have fails
// the tree, as in a manifest fixture.

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
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/node"
)

// WantFile is the name of a node tree's expectations, at its root.
const WantFile = "want.txt"

// verdictWant is one expected verdict of a node tree.
type verdictWant struct {
	line     int
	rule     string
	status   finding.Status
	severity *finding.Severity // nil: any severity
	text     *regexp.Regexp    // nil: any text
}

func (w verdictWant) matches(v Verdict) bool {
	return v.Rule == w.rule && v.Status == w.status &&
		(w.severity == nil || v.Severity == *w.severity) && (w.text == nil || w.text.MatchString(v.Text()))
}

func (w verdictWant) String() string {
	s := w.rule + " " + outcomeWord(w.status)
	if w.severity != nil {
		s += " " + w.severity.String()
	}
	if w.text != nil {
		s += " " + strconv.Quote(w.text.String())
	}
	return s
}

// outcomeWord is a status as want.txt writes it.
func outcomeWord(s finding.Status) string {
	switch s {
	case finding.Pass:
		return "pass"
	case finding.NotApplicable:
		return "n/a"
	}
	return "fail"
}

// NodeTrees checks every node tree under dir (each subfolder with a want.txt, one subtest
// each) against the catalog.
func NodeTrees(t *testing.T, c *rules.Catalog, dir string, opts *rules.Options) {
	t.Helper()
	trees, err := filepath.Glob(filepath.Join(dir, "*", WantFile))
	if err != nil || len(trees) == 0 {
		t.Fatalf("no node trees in %s (%v)", dir, err)
	}
	for _, w := range trees {
		root := filepath.Dir(w)
		t.Run(filepath.Base(root), func(t *testing.T) {
			for _, p := range CheckNodeTree(c, root, opts) {
				t.Error(p)
			}
		})
	}
}

// CheckNodeTree reads the node tree at root as a node audit reads a host, runs the catalog's
// rules that its want.txt asserts, and returns what disagrees with want.txt, one sentence
// each; none when the tree holds.
func CheckNodeTree(c *rules.Catalog, root string, opts *rules.Options) []string {
	file := filepath.Join(root, WantFile)
	wants, selectors, err := readVerdictWants(file)
	if err != nil {
		return []string{err.Error()}
	}
	problems := checkSelectors(c, file, selectors)
	if len(selectors) == 0 && len(wants) == 0 {
		return []string{file + ": asserts no rule: write a `# rules:` line or a verdict"}
	}
	if len(selectors) == 0 {
		for _, w := range wants {
			selectors = append(selectors, w.rule)
		}
	}
	selected := func(r *rules.Rule) bool {
		return slices.ContainsFunc(selectors, func(s string) bool { return rules.MatchID(s, r.ID) })
	}
	for _, w := range wants {
		if p := checkWanted(c, file, w.line, w.rule, w.String(), selected); p != "" {
			problems = append(problems, p)
		}
	}
	n, errs := readTree(root)
	problems = append(problems, errs...)
	if opts == nil {
		opts = &rules.Options{}
	}
	e := c.NewEvaluation(opts, selected)
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{n}
	fails := e.Finish(inv)
	for _, p := range e.Panics() {
		problems = append(problems, p.ScanError().Error())
	}
	return append(problems, compareVerdicts(file, wants, verdicts(append(fails, e.Passed...)))...)
}

// readTree reads the node at root, its processes from root/proc (none when it has no proc),
// and names what could not be read.
func readTree(root string) (*inventory.Node, []string) {
	proc := filepath.Join(root, "proc")
	if _, err := os.Stat(proc); err != nil {
		// A tree without processes: a /proc that lists none.
		empty, err := os.MkdirTemp("", "palisade-no-proc-")
		if err != nil {
			return &inventory.Node{}, []string{fmt.Sprintf("making an empty /proc: %v", err)}
		}
		defer os.RemoveAll(empty)
		proc = empty
	}
	res := node.Scan(context.Background(), node.Options{Root: root, Proc: proc, Host: filepath.Base(root)})
	var problems []string
	for _, e := range res.Errors {
		problems = append(problems, fmt.Sprintf("%s: reading the node: %v", root, e))
	}
	return res.Node, problems
}

// compareVerdicts pairs each verdict with a want that matches it, patterned wants first, so
// that a want of any text does not take the one verdict a pattern matches. What is left on
// either side is a problem, in want.txt's order, then the unwanted verdicts in rule order.
func compareVerdicts(file string, wants []verdictWant, got []Verdict) []string {
	order := slices.Clone(wants)
	slices.SortStableFunc(order, func(a, b verdictWant) int {
		return boolInt(a.text == nil) - boolInt(b.text == nil)
	})
	var missing []verdictWant
	for _, w := range order {
		i := slices.IndexFunc(got, w.matches)
		if i < 0 {
			missing = append(missing, w)
			continue
		}
		got = slices.Delete(slices.Clone(got), i, i+1)
	}
	slices.SortFunc(missing, func(a, b verdictWant) int { return a.line - b.line })
	var problems []string
	for _, w := range missing {
		problems = append(problems, fmt.Sprintf("%s:%d: want %s, got no such verdict%s", file, w.line, w, verdictsOf(w.rule, got)))
	}
	slices.SortStableFunc(got, func(a, b Verdict) int { return strings.Compare(a.Rule, b.Rule) })
	for _, v := range got {
		problems = append(problems, fmt.Sprintf("%s: unexpected %s %s: %s", file, v.Rule, outcomeWord(v.Status)+severityWord(v), v.Text()))
	}
	return problems
}

func severityWord(v Verdict) string {
	if v.Status != finding.Fail {
		return ""
	}
	return " " + v.Severity.String()
}

// verdictsOf lists the verdicts of rule left unpaired: what a want that matched none of them
// missed.
func verdictsOf(rule string, vs []Verdict) string {
	var out []string
	for _, v := range vs {
		if v.Rule == rule {
			out = append(out, outcomeWord(v.Status)+severityWord(v)+" "+strconv.Quote(v.Text()))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " (its verdicts left: " + strings.Join(out, ", ") + ")"
}

// readVerdictWants reads want.txt: its `# rules:` selectors and its verdict lines.
func readVerdictWants(file string) ([]verdictWant, []string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var (
		wants     []verdictWant
		selectors []string
		errs      []error
	)
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if ss, ok := selectorsOf(text); ok {
			selectors = append(selectors, ss...)
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		w, err := parseVerdictWant(line, text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", file, line, err))
			continue
		}
		wants = append(wants, w)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return wants, selectors, errors.Join(errs...)
}

// parseVerdictWant reads one line of want.txt: `<rule> pass|n/a|fail [severity] ["pattern"]`.
func parseVerdictWant(line int, s string) (verdictWant, error) {
	w := verdictWant{line: line}
	var pattern string
	if i := strings.Index(s, `"`); i >= 0 {
		q, err := strconv.QuotedPrefix(s[i:])
		if err != nil || strings.TrimSpace(s[i+len(q):]) != "" {
			return w, fmt.Errorf("the text pattern is not one closed Go string at the end of the line")
		}
		pattern, _ = strconv.Unquote(q) // QuotedPrefix accepted it
		s = s[:i]
		if w.text, err = regexp.Compile(pattern); err != nil {
			return w, err
		}
	}
	fields := strings.Fields(s)
	if len(fields) < 2 || len(fields) > 3 {
		return w, fmt.Errorf("want a rule ID, an outcome (pass, n/a, fail) and, for a failure, a severity; got %d words", len(fields))
	}
	w.rule = fields[0]
	switch fields[1] {
	case "pass":
		w.status = finding.Pass
	case "n/a":
		w.status = finding.NotApplicable
	case "fail":
		w.status = finding.Fail
	default:
		return w, fmt.Errorf("%s: unknown outcome of %d bytes (want pass, n/a or fail)", w.rule, len(fields[1]))
	}
	if len(fields) == 3 {
		if w.status != finding.Fail {
			return w, fmt.Errorf("%s: only a failure has a severity", w.rule)
		}
		sev, err := finding.ParseSeverity(fields[2])
		if err != nil {
			return w, fmt.Errorf("%s: %w", w.rule, err)
		}
		w.severity = &sev
	}
	return w, nil
}

// verdicts are findings as Verdicts.
func verdicts(fs []finding.Finding) []Verdict {
	out := make([]Verdict, len(fs))
	for i, f := range fs {
		out[i] = Verdict{Rule: f.RuleID, Status: f.Status, Severity: f.Severity, Message: f.Message,
			Path: f.Path, Evidence: f.Evidence, Kind: f.Object.Kind, Name: f.Object.Name,
			File: f.Location.File, Finding: f}
	}
	return out
}
