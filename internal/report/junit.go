package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

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

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
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

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(w io.Writer, in *Input) error {
	root := junitSuites{Name: ToolName, Time: "0"}
	for _, s := range junitRuleSuites(in) {
		root.add(s)
	}
	if len(in.Errors) > 0 {
		root.add(junitErrors(in.Errors))
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func (r *junitSuites) add(s junitSuite) {
	r.Suites = append(r.Suites, s)
	r.Tests += s.Tests
	r.Failures += s.Failures
	r.Errors += s.Errors
	r.Skipped += s.Skipped
}

func (s *junitSuite) add(c junitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
}

// junitRuleSuites makes one suite per evaluated rule (and per rule a finding names that the
// input did not list), in the order of the rules.
func junitRuleSuites(in *Input) []junitSuite {
	var suites []junitSuite
	index := map[string]int{}
	suiteFor := func(id, title string, sev finding.Severity) *junitSuite {
		if i, ok := index[id]; ok {
			return &suites[i]
		}
		index[id] = len(suites)
		suites = append(suites, junitSuite{Name: id, Time: "0", Properties: &junitProperties{Property: []junitProperty{
			{Name: "title", Value: title},
			{Name: "severity", Value: sev.String()},
		}}})
		return &suites[len(suites)-1]
	}
	for _, r := range in.Rules {
		suiteFor(r.ID, r.Title, r.Severity)
	}
	for _, f := range in.Findings {
		c := junitFindingCase(f)
		if fails(in, f) {
			c.Failure = &junitOutcome{Message: oneLine(f.Message), Type: f.Severity.String(), Body: xmlSafe(junitDetails(f))}
		} else {
			c.SystemOut = newJUnitText(fmt.Sprintf("%s, below --fail-on=%s\n%s", f.Severity, failOnName(in.FailOn), junitDetails(f)))
		}
		suiteFor(f.RuleID, f.Title, f.Severity).add(c)
		// Each rule the finding's cause also breaks gets the same case in its own suite, so
		// that a rule whose findings were folded into another's never shows "no findings".
		for _, also := range f.AlsoBreaks() {
			id, check, _ := strings.Cut(also, ":")
			ac := c
			ac.Classname = id
			if check != "" {
				ac.Name += " (" + check + ")"
			}
			note := "reported as " + f.RuleID + " (same cause)\n"
			if ac.Failure != nil {
				out := *ac.Failure
				out.Body = xmlSafe(note + junitDetails(f))
				ac.Failure = &out
			} else {
				ac.SystemOut = newJUnitText(note + ac.SystemOut.Text)
			}
			title, sev := id, f.Severity
			if r := ruleByID(in, id); r != nil {
				title, sev = r.Title, r.Severity
			}
			suiteFor(id, title, sev).add(ac)
		}
	}
	for _, f := range in.Suppressed {
		c := junitFindingCase(f)
		c.Skipped = &junitSkipped{Message: "suppressed"}
		if s := f.Suppression; s != nil {
			c.Skipped.Message = fmt.Sprintf("suppressed by %s: %s", s.Source, oneLine(s.Reason))
		}
		c.SystemOut = newJUnitText(junitDetails(f))
		suiteFor(f.RuleID, f.Title, f.Severity).add(c)
	}
	if in.ShowPassed {
		for _, f := range in.Passed {
			c := junitFindingCase(f)
			if f.Status == finding.NotApplicable {
				c.Skipped = &junitSkipped{Message: "not applicable: " + oneLine(f.Message)}
			} else if f.Evidence != "" {
				c.SystemOut = newJUnitText(f.Evidence)
			}
			suiteFor(f.RuleID, f.Title, f.Severity).add(c)
		}
	}
	// A rule not applied to a namespace is a skipped case there, never a silent "no findings".
	for _, na := range in.NotApplied {
		for _, id := range na.Rules {
			if _, ok := index[id]; !ok {
				continue
			}
			for _, ns := range na.Namespaces {
				suites[index[id]].add(junitCase{Name: "Namespace/" + ns, Classname: id, Time: "0",
					Skipped: &junitSkipped{Message: "not applied: " + oneLine(na.Reason)}})
			}
		}
	}
	for i := range suites {
		if len(suites[i].Cases) == 0 {
			suites[i].add(junitCase{Name: "no findings", Classname: suites[i].Name, Time: "0"})
		}
	}
	return suites
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
