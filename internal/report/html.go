package report

import (
	"cmp"
	_ "embed"
	"fmt"
	"html"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/ruledoc"
	"palisade.dev/palisade/internal/rules"
)

// The HTML report is one self-contained page: its style and script are inline, its charts are
// inline SVG, and its Content-Security-Policy forbids every fetch. Palisade writes the verdict,
// the summary (counts by severity, by area and by namespace, the rules that fail most), the
// node benchmark, the NetworkPolicy reachability and the scan's errors and coverage notes as
// HTML; the findings and the suppressed findings, which may number a hundred thousand, are
// embedded as JSON in an application/json script element, and the page's script shows them
// a page at a time behind the filters. Suppressed findings are always on their tab, and the
// benchmark always lists passes: the page is an audit, and its tabs keep them out of the way.
//
// Every text of the input is escaped: as HTML text or attribute (html.EscapeString) in the
// markup, and as JSON with <, > and & escaped in the data, so that no message can close the
// script element or add markup; the script sets every value as text.

var (
	//go:embed html_page/page.html
	htmlPage string
	//go:embed html_page/page.js
	htmlScript string
)

// The markers of page.html that the report replaces, each once.
const (
	htmlTitleMark  = "/*TITLE*/"
	htmlBodyMark   = "/*BODY*/"
	htmlDataMark   = "/*DATA*/"
	htmlScriptMark = "/*SCRIPT*/"
)

// The summary's charts name at most this many namespaces and rules; the rest are counted.
const (
	maxChartNamespaces = 20
	maxChartRules      = 10
)

func writeHTML(w io.Writer, in *Input) error {
	in, err := in.held()
	if err != nil {
		return err
	}
	v := newHTMLView(in)
	var body strings.Builder
	v.writeBody(&body)
	data := v.appendData(make([]byte, 0, 256*(len(in.Findings)+len(in.Suppressed))+1024))

	title := "Palisade " + in.Command + " report"
	parts := []string{htmlTitleMark, html.EscapeString(title), htmlBodyMark, body.String(), htmlDataMark, string(data), htmlScriptMark, htmlScript}
	page := htmlPage
	for i := 0; i < len(parts); i += 2 {
		head, tail, ok := strings.Cut(page, parts[i])
		if !ok {
			return fmt.Errorf("the embedded page of %d bytes has no %s marker", len(htmlPage), parts[i])
		}
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		if _, err := io.WriteString(w, parts[i+1]); err != nil {
			return err
		}
		page = tail
	}
	_, err = io.WriteString(w, page)
	return err
}

// htmlView is what the page shows, counted once.
type htmlView struct {
	in *Input
	s  summary
	// rules are every rule the page names: the evaluated ones and any a finding names that
	// is not among them, sorted by area and then ID; ruleIndex finds a rule by ID.
	rules     []*rules.Rule
	ruleIndex map[string]int
	help      map[string]string
	// strs interns the namespaces and remedies of the findings, which repeat.
	strs     []string
	strIndex map[string]int
	joined   map[joinedKey]int
}

func newHTMLView(in *Input) *htmlView {
	v := &htmlView{in: in, s: summarize(in), ruleIndex: map[string]int{}, help: helpURLs(in.Rules), strIndex: map[string]int{}, joined: map[joinedKey]int{}}
	byID := map[string]*rules.Rule{}
	for _, r := range in.Rules {
		byID[r.ID] = r
	}
	for _, fs := range [][]finding.Finding{in.Findings, in.Suppressed, in.Passed} {
		for i := range fs {
			if _, ok := byID[fs[i].RuleID]; !ok {
				byID[fs[i].RuleID] = &rules.Rule{ID: fs[i].RuleID, Title: fs[i].Title, Severity: fs[i].Severity}
			}
		}
	}
	all := make([]*rules.Rule, 0, len(byID))
	for _, r := range byID {
		all = append(all, r)
	}
	for _, g := range ruledoc.ByArea(all) {
		for _, r := range g.Rules {
			v.ruleIndex[r.ID] = len(v.rules)
			v.rules = append(v.rules, r)
		}
	}
	v.intern("")
	return v
}

func (v *htmlView) intern(s string) int {
	if i, ok := v.strIndex[s]; ok {
		return i
	}
	v.strIndex[s] = len(v.strs)
	v.strs = append(v.strs, s)
	return len(v.strs) - 1
}

// namespaceOf is the namespace a finding is in: its object's, or the namespace itself; empty
// for what is in none (cluster-scoped objects, nodes, endpoints).
func namespaceOf(f *finding.Finding) string {
	if f.Object.Kind == "Namespace" && f.Object.Namespace == "" {
		return f.Object.Name
	}
	return f.Object.Namespace
}

// htmlLocation is where a finding is: file:line:column (with its chart template), a host's
// file, a host or a cluster context.
func htmlLocation(l finding.Location) string {
	s := l.String()
	if l.Template != "" && path.Base(l.Template) != path.Base(filepath.ToSlash(l.File)) {
		s += " (template " + l.Template + ")"
	}
	if l.Cluster != "" && (l.File != "" || l.Host != "") {
		s += " (context " + l.Cluster + ")"
	}
	return s
}

func (v *htmlView) writeBody(b *strings.Builder) {
	in, s := v.in, v.s
	b.WriteString("<header>\n<h1>Palisade " + html.EscapeString(in.Command) + " report</h1>\n")
	b.WriteString("<p>" + v.verdict() + "</p>\n")
	fmt.Fprintf(b, "<p>%s %s of %s", ToolName, html.EscapeString(in.Version), html.EscapeString(strings.Join(in.Targets, ", ")))
	if st := in.Stats; st != (Stats{}) {
		fmt.Fprintf(b, ": %s, %s, %s", plural(st.Files, "file"), plural(st.Documents, "document"), plural(st.Objects, "object"))
	}
	b.WriteString(".</p>\n</header>\n")
	if s.errors > 0 {
		fmt.Fprintf(b, "<p class=\"banner errors\" id=\"errors-banner\">%s: what Palisade could not read or judge is not covered by this report, and may hide findings. <button type=\"button\" data-show=\"problems\">See the errors</button></p>\n", plural(s.errors, "error"))
	}
	if n := len(in.NotApplied); n > 0 {
		fmt.Fprintf(b, "<p class=\"banner\" id=\"coverage-banner\">%s: rules not applied to some namespaces (coverage gaps, not passes). <button type=\"button\" data-show=\"problems\">See them</button></p>\n", plural(n, "coverage note"))
	}
	tabs := [][2]string{{"summary", "Summary"}, {"findings", fmt.Sprintf("Findings (%d)", s.total)}, {"suppressed", fmt.Sprintf("Suppressed (%d)", s.suppressed)}}
	if v.hasBenchmark() {
		tabs = append(tabs, [2]string{"benchmark", "Node benchmark"})
	}
	if in.Reachability != nil {
		tabs = append(tabs, [2]string{"reachability", "Network reachability"})
	}
	tabs = append(tabs, [2]string{"problems", fmt.Sprintf("Errors and coverage (%d)", s.errors+len(in.NotApplied))})
	b.WriteString("<nav>\n")
	for i, t := range tabs {
		fmt.Fprintf(b, "<button type=\"button\" data-tab=\"%s\" aria-selected=\"%t\">%s</button>\n", t[0], i == 0, t[1])
	}
	b.WriteString("</nav>\n")
	v.writeSummary(b)
	b.WriteString("<section class=\"tab\" id=\"tab-findings\" hidden>\n<div id=\"findings\"></div>\n</section>\n")
	b.WriteString("<section class=\"tab\" id=\"tab-suppressed\" hidden>\n<p class=\"muted\">Suppressed findings are not counted against the scan: an exemption of the configuration or a palisade.dev/ignore annotation names them.</p>\n<div id=\"suppressed\"></div>\n</section>\n")
	if v.hasBenchmark() {
		v.writeBenchmark(b)
	}
	if in.Reachability != nil {
		writeReachability(b, in.Reachability)
	}
	v.writeProblems(b)
}

// verdict says whether the scan failed, as the markdown report does.
func (v *htmlView) verdict() string {
	s, threshold := v.s, failOnName(v.in.FailOn)
	switch {
	case s.failing > 0:
		return fmt.Sprintf("<span class=\"verdict failed\">Failed</span>: %s at or above %s (--fail-on %s), of %s.", plural(s.failing, "finding"), threshold, threshold, plural(s.total, "finding"))
	case s.errors > 0:
		return fmt.Sprintf("<span class=\"verdict incomplete\">Incomplete</span>: no finding at or above %s in what could be read, but the scan had %s.", threshold, plural(s.errors, "error"))
	case v.in.FailOn > finding.Critical:
		return fmt.Sprintf("<span class=\"verdict passed\">Passed</span>: --fail-on none, no finding fails the scan; %s.", plural(s.total, "finding"))
	default:
		return fmt.Sprintf("<span class=\"verdict passed\">Passed</span>: no finding at or above %s (--fail-on %s); %s below it.", threshold, threshold, plural(s.total, "finding"))
	}
}

// bar is one row of a chart; key and value are the filter a click on it sets.
type bar struct {
	label, class string
	count        int
	key, value   string
}

func (v *htmlView) writeSummary(b *strings.Builder) {
	in := v.in
	b.WriteString("<section class=\"tab\" id=\"tab-summary\">\n<div class=\"charts\">\n")
	var sev []bar
	for _, s := range finding.Severities() {
		sev = append(sev, bar{label: s.String(), class: s.String(), count: v.s.bySeverity[s], key: "sev", value: strconv.Itoa(int(s))})
	}
	threshold := -1
	if in.FailOn <= finding.Critical {
		threshold = int(finding.Critical - in.FailOn)
	}
	writeChart(b, "By severity", "chart-severity", sev, threshold, fmt.Sprintf("Fails at %s and above.", failOnName(in.FailOn)))

	areas := map[rules.Area]int{}
	namespaces := map[string]int{}
	byRule := map[string]int{}
	for i := range in.Findings {
		f := &in.Findings[i]
		areas[v.rules[v.ruleIndex[f.RuleID]].Area]++
		namespaces[namespaceOf(f)]++
		byRule[f.RuleID]++
	}
	var areaBars []bar
	seen := map[rules.Area]bool{}
	for _, r := range v.rules { // in area order
		if a := r.Area; !seen[a] && areas[a] > 0 {
			seen[a] = true
			areaBars = append(areaBars, bar{label: areaTitle(a), count: areas[a], key: "area", value: string(a)})
		}
	}
	writeChart(b, "By area", "chart-area", areaBars, -1, "")

	nsBars := topBars(namespaces, maxChartNamespaces, func(ns string) bar {
		label := ns
		if ns == "" {
			label = "(no namespace)"
		}
		return bar{label: label, key: "ns", value: strconv.Itoa(v.intern(ns))}
	})
	writeChart(b, "By namespace", "chart-namespace", nsBars, -1, moreNote(len(namespaces), len(nsBars), "namespace"))
	ruleBars := topBars(byRule, maxChartRules, func(id string) bar {
		return bar{label: id, key: "rule", value: strconv.Itoa(v.ruleIndex[id])}
	})
	writeChart(b, "Rules that fail most", "chart-rules", ruleBars, -1, moreNote(len(byRule), len(ruleBars), "rule"))
	b.WriteString("</div>\n")
	writeClusters(b, in.Clusters)
	b.WriteString("</section>\n")
}

// areaTitle is an area's heading; rules of no area (a user's policy without one) have "other".
func areaTitle(a rules.Area) string {
	if a == "" {
		return "other"
	}
	return ruledoc.AreaTitle(a)
}

// topBars are the n keys of counts with the most, most first, ties by key.
func topBars(counts map[string]int, n int, newBar func(string) bar) []bar {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
	out := make([]bar, 0, min(n, len(keys)))
	for _, k := range keys[:min(n, len(keys))] {
		bb := newBar(k)
		bb.count = counts[k]
		out = append(out, bb)
	}
	return out
}

func moreNote(all, shown int, noun string) string {
	if all <= shown {
		return ""
	}
	return fmt.Sprintf("And %s more.", plural(all-shown, noun))
}

// The geometry of a chart, in pixels: a label column, bars scaled to the largest count, and
// the count after each bar.
const (
	chartLabelW, chartBarW, chartCountW, chartRowH = 230, 200, 60, 22
	chartLabelMax                                  = 32
)

// writeChart draws bars as an inline SVG; threshold, when not -1, is the index of the bar a
// dashed line is drawn above (the --fail-on severity).
func writeChart(b *strings.Builder, title, id string, bars []bar, threshold int, note string) {
	fmt.Fprintf(b, "<div class=\"chart\" id=\"%s\">\n<h2>%s</h2>\n", id, html.EscapeString(title))
	if len(bars) == 0 {
		b.WriteString("<p>No finding.</p>\n</div>\n")
		return
	}
	most := 1
	for _, bb := range bars {
		most = max(most, bb.count)
	}
	width := chartLabelW + chartBarW + chartCountW
	fmt.Fprintf(b, "<svg class=\"bars\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
		width, len(bars)*chartRowH, width, len(bars)*chartRowH, html.EscapeString(title))
	for i, bb := range bars {
		y := i * chartRowH
		label := bb.label
		if len([]rune(label)) > chartLabelMax {
			label = string([]rune(label)[:chartLabelMax-1]) + "…"
		}
		w := 0
		if bb.count > 0 {
			w = max(1, bb.count*chartBarW/most)
		}
		attrs := ""
		if bb.count > 0 && bb.key != "" {
			attrs = fmt.Sprintf(" data-key=\"%s\" data-value=\"%s\"", bb.key, html.EscapeString(bb.value))
		}
		fmt.Fprintf(b, "<g%s><title>%s: %d</title><text x=\"0\" y=\"%d\">%s</text><rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"></rect><text class=\"count\" x=\"%d\" y=\"%d\">%d</text></g>\n",
			attrs, html.EscapeString(bb.label), bb.count, y+chartRowH/2, html.EscapeString(label), bb.class,
			chartLabelW, y+3, w, chartRowH-6, chartLabelW+w+6, y+chartRowH/2, bb.count)
		if i == threshold {
			fmt.Fprintf(b, "<line class=\"threshold\" x1=\"0\" x2=\"%d\" y1=\"%d\" y2=\"%d\"></line>\n", width, y+chartRowH, y+chartRowH)
		}
	}
	b.WriteString("</svg>\n")
	if note != "" {
		b.WriteString("<p>" + html.EscapeString(note) + "</p>\n")
	}
	b.WriteString("</div>\n")
}

// writeClusters is what a cluster scan read from each context.
func writeClusters(b *strings.Builder, cs []Cluster) {
	if len(cs) == 0 {
		return
	}
	b.WriteString("<h2>Clusters</h2>\n<table id=\"clusters\">\n<thead><tr><th>Context</th><th>Version</th><th>Distribution</th><th>Scanned as</th><th>Objects</th><th>Kinds not listed</th><th>Reachable</th></tr></thead>\n<tbody>\n")
	for _, c := range cs {
		user := c.User
		if c.ClusterAdmin != nil && *c.ClusterAdmin {
			user += " (may do everything)"
		}
		reachable := "yes"
		if !c.Reachable {
			reachable = "<span class=\"status-fail\">no</span>"
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s</td></tr>\n",
			html.EscapeString(c.Context), html.EscapeString(c.Version), html.EscapeString(c.Distribution), html.EscapeString(user), c.Objects, c.Gaps, reachable)
	}
	b.WriteString("</tbody>\n</table>\n")
}

// writeProblems lists the scan's errors and coverage notes.
func (v *htmlView) writeProblems(b *strings.Builder) {
	in := v.in
	b.WriteString("<section class=\"tab\" id=\"tab-problems\" hidden>\n")
	errs := make([]string, len(in.Errors))
	for i, e := range in.Errors {
		errs[i] = e.Error()
	}
	writeProblemList(b, "Errors", "errors", errs, "None: every input was read and judged.",
		"What Palisade could not read or judge. Nothing in it was checked, so the findings do not cover it.")
	notes := make([]string, len(in.NotApplied))
	for i, n := range in.NotApplied {
		notes[i] = strings.Join(n.Rules, ", ") + " not applied to " + strings.Join(n.Namespaces, ", ") + ": " + n.Reason
	}
	writeProblemList(b, "Coverage notes", "coverage", notes, "None: every rule was applied everywhere it applies.",
		"Rules not applied to some namespaces: gaps in what was checked, not passes.")
	b.WriteString("</section>\n")
}

// writeProblemList writes a heading and the items, escaped, under an introduction; or that
// there is none.
func writeProblemList(b *strings.Builder, heading, id string, items []string, none, intro string) {
	b.WriteString("<h2>" + heading + "</h2>\n")
	if len(items) == 0 {
		b.WriteString("<p class=\"muted\">" + none + "</p>\n")
		return
	}
	b.WriteString("<p>" + intro + "</p>\n<ul class=\"problems\" id=\"" + id + "\">\n")
	for _, item := range items {
		b.WriteString("<li>" + html.EscapeString(item) + "</li>\n")
	}
	b.WriteString("</ul>\n")
}

// appendData appends the JSON the page's script reads: the severities, areas and rules by
// index, the interned strings, and a row per finding (appendRows).
func (v *htmlView) appendData(b []byte) []byte {
	b = append(b, `{"severities":[`...)
	for s := finding.Info; s <= finding.Critical; s++ {
		if s > finding.Info {
			b = append(b, ',')
		}
		b = appendHTMLString(b, s.String())
	}
	b = append(b, `],"areas":[`...)
	seen := map[rules.Area]bool{}
	for _, r := range v.rules {
		if seen[r.Area] {
			continue
		}
		if len(seen) > 0 {
			b = append(b, ',')
		}
		seen[r.Area] = true
		b = append(b, `{"area":`...)
		b = appendHTMLString(b, string(r.Area))
		b = append(b, `,"title":`...)
		b = appendHTMLString(b, areaTitle(r.Area))
		b = append(b, '}')
	}
	b = append(b, `],"rules":[`...)
	for i, r := range v.rules {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendHTMLString(b, r.ID)
		b = append(b, `,"title":`...)
		b = appendHTMLString(b, r.Title)
		b = append(b, `,"area":`...)
		b = appendHTMLString(b, string(r.Area))
		b = append(b, `,"help":`...)
		b = appendHTMLString(b, v.help[r.ID])
		b = append(b, '}')
	}
	b = append(b, `],"findings":`...)
	b = v.appendRows(b, v.in.Findings)
	b = append(b, `,"suppressed":`...)
	b = v.appendRows(b, v.in.Suppressed)
	// The strings last: the rows intern them.
	b = append(b, `,"strings":[`...)
	for i, s := range v.strs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = appendHTMLString(b, s)
	}
	return append(b, "]}"...)
}

// appendRows appends the findings as arrays of the fields page.js reads by position (its
// RULE, SEV ... constants). What repeats from finding to finding (a namespace, the object's
// kind and namespace, a file, a field path, an evidence, a remedy) is an index into the
// interned strings, and a line and a column are numbers: a page of a hundred thousand
// findings is half the size it would be otherwise, and the browser reads it in half the time.
func (v *htmlView) appendRows(b []byte, fs []finding.Finding) []byte {
	b = append(b, '[')
	for i := range fs {
		f := &fs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n') // a row a line, for a reader of the source
		objPrefix, name := v.objectPrefix(f.Object)
		file, line, col, locNote := v.location(f.Location)
		b = append(b, '[')
		for j, n := range [...]int{
			v.ruleIndex[f.RuleID], int(min(max(f.Severity, finding.Info), finding.Critical)), v.intern(namespaceOf(f)),
			objPrefix, -1, v.intern(f.Container), file, line, col, locNote,
			v.intern(f.Path), -1, v.intern(f.Evidence), v.intern(f.Remedy), v.note(f),
		} {
			if j > 0 {
				b = append(b, ',')
			}
			switch j {
			case 4:
				b = appendHTMLString(b, name)
			case 11:
				b = appendHTMLString(b, f.Message)
			default:
				b = strconv.AppendInt(b, int64(n), 10)
			}
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// internJoined interns the text join makes of a and b, which it calls only the first time
// it sees them: the texts a page names over and over (kind/namespace/ of the objects,
// host:file of the locations) cost it one allocation each, not one per finding.
func (v *htmlView) internJoined(tag byte, a, b string, join func() string) int {
	k := joinedKey{tag, a, b}
	if i, ok := v.joined[k]; ok {
		return i
	}
	i := v.intern(join())
	v.joined[k] = i
	return i
}

type joinedKey struct {
	tag  byte
	a, b string
}

// objectPrefix splits an object's name as reports write it (kind/namespace/name) into what
// repeats, kind/namespace/ (interned), and the name.
func (v *htmlView) objectPrefix(o finding.ObjectRef) (prefix int, name string) {
	if o.Name == "" {
		return v.intern(o.String()), ""
	}
	return v.internJoined('o', o.Kind, o.Namespace, func() string {
		s := o.String()
		return s[:len(s)-len(o.Name)]
	}), o.Name
}

// location splits htmlLocation(l) into what repeats, interned (the file, or the host's file,
// or the host, or the context), the line and column (zero when the location is not a
// position in a file), and a note, interned (the chart template, the context of a file).
func (v *htmlView) location(l finding.Location) (file, line, col, note int) {
	at := finding.Location{File: l.File, Host: l.Host, Cluster: l.Cluster}
	file = v.internJoined('f', l.Host, l.File, at.String)
	if l.File != "" && l.Line > 0 {
		line, col = l.Line, max(l.Column, 1)
	}
	note = v.internJoined('n', l.Template, l.Cluster, func() string {
		whole := htmlLocation(at)
		at.Template = l.Template
		return strings.TrimPrefix(htmlLocation(at), whole)
	})
	return file, line, col, note
}

// note interns findingNote(f).
func (v *htmlView) note(f *finding.Finding) int {
	if s := f.Suppression; s != nil {
		return v.internJoined('s', s.Source, s.Reason, func() string { return findingNote(f) })
	}
	return v.intern(findingNote(f))
}

// findingNote is a suppressed finding's suppression, or the other rules an active finding's
// cause breaks.
func findingNote(f *finding.Finding) string {
	if s := f.Suppression; s != nil {
		return s.Source + ": " + s.Reason
	}
	if also := f.AlsoBreaks(); len(also) > 0 {
		return "also breaks " + strings.Join(also, ", ")
	}
	return ""
}

func (v *htmlView) hasBenchmark() bool { return len(v.in.Passed) > 0 || v.in.Command == "node" }

// benchmarkRow is one verdict of the benchmark under one CIS ID.
type benchmarkRow struct {
	cis    string
	status string
	f      *finding.Finding
}

// writeBenchmark is the node benchmark: every verdict (failures, suppressed failures, passes
// and rules that did not apply) under each CIS ID its rule cites, in the benchmark's order.
// A verdict of a rule that cites none is listed last, so that none is left out.
func (v *htmlView) writeBenchmark(b *strings.Builder) {
	in := v.in
	var rows []benchmarkRow
	add := func(fs []finding.Finding, status func(*finding.Finding) string) {
		for i := range fs {
			f := &fs[i]
			ids := cisIDs(v.rules[v.ruleIndex[f.RuleID]])
			if len(ids) == 0 {
				ids = []string{""}
			}
			for _, id := range ids {
				rows = append(rows, benchmarkRow{cis: id, status: status(f), f: f})
			}
		}
	}
	add(in.Findings, func(*finding.Finding) string { return "fail" })
	add(in.Suppressed, func(*finding.Finding) string { return "fail" })
	add(in.Passed, func(f *finding.Finding) string {
		if f.Status == finding.NotApplicable {
			return string(finding.NotApplicable)
		}
		return string(finding.Pass)
	})
	slices.SortStableFunc(rows, func(a, b benchmarkRow) int {
		return cmp.Or(compareCIS(a.cis, b.cis), cmp.Compare(a.f.Location.Host, b.f.Location.Host), cmp.Compare(a.f.RuleID, b.f.RuleID))
	})
	fmt.Fprintf(b, "<section class=\"tab\" id=\"tab-benchmark\" hidden>\n<p>%d failed, %d passed, %d not applicable, by CIS Kubernetes Benchmark ID.</p>\n",
		len(in.Findings)+len(in.Suppressed), v.s.passed, v.s.notApplicable)
	b.WriteString("<table id=\"benchmark\">\n<thead><tr><th>CIS ID</th><th>Status</th><th>Rule</th><th>Where</th><th>Result</th></tr></thead>\n<tbody>\n")
	for _, r := range rows {
		f := r.f
		cis := r.cis
		if cis == "" {
			cis = "(none)"
		}
		status := r.status
		if f.Suppression != nil {
			status += " (suppressed)"
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td class=\"status-%s\">%s</td><td class=\"rule\" title=\"%s\">%s</td><td class=\"loc\">%s</td><td>%s",
			html.EscapeString(cis), r.status, status, html.EscapeString(f.Title), html.EscapeString(f.RuleID),
			html.EscapeString(htmlLocation(f.Location)), html.EscapeString(f.Message))
		if f.Evidence != "" {
			b.WriteString("<div class=\"detail\"><b>Evidence: </b><code>" + html.EscapeString(f.Evidence) + "</code></div>")
		}
		b.WriteString("</td></tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</section>\n")
}

// cisIDs are the CIS Benchmark IDs a rule cites.
func cisIDs(r *rules.Rule) []string {
	var ids []string
	for _, ref := range r.References {
		if ref.Kind == "CIS" && ref.ID != "" {
			ids = append(ids, ref.ID)
		}
	}
	return ids
}

// compareCIS orders CIS IDs as the benchmark does, part by part as numbers (1.2.9 before
// 1.2.10); an empty ID last.
func compareCIS(a, b string) int {
	if (a == "") != (b == "") {
		if a == "" {
			return 1
		}
		return -1
	}
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, errA := strconv.Atoi(pa[i])
		nb, errB := strconv.Atoi(pb[i])
		if c := cmp.Compare(pa[i], pb[i]); errA != nil || errB != nil {
			if c != 0 {
				return c
			}
		} else if c := cmp.Compare(na, nb); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

// Reachability is what the NetworkPolicies of a scanned input allow, per namespace, as the
// HTML report shows it; `palisade netpol` lists and draws the connections themselves.
type Reachability struct {
	// Namespaces are sorted by name.
	Namespaces []NamespaceReachability
	// Classes is how many classes of workloads (workloads with the same connections) the
	// engine found; CrossNamespace is false when they were too many to count
	// FromOtherNamespaces, which is then left at zero and shown as not counted.
	Classes        int
	CrossNamespace bool
	// Problems are what the policies say that the reachability engine cannot read.
	Problems []string
}

// NamespaceReachability counts, for one namespace, its workloads and NetworkPolicies and how
// many of its workloads other namespaces and addresses outside the cluster may reach, and how
// many may reach outside.
type NamespaceReachability struct {
	Namespace           string
	Workloads, Policies int
	FromOtherNamespaces int
	FromOutside         int
	ToOutside           int
}

func writeReachability(b *strings.Builder, r *Reachability) {
	b.WriteString("<section class=\"tab\" id=\"tab-reachability\" hidden>\n<p>What the NetworkPolicies of the input allow, per namespace: how many workloads a workload of another namespace, or an address outside the cluster, may open a connection to, and how many may open one outside. <code>palisade netpol -o html</code> draws every allowed connection and explains it.</p>\n")
	for _, p := range r.Problems {
		b.WriteString("<p class=\"banner\">warning: " + html.EscapeString(p) + "</p>\n")
	}
	b.WriteString("<table id=\"reachability\">\n<thead><tr><th>Namespace</th><th>Workloads</th><th>NetworkPolicies</th><th>Reachable from other namespaces</th><th>Reachable from outside the cluster</th><th>May reach outside the cluster</th></tr></thead>\n<tbody>\n")
	if !r.CrossNamespace {
		fmt.Fprintf(b, "<p class=\"banner\" id=\"reachability-note\">The workloads fall in %d classes (workloads alike for every policy), too many to count here which ones other namespaces may reach: <code>palisade netpol --to NAMESPACE/*/*</code> lists them.</p>\n", r.Classes)
	}
	for _, n := range r.Namespaces {
		other := "not counted"
		if r.CrossNamespace {
			other = strconv.Itoa(n.FromOtherNamespaces)
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%s</td><td>%d</td><td>%d</td></tr>\n",
			html.EscapeString(n.Namespace), n.Workloads, n.Policies, other, n.FromOutside, n.ToOutside)
	}
	b.WriteString("</tbody>\n</table>\n</section>\n")
}
