package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"runtime"
	"strings"
	"unicode/utf8"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// The JUnit report lets CI systems that read test results (GitLab, Jenkins, Azure Pipelines)
// show a scan as tests. Each evaluated rule is a test suite, since CI lists suites and groups
// test cases by class name, so a reader sees which rules fail and, under each, which objects;
// a rule with no finding has one passing case, so passing rules are visible too. A finding at or
// above --fail-on is a failure; a finding below it is a passing case whose output describes it;
// a suppressed finding is a skipped case (JUnit's own count for what was not held against the
// run). Scan errors are <error> cases in a suite of their own. Times are zero: a scan is not
// timed per rule, and the report stays deterministic.

// junitErrorSuite names the suite of scan errors.
const junitErrorSuite = "palisade/scan-errors"

// The document's model: writeJUnit writes exactly what encoding/xml writes for it, one case
// at a time, and the test encodes it whole to hold the two to the same bytes.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Time   string       `xml:"time,attr"`
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Time       string           `xml:"time,attr"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitOutcome `xml:"failure,omitempty"`
	Error     *junitOutcome `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

type junitOutcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// junitText is element text written as CDATA, so that line breaks stay readable.
type junitText struct {
	Text string `xml:",cdata"`
}

func newJUnitText(s string) *junitText { return &junitText{Text: xmlSafe(s)} }

// xmlSafe replaces what XML 1.0 cannot carry at all (most control characters), which the
// encoder escapes in attributes but writes as is in CDATA: a message may quote a binary file.
func xmlSafe(s string) string {
	if printableASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

// printableASCII reports whether s is printable ASCII, tabs and line breaks only: text that
// XML carries as it is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// writeJUnit streams the report. One pass over the active findings plans the suites (which
// case goes where, and the counts each suite's attributes need) and writes each finding's
// cases aside, by suite (caseStore); then the suites are written in their order, each with
// its cases of active findings as they were written, then the others made from references.
// A report of a hundred thousand findings never holds its cases (BenchmarkJUnit), and reads
// each finding back once. The bytes are exactly those encoding/xml's Encoder with a
// two-space indent writes for the whole document (TestJUnitWriterMatchesEncodingXML).
func writeJUnit(w io.Writer, in *Input) error {
	store := newCaseStore("")
	defer store.close()
	suites, err := junitPlan(in, store)
	if err != nil {
		return err
	}
	var errs *junitSuite
	if len(in.Errors) > 0 {
		s := junitErrors(in.Errors)
		errs = &s
	}
	var total junitCounts
	for i := range suites {
		total.count(suites[i].junitCounts)
	}
	if errs != nil {
		total.count(errs.junitCounts)
	}
	jw := junitWriter{w: bufio.NewWriterSize(w, 64<<10)}
	jw.b = append(jw.b, xml.Header...)
	jw.b = append(jw.b, "<testsuites"...)
	jw.attr("name", ToolName)
	jw.counts(total)
	jw.attr("time", "0")
	jw.b = append(jw.b, '>')
	for i := range suites {
		s := &suites[i]
		jw.startSuite(s.Name, s.junitCounts, s.Properties)
		// The suite's cases of active findings come first, in the findings' order, as the
		// plan wrote them.
		if err := store.each(i, jw.raw); err != nil {
			return err
		}
		for _, ref := range s.refs {
			if ref.kind == refFinding || ref.kind == refAlso {
				continue
			}
			jw.testCase(ref.make(in, s.Name, nil))
			if err := jw.flushIfFull(); err != nil {
				return err
			}
		}
		jw.b = append(jw.b, "\n  </testsuite>"...)
	}
	if errs != nil {
		jw.startSuite(errs.Name, errs.junitCounts, nil)
		for _, c := range errs.Cases {
			jw.testCase(c)
			if err := jw.flushIfFull(); err != nil {
				return err
			}
		}
		jw.b = append(jw.b, "\n  </testsuite>"...)
	}
	if len(suites) > 0 || errs != nil {
		jw.b = append(jw.b, '\n')
	}
	jw.b = append(jw.b, "</testsuites>\n"...)
	return jw.flush()
}

// junitCounts are the counts of a suite, or of all of them.
type junitCounts struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
}

func (c *junitCounts) count(o junitCounts) {
	c.Tests += o.Tests
	c.Failures += o.Failures
	c.Errors += o.Errors
	c.Skipped += o.Skipped
}

func (s *junitSuite) add(c junitCase) {
	s.Cases = append(s.Cases, c)
	s.tally(c.Failure != nil, c.Error != nil, c.Skipped != nil)
}

// tally counts one case of the suite: a failure, an error, skipped, or none of them (a pass).
func (c *junitCounts) tally(failure, error, skipped bool) {
	c.Tests++
	switch {
	case failure:
		c.Failures++
	case error:
		c.Errors++
	case skipped:
		c.Skipped++
	}
}

// junitRefKind says where a planned case comes from.
type junitRefKind uint8

const (
	refFinding    junitRefKind = iota // the i-th active finding
	refAlso                           // the i-th active finding, under the j-th rule its cause also breaks
	refSuppressed                     // in.Suppressed[i]
	refPassed                         // in.Passed[i]
	refNotApplied                     // in.NotApplied[i], its j-th namespace
	refNoFindings                     // the passing case of a rule with no finding
)

// junitRef is a planned case: what it is made from, not the case itself.
type junitRef struct {
	kind junitRefKind
	i, j int32
}

// junitPlannedSuite is a rule's suite: its attributes and properties, and its cases by
// reference.
type junitPlannedSuite struct {
	junitSuite
	refs []junitRef
}

// junitPlan sorts the cases into suites: each evaluated rule is a suite, in the order of
// in.Rules, then each rule only a finding names, in the order they come. It reads the active
// findings once, and fails when they cannot be read. With a store, it also writes the cases
// the active findings make there, each under its suite's index, as writeJUnit writes them.
func junitPlan(in *Input, store *caseStore) ([]junitPlannedSuite, error) {
	var suites []junitPlannedSuite
	index := map[string]int{}
	suiteFor := func(id, title string, sev finding.Severity) int {
		if i, ok := index[id]; ok {
			return i
		}
		index[id] = len(suites)
		suites = append(suites, junitPlannedSuite{junitSuite: junitSuite{Name: id, Time: "0", Properties: &junitProperties{Property: []junitProperty{
			{Name: "title", Value: title},
			{Name: "severity", Value: sev.String()},
		}}}})
		return len(suites) - 1
	}
	plan := func(s *junitPlannedSuite, ref junitRef, failure, skipped bool) {
		s.refs = append(s.refs, ref)
		s.tally(failure, false, skipped)
	}
	for _, r := range in.Rules {
		suiteFor(r.ID, r.Title, r.Severity)
	}
	// The cases of a chunk of findings are planned here, in order, and written on a goroutine
	// of their own, a few chunks ahead of the store, which takes them in order.
	var pending []*junitBatch
	window := 2 * runtime.GOMAXPROCS(0)
	takeOldest := func() {
		b := pending[0]
		pending = pending[1:]
		<-b.done
		b.store(store)
	}
	defer func() { // on an error, wait for the chunks under way: they read in
		for _, b := range pending {
			<-b.done
		}
	}()
	i := -1
	for chunk, err := range in.active().Chunks(512) {
		if err != nil {
			return nil, err
		}
		b := &junitBatch{chunk: chunk, done: make(chan struct{})}
		job := func(suite int, ref junitRef, k int, failure bool) {
			plan(&suites[suite], ref, failure, false)
			b.jobs = append(b.jobs, junitJob{suite: suite, name: suites[suite].Name, ref: ref, finding: k})
		}
		for k := range chunk {
			f := &chunk[k]
			i++
			failure := fails(in, *f)
			job(suiteFor(f.RuleID, f.Title, f.Severity), junitRef{refFinding, int32(i), 0}, k, failure)
			// Each rule the finding's cause also breaks gets the same case in its own suite, so
			// that a rule whose findings were folded into another's never shows "no findings".
			for j, also := range f.AlsoBreaks() {
				id, _, _ := strings.Cut(also, ":")
				title, sev := id, f.Severity
				if r := ruleByID(in, id); r != nil {
					title, sev = r.Title, r.Severity
				}
				job(suiteFor(id, title, sev), junitRef{refAlso, int32(i), int32(j)}, k, failure)
			}
		}
		if store == nil {
			continue
		}
		if len(pending) == window {
			takeOldest()
		}
		pending = append(pending, b)
		go b.write(in)
	}
	for len(pending) > 0 {
		takeOldest()
	}
	for i := range in.Suppressed {
		f := &in.Suppressed[i]
		plan(&suites[suiteFor(f.RuleID, f.Title, f.Severity)], junitRef{refSuppressed, int32(i), 0}, false, true)
	}
	if in.ShowPassed {
		for i := range in.Passed {
			f := &in.Passed[i]
			plan(&suites[suiteFor(f.RuleID, f.Title, f.Severity)], junitRef{refPassed, int32(i), 0}, false, f.Status == finding.NotApplicable)
		}
	}
	// A rule not applied to a namespace is a skipped case there, never a silent "no findings".
	for i, na := range in.NotApplied {
		for _, id := range na.Rules {
			if _, ok := index[id]; !ok {
				continue
			}
			for j := range na.Namespaces {
				plan(&suites[index[id]], junitRef{refNotApplied, int32(i), int32(j)}, false, true)
			}
		}
	}
	for i := range suites {
		if len(suites[i].refs) == 0 {
			plan(&suites[i], junitRef{kind: refNoFindings}, false, false)
		}
	}
	return suites, nil
}

// junitBatch is a chunk of active findings and the cases planned for them, which write makes
// and writes, in order, on a goroutine of its own.
type junitBatch struct {
	chunk []finding.Finding
	jobs  []junitJob
	// out holds the cases' bytes one after the other; ends[k] is where job k's end.
	out  []byte
	ends []int
	done chan struct{}
}

// junitJob is one case of a batch: the suite it goes in and what it is made from.
type junitJob struct {
	suite   int
	name    string
	ref     junitRef
	finding int // in the batch's chunk
}

// write makes and writes the batch's cases, then says it is done.
func (b *junitBatch) write(in *Input) {
	defer close(b.done)
	var jw junitWriter
	b.ends = make([]int, len(b.jobs))
	for k, j := range b.jobs {
		jw.testCase(j.ref.make(in, j.name, &b.chunk[j.finding]))
		b.ends[k] = len(jw.b)
	}
	b.out = jw.b
}

// store adds the batch's cases to their suites' in store, in order.
func (b *junitBatch) store(store *caseStore) {
	start := 0
	for k, j := range b.jobs {
		store.add(j.suite, b.out[start:b.ends[k]])
		start = b.ends[k]
	}
}

// make makes the planned case, in the suite of the rule named suite; active is the active
// finding the case is made from, for the cases of one.
func (r junitRef) make(in *Input, suite string, active *finding.Finding) junitCase {
	switch r.kind {
	case refFinding, refAlso:
		f := *active
		c := junitFindingCase(f)
		if fails(in, f) {
			c.Failure = &junitOutcome{Message: oneLine(f.Message), Type: f.Severity.String(), Body: xmlSafe(junitDetails(f))}
		} else {
			c.SystemOut = newJUnitText(fmt.Sprintf("%s, below --fail-on=%s\n%s", f.Severity, failOnName(in.FailOn), junitDetails(f)))
		}
		if r.kind == refFinding {
			return c
		}
		id, check, _ := strings.Cut(f.AlsoBreaks()[r.j], ":")
		c.Classname = id
		if check != "" {
			c.Name += " (" + check + ")"
		}
		note := "reported as " + f.RuleID + " (same cause)\n"
		if c.Failure != nil {
			c.Failure.Body = xmlSafe(note + junitDetails(f))
		} else {
			c.SystemOut = newJUnitText(note + c.SystemOut.Text)
		}
		return c
	case refSuppressed:
		f := in.Suppressed[r.i]
		c := junitFindingCase(f)
		c.Skipped = &junitSkipped{Message: "suppressed"}
		if s := f.Suppression; s != nil {
			c.Skipped.Message = fmt.Sprintf("suppressed by %s: %s", s.Source, oneLine(s.Reason))
		}
		c.SystemOut = newJUnitText(junitDetails(f))
		return c
	case refPassed:
		f := in.Passed[r.i]
		c := junitFindingCase(f)
		if f.Status == finding.NotApplicable {
			c.Skipped = &junitSkipped{Message: "not applicable: " + oneLine(f.Message)}
		} else if f.Evidence != "" {
			c.SystemOut = newJUnitText(f.Evidence)
		}
		return c
	case refNotApplied:
		na := in.NotApplied[r.i]
		return junitCase{Name: "Namespace/" + na.Namespaces[r.j], Classname: suite, Time: "0",
			Skipped: &junitSkipped{Message: "not applied: " + oneLine(na.Reason)}}
	}
	return junitCase{Name: "no findings", Classname: suite, Time: "0"}
}

// ruleByID returns the evaluated rule with that ID, or nil.
func ruleByID(in *Input, id string) *rules.Rule {
	for _, r := range in.Rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// junitFindingCase names a finding's case after its object, container and field; the class
// name is the rule, which Jenkins and GitLab group by.
func junitFindingCase(f finding.Finding) junitCase {
	parts := []string{objectTitle(f.Object)}
	if f.Container != "" {
		parts = append(parts, "container "+f.Container)
	}
	if f.Path != "" {
		parts = append(parts, f.Path)
	}
	return junitCase{Name: strings.Join(parts, " "), Classname: f.RuleID, File: f.Location.File, Time: "0"}
}

// junitDetails is the text of a finding: where, what, the evidence and the remedy.
func junitDetails(f finding.Finding) string {
	var lines []string
	if loc := f.Location.String(); loc != "" {
		lines = append(lines, loc)
	}
	lines = append(lines, oneLine(f.Message))
	if f.Evidence != "" {
		lines = append(lines, "evidence: "+oneLine(f.Evidence))
	}
	if f.Remedy != "" {
		lines = append(lines, "remedy: "+oneLine(f.Remedy))
	}
	return strings.Join(lines, "\n")
}

func junitErrors(errs []finding.ScanError) junitSuite {
	s := junitSuite{Name: junitErrorSuite, Time: "0"}
	for _, e := range errs {
		name := e.Location.String()
		if obj := e.Object.String(); obj != "" {
			name = strings.TrimSpace(name + " " + obj)
		}
		if name == "" {
			name = "scan"
		}
		s.add(junitCase{Name: name, Classname: junitErrorSuite, File: e.Location.File, Time: "0",
			Error: &junitOutcome{Message: oneLine(e.Message), Type: "scan error", Body: xmlSafe(e.Error())}})
	}
	return s
}
