package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/fix"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
)

func newFixCommand(s Streams) *cobra.Command {
	var (
		rf        ruleFlags
		ex        expanderFlags
		namespace string
		dryRun    bool
		failOn    string
		print     printFlags
	)
	cmd := &cobra.Command{
		Use:   "fix PATH...",
		Short: "Apply the remedies of scan's findings to manifests, changing only the lines they fix",
		Long: `Fix scans the paths as scan does and applies the remedy every finding carries as data
(set or remove a field), in place. Only the lines a remedy changes differ: comments, key
order, quoting, flow style, anchors, document separators, CRLF line endings and a missing
final newline stay as they were. A file whose fix would need a change Palisade cannot make
safely (through an alias or a merge key, in a multi-line scalar) is left alone, with the
reason. An object a kustomization builds is fixed in the file that holds the field: the
base's resource file, or the strategic-merge patch that sets it; where that cannot be told (a
JSON 6902 or inline patch, a transformer) fix says what to change and where. Objects rendered
from a Helm chart are never edited: fix names the values.yaml line or the template line to
change. Values only you know (resource limits, image digests) are never invented; a
TODO(palisade) comment says what to set.

A namespace that lacks a default-deny NetworkPolicy, a ResourceQuota or a LimitRange gets
them in a new file beside its manifests, namespace-NAME.palisade.yaml, with starting values
its comments explain; a Namespace in the input without a Pod Security Admission enforce
label gets the labels (enforce, warn and audit restricted).

Control-plane remedies are files to install on the nodes, not edits: --print
encryption-config writes an EncryptionConfiguration with a fresh random key (mode 600 with
=FILE), --print audit-policy an audit Policy; each says which kube-apiserver flags read it.

Exit status: 0 when no finding at or above --fail-on remains, 1 when some do, 2 on errors.`,
		Example: `  palisade fix deploy/ --dry-run
  palisade fix --print encryption-config=/etc/kubernetes/enc/enc.yaml
  palisade fix --print audit-policy > /etc/kubernetes/audit/policy.yaml
  palisade fix deploy/web.yaml --rule pod/run-as-non-root
  kubectl get deploy web -o yaml | palisade fix - > web.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if print.what != "" && len(args) > 0 {
				return fmt.Errorf("--print writes a text and takes no PATH (%d given)\nSee '%s --help'.", len(args), cmd.CommandPath())
			}
			if print.what != "" {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if print.what != "" {
				return print.run(s)
			}
			if print.provider != "" {
				return fmt.Errorf("--provider applies to --print encryption-config\nSee '%s --help'.", cmd.CommandPath())
			}
			out := outputFlags{failOn: failOn}
			r, expanders, err := prepareManifests(cmd, &out, &rf, &ex, namespace, args)
			if err != nil {
				return err
			}
			var stdin []byte
			if countStdin(args) == 1 {
				if stdin, err = io.ReadAll(s.In); err != nil {
					return fmt.Errorf("reading standard input: %w", err)
				}
			}
			rendered := &renderedFiles{}
			res := scan.Manifests(cmd.Context(), scan.Request{
				Paths:    args,
				Load:     manifest.Options{Namespace: namespace, Stdin: bytes.NewReader(stdin), Expanders: rendered.wrap(expanders)},
				Catalog:  r.catalog,
				Rules:    r.options(&rf),
				Policy:   r.policy,
				Selected: r.selected,
			})
			defer res.Close()
			// fix holds its findings: it plans and holds an edit for each of them anyway.
			active, err := finding.Collect(res.ActiveFindings())
			if err != nil {
				return fmt.Errorf("reading the findings back: %w", err)
			}
			findings, inSource := rendered.retarget(active)
			plan := fix.NewPlan(findings, func(f *finding.Finding) bool {
				if editable, ok := inSource[f]; ok {
					return !editable
				}
				return rendered.holds(f)
			})
			sum := applyPlan(cmd.Context(), s, plan, stdin, dryRun)
			writeNewFiles(s, plan, sum, dryRun)
			sum.errors = res.Errors
			sum.print(s.Err, plan, dryRun)
			return sum.exit(r.failOn, findings)
		},
	}
	rf.register(cmd)
	ex.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&dryRun, "dry-run", false, "print what would change as a unified diff and change nothing")
	f.StringVar(&failOn, "fail-on", "high", "exit with 1 when a finding at or above this severity remains after the fix: critical, high, medium, low, info, or none")
	f.StringVarP(&namespace, "namespace", "n", "default", "namespace of objects that name none, and the Helm release namespace")
	f.StringVar(&print.what, "print", "", "write a control-plane remedy instead of fixing files: encryption-config (a new key each time) or audit-policy; TEXT=FILE creates FILE, never overwriting one")
	f.StringVar(&print.provider, "provider", "", "the encryption provider of --print encryption-config: secretbox (the default) or aescbc")
	return cmd
}

// renderedFiles records the files that an Expander's documents name: their objects are a
// rendering (a chart's, a kustomization's) and never edited in place. For a kustomization
// it also keeps each built object, from which fix.Kustomizations tells the file that holds a
// field (a base resource, a patch).
type renderedFiles struct {
	mu    sync.Mutex
	files map[string]bool
	built map[builtDoc][]builtObject
}

// builtDoc is a document of a kustomization's build as the loader numbers it.
type builtDoc struct {
	file  string
	index int
}

// builtObject is an object a kustomization built: the kustomization's folder and the object.
type builtObject struct {
	dir  string
	data []byte
}

// retarget turns the findings about objects a kustomization built into findings about the
// file that holds their fields: inSource is true for those fix.Kustomizations places there, false
// for those left as advice (at the patch to change, when one is to blame).
func (r *renderedFiles) retarget(findings []finding.Finding) (out []finding.Finding, inSource map[*finding.Finding]bool) {
	if len(r.built) == 0 {
		return findings, nil
	}
	out = slices.Clone(findings)
	moved := make([]int, len(out)) // 1 placed in its source, 2 advice
	var sources fix.Kustomizations
	for i := range out {
		f := &out[i]
		if f.Location.Template != "" || len(finding.Changes(f.Fix)) == 0 {
			continue
		}
		for _, b := range r.built[builtDoc{f.Location.File, f.Location.Document}] {
			if !builtIs(b.data, f.Object) {
				continue
			}
			var placed bool
			*f, placed = sources.Place(b.dir, b.data, *f)
			moved[i] = 2
			if placed {
				moved[i] = 1
			}
			break
		}
	}
	inSource = map[*finding.Finding]bool{}
	for i := range out {
		if moved[i] > 0 {
			inSource[&out[i]] = moved[i] == 1
		}
	}
	return out, inSource
}

// builtIs reports whether a built object is the finding's object.
func builtIs(data []byte, obj finding.ObjectRef) bool {
	var o struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
	}
	if yaml.Unmarshal(data, &o) != nil {
		return false
	}
	return o.Kind == obj.Kind && o.Metadata.Name == obj.Name && (o.Metadata.Namespace == "" || o.Metadata.Namespace == obj.Namespace)
}

func (r *renderedFiles) wrap(es []manifest.Expander) []manifest.Expander {
	out := make([]manifest.Expander, len(es))
	for i, e := range es {
		out[i] = recordingExpander{Expander: e, seen: r}
	}
	return out
}

func (r *renderedFiles) holds(f *finding.Finding) bool {
	if f.Location.Template != "" {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.files[f.Location.File]
}

// recordingExpander is an Expander that records the files its documents name.
type recordingExpander struct {
	manifest.Expander
	seen *renderedFiles
}

func (e recordingExpander) Expand(ctx context.Context, dir string) ([]manifest.Document, error) {
	docs, err := e.Expander.Expand(ctx, dir)
	e.seen.mu.Lock()
	defer e.seen.mu.Unlock()
	if e.seen.files == nil {
		e.seen.files = map[string]bool{}
	}
	e.seen.files[dir] = true
	for i, d := range docs {
		e.seen.files[d.File] = true
		if e.Name() == "kustomize" && d.Template == "" {
			if e.seen.built == nil {
				e.seen.built = map[builtDoc][]builtObject{}
			}
			k := builtDoc{d.File, i + 1}
			e.seen.built[k] = append(e.seen.built[k], builtObject{dir, d.Data})
		}
	}
	return docs, err
}

// MatchFile keeps what the Expander renders of single files (a packaged chart).
func (e recordingExpander) MatchFile(path string) bool {
	m, ok := e.Expander.(interface{ MatchFile(string) bool })
	return ok && m.MatchFile(path)
}

// fixSummary is what a fix did, for the summary on stderr and the exit code.
type fixSummary struct {
	changed   []string // files changed (or that would change)
	patches   int
	leftAlone []leftAlone
	resolved  map[*finding.Finding]bool
	fixed     []finding.Finding
	errors    []finding.ScanError
	failed    error // an error writing a file
	created   []fix.NewFile
}

type leftAlone struct {
	file, why string
}

// applyPlan applies each file's edits: in place, to stdout for "-", or as a diff. The edits
// are worked out on every core; the files are written in the plan's order, each as soon as
// every file before it is done, so that the writing overlaps the edits of the files after
// them, and a file that cannot be written stops the fix before any file after it is touched.
func applyPlan(ctx context.Context, s Streams, plan *fix.Plan, stdin []byte, dryRun bool) *fixSummary {
	sum := &fixSummary{}
	fixable := 0
	for _, fp := range plan.Files {
		fixable += len(fp.Findings)
	}
	sum.fixed = make([]finding.Finding, 0, fixable)
	results, placed := editFiles(ctx, plan, stdin, !dryRun)
	for i, fp := range plan.Files {
		if i == placed.next && placed.canceled {
			sum.failed = placed.stop
			break
		}
		r := results[i]
		if r.why != "" {
			sum.leftAlone = append(sum.leftAlone, leftAlone{fp.File, r.why})
			if r.src == nil {
				continue
			}
		} else {
			sum.fixed = append(sum.fixed, fp.Findings...)
		}
		if r.n > 0 {
			sum.changed = append(sum.changed, fp.File)
			sum.patches += r.n
		}
		switch {
		case dryRun:
			if r.n > 0 {
				writeDiff(s.Out, fp.File, r.src, r.out)
			}
		case fp.File == "-":
			s.Out.Write(r.out)
		case i == placed.next:
			sum.failed = placed.stop
			return sum
		}
	}
	// Standard input is written back even when nothing in it had a finding.
	if !dryRun && stdin != nil && !slicesContainsFile(plan.Files, "-") {
		s.Out.Write(stdin)
	}
	return sum
}

// fileEdit is one file's bytes before and after its edits, or why it is left alone.
type fileEdit struct {
	src, out []byte
	n        int
	why      string
}

// editFiles reads and edits the plan's files on every core. With write, each changed file's
// new text is written over it (rewrite) in the plan's order (inOrder), while the files after
// it are still being edited.
func editFiles(ctx context.Context, plan *fix.Plan, stdin []byte, write bool) ([]fileEdit, *inOrder) {
	results := make([]fileEdit, len(plan.Files))
	placed := newInOrder(len(plan.Files), func(i int) error {
		r := &results[i]
		if !write || plan.Files[i].File == "-" || r.n == 0 {
			return nil
		}
		if err := rewrite(plan.Files[i].File, r.src, r.out); err != nil {
			return fmt.Errorf("writing %s: %w", plan.Files[i].File, err)
		}
		return nil
	})
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				if placed.stopped() {
					// A file before it cannot be written: it stays as it is.
					continue
				}
				results[i] = editFile(plan.Files[i], stdin)
				placed.done(ctx, i)
			}
		})
	}
	for i := range plan.Files {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	placed.finish(ctx)
	return results, placed
}

// inOrder puts files in place in the plan's order while later files are still being edited:
// a file is placed once it and every file before it are done, and the first that cannot be
// placed (or a cancelled context) stops the placing there, so no file after it is touched,
// as when every file is edited before any is placed.
type inOrder struct {
	mu    sync.Mutex
	ready []bool
	place func(i int) error
	// next is the first file not placed; stop says why, when it is not len(ready), and
	// canceled whether it is the context's error (not a file's).
	next     int
	stop     error
	canceled bool
}

func newInOrder(n int, place func(i int) error) *inOrder {
	return &inOrder{ready: make([]bool, n), place: place}
}

// done records that file i is edited (and staged), and places every file from next on that
// is ready.
func (o *inOrder) done(ctx context.Context, i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ready[i] = true
	for o.stop == nil && o.next < len(o.ready) && o.ready[o.next] {
		if err := ctx.Err(); err != nil {
			o.stop, o.canceled = err, true
			return
		}
		if err := o.place(o.next); err != nil {
			o.stop = err
			return
		}
		o.next++
	}
}

// finish records why the files from next on were not placed once no file is being edited:
// only a cancelled context leaves a file that is not ready.
func (o *inOrder) finish(ctx context.Context) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stop == nil && o.next < len(o.ready) {
		o.stop, o.canceled = ctx.Err(), true
		if o.stop == nil {
			o.stop = context.Canceled
		}
	}
}

// stopped reports whether a file could not be placed: the files after it are not edited.
func (o *inOrder) stopped() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stop != nil && !o.canceled
}

func editFile(fp fix.FilePlan, stdin []byte) fileEdit {
	src := stdin
	if fp.File != "-" {
		var err error
		if src, err = os.ReadFile(fp.File); err != nil {
			return fileEdit{why: "cannot be read again"}
		}
	}
	out, n, err := fix.Apply(src, fp.Edits)
	if err != nil {
		why := "an edit cannot be made safely"
		if r, ok := errors.AsType[*fix.Refusal](err); ok {
			why = r.Error()
		}
		return fileEdit{src: src, out: src, why: why}
	}
	return fileEdit{src: src, out: out, n: n}
}

func slicesContainsFile(files []fix.FilePlan, name string) bool {
	for _, f := range files {
		if f.File == name {
			return true
		}
	}
	return false
}

// writeDiff writes a unified diff of one file.
func writeDiff(w io.Writer, name string, a, b []byte) {
	diff := difflib.UnifiedDiff{
		A: diffLines(a), B: diffLines(b),
		FromFile: name, ToFile: name, Context: 3,
	}
	text, err := difflib.GetUnifiedDiffString(diff)
	if err != nil {
		return
	}
	io.WriteString(w, text)
}

// diffLines splits text into lines for the diff, each with its line break. A last line
// without one carries diff's marker, so that the diff shows a final newline added or lost.
// (difflib.SplitLines would add a line that is not in the text.)
func diffLines(text []byte) []string {
	lines := strings.SplitAfter(string(text), "\n")
	if last := len(lines) - 1; lines[last] == "" {
		lines = lines[:last]
	} else {
		lines[last] += "\n\\ No newline at end of file\n"
	}
	return lines
}

// print writes the summary for people, a line for each finding left: buffered, since
// standard error is not.
func (sum *fixSummary) print(to io.Writer, plan *fix.Plan, dryRun bool) {
	w := bufio.NewWriterSize(to, 32<<10)
	defer w.Flush()
	verb := "changed"
	if dryRun {
		verb = "would change"
	}
	fmt.Fprintf(w, "palisade fix: %d files %s, %d patches applied\n", len(sum.changed), verb, sum.patches)
	sum.printNewFiles(w, dryRun)
	for _, l := range sum.leftAlone {
		fmt.Fprintf(w, "  left alone: %s: %s\n", l.file, l.why)
	}
	if len(plan.Advice) > 0 {
		fmt.Fprintf(w, "rendered from a Helm chart or a kustomization; change their source (not edited):\n")
		for _, f := range plan.Advice {
			for _, p := range finding.Changes(f.Fix) {
				if values, ok := fix.ValuesAdvice(&f, p); ok {
					fmt.Fprintf(w, "  %s (%s, read at %s)\n", values, f.RuleID, f.Location)
					continue
				}
				fmt.Fprintf(w, "  %s: %s: %s\n", f.Location, f.RuleID, fix.Describe(p))
			}
		}
	}
	if len(plan.NoRemedy) > 0 {
		fmt.Fprintf(w, "%d findings have no automatic remedy:\n", len(plan.NoRemedy))
		for i := range plan.NoRemedy {
			f := &plan.NoRemedy[i]
			note := ""
			for _, p := range f.Fix {
				if p.IsNote() {
					note = " (a TODO(palisade) comment says what to set)"
				}
			}
			// A line for each of a large scan's findings: written without fmt's formatting.
			for _, part := range [...]string{"  ", f.Location.String(), ": ", f.RuleID, " ", f.Object.String(), note, "\n"} {
				w.WriteString(part)
			}
		}
	}
	for _, e := range sum.errors {
		fmt.Fprintf(w, "error: %s: %s\n", e.Location, e.Message)
	}
}

// exit is the command's result: 2 on errors, 1 when a finding at or above failOn is not
// resolved by the edits made (or, with --dry-run, that would be made), else 0.
func (sum *fixSummary) exit(failOn finding.Severity, findings []finding.Finding) error {
	if sum.failed != nil {
		return sum.failed
	}
	if len(sum.errors) > 0 {
		return exitError{2}
	}
	fixed := make(map[fixedKey]bool, len(sum.fixed))
	for _, f := range sum.fixed {
		fixed[findingKey(&f)] = true
	}
	for i := range findings {
		f := &findings[i]
		if f.Severity >= failOn && !fixed[findingKey(f)] {
			return exitError{1}
		}
	}
	return nil
}

// fixedKey is what tells a finding the fix resolved from the others: its rule, document,
// object, container and field.
type fixedKey struct {
	rule, file       string
	document         int
	object           finding.ObjectRef
	container, field string
}

func findingKey(f *finding.Finding) fixedKey {
	return fixedKey{f.RuleID, f.Location.File, f.Location.Document, f.Object, f.Container, f.Path}
}
