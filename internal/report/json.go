package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"runtime"

	"palisade.dev/palisade/internal/finding"
)

// The JSON report is for programs. Its shape is its own, versioned by JSONSchemaVersion,
// documented in docs/report-json.md and described by docs/report.schema.json; it is built from
// the types below rather than from the internal Finding, so that the internal model can change
// without changing what consumers parse.

// JSONSchemaVersion is the version of the JSON report's schema: the major number changes when
// a field is removed, renamed or changes meaning; the minor number when fields are added.
const JSONSchemaVersion = "1.2"

// JSONSchemaURI names the JSON Schema of the report (docs/report.schema.json).
const JSONSchemaURI = "https://palisade.dev/schemas/report-1.json"

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type jsonSummary struct {
	Findings   int          `json:"findings"`
	BySeverity jsonSeverity `json:"bySeverity"`
	FailOn     string       `json:"failOn"`
	// Failing counts the findings at or above FailOn; Fails is Failing > 0.
	Failing    int  `json:"failing"`
	Fails      bool `json:"fails"`
	Suppressed int  `json:"suppressed"`
	Errors     int  `json:"errors"`
}

// jsonSeverity has one count per severity, all always present.
type jsonSeverity struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Info     int `json:"info"`
}

type jsonFinding struct {
	Fingerprint    string            `json:"fingerprint"`
	Rule           string            `json:"rule"`
	Title          string            `json:"title"`
	Severity       string            `json:"severity"`
	Object         finding.ObjectRef `json:"object"`
	Container      string            `json:"container,omitempty"`
	Path           string            `json:"path,omitempty"`
	Location       *jsonLocation     `json:"location,omitempty"`
	ObjectLocation *jsonLocation     `json:"objectLocation,omitempty"`
	Message        string            `json:"message"`
	Evidence       string            `json:"evidence,omitempty"`
	Remedy         string            `json:"remedy,omitempty"`
	Fix            []jsonPatch       `json:"fix,omitempty"`
	AlsoBreaks     []string          `json:"alsoBreaks,omitempty"`
	Suppression    *jsonSuppression  `json:"suppression,omitempty"`
	Status         string            `json:"status,omitempty"`
}

type jsonLocation struct {
	File     string `json:"file,omitempty"`
	Document int    `json:"document,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Template string `json:"template,omitempty"`
	Host     string `json:"host,omitempty"`
	Cluster  string `json:"cluster,omitempty"`
}

type jsonPatch struct {
	Path   string `json:"path"`
	Value  any    `json:"value,omitempty"`
	Remove bool   `json:"remove,omitempty"`
	Rename string `json:"rename,omitempty"`
}

type jsonSuppression struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// jsonSuppressed is always present: the count and the reasons always, the findings themselves
// only when --show-suppressed lists them (Listed).
type jsonSuppressed struct {
	Count    int                 `json:"count"`
	Reasons  []suppressionReason `json:"reasons"`
	Listed   bool                `json:"listed"`
	Findings []jsonFinding       `json:"findings"`
}

type jsonError struct {
	Message  string             `json:"message"`
	Location *jsonLocation      `json:"location,omitempty"`
	Object   *finding.ObjectRef `json:"object,omitempty"`
}

type jsonStats struct {
	Files     int `json:"files"`
	Documents int `json:"documents"`
	Objects   int `json:"objects"`
	Rules     int `json:"rules"`
}

// writeJSON streams the report: findings are converted and written one at a time, so a scan
// with a hundred thousand findings does not hold a second copy of them, nor their encoding, in
// memory. The bytes are exactly those json.Encoder with a two-space indent would produce for the
// whole report (TestStreamedJSONEqualsTheWholeEncoding holds it to that).
func writeJSON(w io.Writer, in *Input) error {
	s := summarize(in)
	errs := make([]jsonError, 0, len(in.Errors))
	for _, e := range in.Errors {
		je := jsonError{Message: e.Message, Location: newJSONLocation(e.Location)}
		if e.Object != (finding.ObjectRef{}) {
			je.Object = &e.Object
		}
		errs = append(errs, je)
	}
	var suppressed []finding.Finding
	if in.ShowSuppressed {
		suppressed = in.Suppressed
	}
	js := newJSONStream(w)
	js.raw("{\n")
	js.field("$schema", JSONSchemaURI, false)
	js.field("schemaVersion", JSONSchemaVersion, false)
	js.field("tool", jsonTool{Name: ToolName, Version: in.Version}, false)
	js.field("command", in.Command, false)
	js.field("targets", append([]string{}, in.Targets...), false)
	if len(in.Clusters) > 0 {
		js.field("clusters", in.Clusters, false)
	}
	js.field("summary", jsonSummary{
		Findings: s.total,
		BySeverity: jsonSeverity{
			Critical: s.bySeverity[finding.Critical], High: s.bySeverity[finding.High],
			Medium: s.bySeverity[finding.Medium], Low: s.bySeverity[finding.Low], Info: s.bySeverity[finding.Info],
		},
		FailOn:     failOnName(in.FailOn),
		Failing:    s.failing,
		Fails:      s.failing > 0,
		Suppressed: s.suppressed,
		Errors:     s.errors,
	}, false)
	js.raw(`  "findings": `)
	js.findingSeq(in.active(), "  ", func() findingEncoder { return appendFinding })
	js.raw(",\n")
	js.raw("  \"suppressed\": {\n")
	js.indent = "    "
	js.field("count", s.suppressed, false)
	js.field("reasons", append([]suppressionReason{}, s.reasons...), false)
	js.field("listed", in.ShowSuppressed, false)
	js.raw(`    "findings": `)
	js.findings(suppressed, "    ")
	js.raw("\n  },\n")
	js.indent = "  "
	if len(in.Passed) > 0 {
		var listed []finding.Finding
		if in.ShowPassed {
			listed = in.Passed
		}
		js.raw("  \"passed\": {\n")
		js.indent = "    "
		js.field("count", s.passed, false)
		js.field("notApplicable", s.notApplicable, false)
		js.field("listed", in.ShowPassed, false)
		js.raw(`    "results": `)
		js.findings(listed, "    ")
		js.raw("\n  },\n")
		js.indent = "  "
	}
	js.field("errors", errs, false)
	js.field("notApplied", notApplied(in), false)
	js.field("stats", jsonStats{Files: in.Stats.Files, Documents: in.Stats.Documents, Objects: in.Stats.Objects, Rules: len(in.Rules)}, true)
	js.raw("}\n")
	return js.flush()
}

// jsonStream writes a JSON document piece by piece, each value indented as json.Encoder would
// indent it at that depth.
type jsonStream struct {
	w      *bufio.Writer
	buf    bytes.Buffer
	enc    *json.Encoder
	indent string
	err    error
}

func newJSONStream(w io.Writer) *jsonStream {
	js := &jsonStream{w: bufio.NewWriterSize(w, 64<<10), indent: "  "}
	js.enc = json.NewEncoder(&js.buf)
	js.enc.SetEscapeHTML(false)
	return js
}

func (js *jsonStream) raw(s string) {
	if js.err == nil {
		_, js.err = js.w.WriteString(s)
	}
}

// value writes v as it would stand at the given indentation (without a trailing newline).
func (js *jsonStream) value(v any, prefix string) {
	if js.err != nil {
		return
	}
	js.buf.Reset()
	js.enc.SetIndent(prefix, "  ")
	if js.err = js.enc.Encode(v); js.err != nil {
		return
	}
	_, js.err = js.w.Write(bytes.TrimSuffix(js.buf.Bytes(), []byte("\n")))
}

func (js *jsonStream) field(name string, v any, last bool) {
	js.raw(js.indent)
	js.value(name, "")
	js.raw(": ")
	js.value(v, js.indent)
	if last {
		js.raw("\n")
	} else {
		js.raw(",\n")
	}
}

// findings writes a JSON array of findings, each encoded directly (appendFinding).
func (js *jsonStream) findings(fs []finding.Finding, prefix string) {
	js.arrayOf(len(fs), prefix, func(b []byte, from, to int, indent string) chunkResult {
		for i := from; i < to; i++ {
			if i > from {
				b = append(b, ",\n"...)
			}
			b = append(b, indent...)
			b = appendFinding(b, &fs[i], indent)
		}
		return chunkResult{data: b}
	})
}

// findingEncoder appends the JSON of one finding, at an indentation, to b.
type findingEncoder func(b []byte, f *finding.Finding, indent string) []byte

// findingSeq writes a JSON array of the findings of seq, each encoded by an encoder of its
// chunk's (encoders keep state, and each chunk is encoded on a goroutine of its own). It reads them
// a chunk at a time, encodes the chunks on every core, at most a few ahead of the writer, and
// writes them in order: the bytes of a sequential encoding, for the heap of a few chunks.
// When the findings cannot be read, the array is not finished and the error is the stream's.
func (js *jsonStream) findingSeq(seq finding.Seq, prefix string, encoder func() findingEncoder) {
	if js.err != nil {
		return
	}
	if seq.Len() == 0 {
		js.raw("[]")
		return
	}
	js.raw("[\n")
	window := 2 * runtime.GOMAXPROCS(0)
	var queue []chan []byte
	free := make(chan []byte, window)
	written := 0
	write := func() {
		data := <-queue[0]
		queue = queue[1:]
		if written > 0 {
			js.raw(",\n")
		}
		written++
		if js.err == nil {
			_, js.err = js.w.Write(data)
		}
		select {
		case free <- data[:0]:
		default:
		}
	}
	indent := prefix + "  "
	for chunk, err := range seq.Chunks(arrayChunk) {
		if err != nil {
			for len(queue) > 0 {
				<-queue[0]
				queue = queue[1:]
			}
			if js.err == nil {
				js.err = err
			}
			return
		}
		if len(queue) == window {
			write()
		}
		var b []byte
		select {
		case b = <-free:
		default:
		}
		done := make(chan []byte, 1)
		queue = append(queue, done)
		go func() {
			item := encoder()
			for i := range chunk {
				if i > 0 {
					b = append(b, ",\n"...)
				}
				b = append(b, indent...)
				b = item(b, &chunk[i], indent)
			}
			done <- b
		}()
	}
	for len(queue) > 0 {
		write()
	}
	js.raw("\n" + prefix + "]")
}

// arrayChunk is how many items one goroutine encodes at a time.
const arrayChunk = 512

// array writes a JSON array of n items, item(i) giving the value of the i-th. Large arrays are
// encoded on every core, a chunk of items per goroutine, and written in order, at most a few
// chunks ahead of the writer, so the bytes are those of a sequential encoding.
func (js *jsonStream) array(n int, prefix string, item func(i int) any) {
	js.arrayOf(n, prefix, func(b []byte, from, to int, indent string) chunkResult { return encodeChunk(b, from, to, indent, item) })
}

// arrayOf writes a JSON array of n items, encode(b, from, to, indent) appending the bytes of
// items [from, to), separated as in an array, to b. The buffers of the chunks written are
// handed to the chunks encoded next: a report of a hundred thousand findings otherwise
// allocates five times its size growing them.
func (js *jsonStream) arrayOf(n int, prefix string, encode func(b []byte, from, to int, indent string) chunkResult) {
	if js.err != nil {
		return
	}
	if n == 0 {
		js.raw("[]")
		return
	}
	js.raw("[\n")
	chunks := (n + arrayChunk - 1) / arrayChunk
	window := 2 * runtime.GOMAXPROCS(0)
	results := make([]chan chunkResult, chunks)
	free := make(chan []byte, window)
	start := func(c int) {
		var b []byte
		select {
		case b = <-free:
		default:
		}
		results[c] = make(chan chunkResult, 1)
		go func() { results[c] <- encode(b, c*arrayChunk, min(n, (c+1)*arrayChunk), prefix+"  ") }()
	}
	for c := 0; c < min(window, chunks); c++ {
		start(c)
	}
	for c := range chunks {
		r := <-results[c]
		results[c] = nil
		if js.err == nil && r.err != nil {
			js.err = r.err
		}
		if js.err == nil {
			_, js.err = js.w.Write(r.data)
		}
		select {
		case free <- r.data[:0]:
		default:
		}
		if c+window < chunks {
			start(c + window)
		}
		if c < chunks-1 {
			js.raw(",\n")
		}
	}
	js.raw("\n" + prefix + "]")
}

type chunkResult struct {
	data []byte
	err  error
}

// encodeChunk encodes items [from, to) at the given indentation, separated as in an array.
func encodeChunk(b []byte, from, to int, indent string, item func(i int) any) chunkResult {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(indent, "  ")
	for i := from; i < to; i++ {
		if i > from {
			buf.WriteString(",\n")
		}
		buf.WriteString(indent)
		if err := enc.Encode(item(i)); err != nil {
			return chunkResult{err: err}
		}
		buf.Truncate(buf.Len() - 1) // the newline Encode ends with
	}
	return chunkResult{data: buf.Bytes()}
}

func (js *jsonStream) flush() error {
	if js.err != nil {
		return js.err
	}
	return js.w.Flush()
}

// notApplied is the report's coverage notes, an empty list when there are none.
func notApplied(in *Input) []finding.NotApplied {
	return append([]finding.NotApplied{}, in.NotApplied...)
}

func toJSONFinding(f *finding.Finding) jsonFinding {
	jf := jsonFinding{
		Fingerprint:    fingerprint(*f),
		Rule:           f.RuleID,
		Title:          f.Title,
		Severity:       f.Severity.String(),
		Object:         f.Object,
		Container:      f.Container,
		Path:           f.Path,
		Location:       newJSONLocation(f.Location),
		ObjectLocation: newJSONLocation(f.ObjectLocation()),
		Message:        f.Message,
		Evidence:       f.Evidence,
		Remedy:         f.Remedy,
		Status:         string(f.Status),
	}
	for _, p := range finding.Changes(f.Fix) {
		jf.Fix = append(jf.Fix, jsonPatch{Path: p.Path, Value: p.Value, Remove: p.Remove, Rename: p.Rename})
	}
	jf.AlsoBreaks = f.AlsoBreaks()
	if f.Suppression != nil {
		jf.Suppression = &jsonSuppression{Source: f.Suppression.Source, Reason: f.Suppression.Reason}
	}
	return jf
}

func newJSONLocation(l finding.Location) *jsonLocation {
	if l == (finding.Location{}) {
		return nil
	}
	jl := jsonLocation(l)
	return &jl
}
