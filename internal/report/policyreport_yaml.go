package report

import (
	"bufio"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The policy report is written as YAML by hand, field by field in the API's order: its shape is
// fixed, and a general YAML encoder keeps every event of a document until the document ends,
// tens of kilobytes per result, which a report of thousands of results cannot afford. A string
// is written plain when no YAML reader (1.1, as kubectl's, or 1.2) can read it as anything but
// that string, and double-quoted otherwise.

// writeYAML writes a report as one YAML document without a "---" line. Errors are the
// writer's, which its Flush returns.
func (r *prReport) writeYAML(w *bufio.Writer) {
	y := &yamlOut{w: w}
	y.field(0, "apiVersion", r.APIVersion)
	y.field(0, "kind", r.Kind)
	y.key(0, "metadata")
	y.field(2, "name", r.Metadata.Name)
	y.fieldOmitEmpty(2, "namespace", r.Metadata.Namespace)
	y.stringMap(2, "labels", r.Metadata.Labels)
	if len(r.Metadata.Annotations) > 0 {
		y.stringMap(2, "annotations", r.Metadata.Annotations)
	}
	y.fieldOmitEmpty(0, "source", r.Source)
	y.key(0, "summary")
	for _, c := range []struct {
		name string
		n    int
	}{{"pass", r.Summary.Pass}, {"fail", r.Summary.Fail}, {"warn", r.Summary.Warn}, {"error", r.Summary.Error}, {"skip", r.Summary.Skip}} {
		y.number(2, c.name, int64(c.n))
	}
	if len(r.Results) == 0 {
		w.WriteString("results: []\n")
		return
	}
	y.key(0, "results")
	for i := range r.Results {
		y.result(&r.Results[i])
	}
}

// result writes one result as an item of the results sequence.
func (y *yamlOut) result(res *prResult) {
	y.w.WriteString("  - ")
	y.scalarField("policy", res.Policy)
	const in = 4
	y.fieldOmitEmpty(in, "rule", res.Rule)
	y.field(in, "result", res.Result)
	y.fieldOmitEmpty(in, "severity", res.Severity)
	y.fieldOmitEmpty(in, "category", res.Category)
	y.fieldOmitEmpty(in, "message", res.Message)
	y.field(in, "source", res.Source)
	y.indent(in)
	y.w.WriteString("scored: " + strconv.FormatBool(res.Scored) + "\n")
	if t := res.Timestamp; t != nil {
		y.key(in, "timestamp")
		y.number(in+2, "seconds", t.Seconds)
		y.number(in+2, "nanos", int64(t.Nanos))
	}
	if len(res.Resources) > 0 {
		y.key(in, "resources")
		for _, o := range res.Resources {
			y.objectRef(in+2, o)
		}
	}
	if len(res.Properties) > 0 {
		y.stringMap(in, "properties", res.Properties)
	}
}

// objectRef writes an object reference as a sequence item at indent.
func (y *yamlOut) objectRef(indent int, o prObjectRef) {
	first := true
	for _, f := range [...]struct{ key, value string }{{"apiVersion", o.APIVersion}, {"kind", o.Kind}, {"namespace", o.Namespace}, {"name", o.Name}, {"uid", o.UID}} {
		if f.value == "" {
			continue
		}
		if first {
			y.indent(indent)
			y.w.WriteString("- ")
			first = false
		} else {
			y.indent(indent + 2)
		}
		y.scalarField(f.key, f.value)
	}
	if first { // a reference with no field at all
		y.indent(indent)
		y.w.WriteString("- {}\n")
	}
}

// yamlOut writes YAML block mappings and sequences.
type yamlOut struct {
	w    *bufio.Writer
	keys []string // room to sort a mapping's keys in
}

func (y *yamlOut) indent(n int) {
	for range n {
		y.w.WriteByte(' ')
	}
}

// key writes a key that a nested mapping or sequence follows.
func (y *yamlOut) key(indent int, k string) {
	y.indent(indent)
	y.w.WriteString(k)
	y.w.WriteString(":\n")
}

func (y *yamlOut) field(indent int, k, v string) {
	y.indent(indent)
	y.scalarField(k, v)
}

func (y *yamlOut) fieldOmitEmpty(indent int, k, v string) {
	if v != "" {
		y.field(indent, k, v)
	}
}

func (y *yamlOut) number(indent int, k string, n int64) {
	y.indent(indent)
	y.w.WriteString(k)
	y.w.WriteString(": ")
	y.w.WriteString(strconv.FormatInt(n, 10))
	y.w.WriteByte('\n')
}

// scalarField writes "key: value" and a line break where the line has begun.
func (y *yamlOut) scalarField(k, v string) {
	y.scalar(k)
	y.w.WriteString(": ")
	y.scalar(v)
	y.w.WriteByte('\n')
}

// stringMap writes a mapping of strings, keys in order, or "{}" when it is empty.
func (y *yamlOut) stringMap(indent int, k string, m map[string]string) {
	if len(m) == 0 {
		y.indent(indent)
		y.w.WriteString(k + ": {}\n")
		return
	}
	y.key(indent, k)
	y.keys = y.keys[:0]
	for mk := range m {
		y.keys = append(y.keys, mk)
	}
	slices.Sort(y.keys)
	for _, mk := range y.keys {
		y.field(indent+2, mk, m[mk])
	}
}

// scalar writes a string, plain when that reads back as the same string, else double-quoted.
func (y *yamlOut) scalar(s string) {
	if plainYAML(s) {
		y.w.WriteString(s)
		return
	}
	y.w.Write(strconv.AppendQuote(y.w.AvailableBuffer(), s))
}

// yamlWords are the plain scalars a YAML 1.1 or 1.2 reader takes for a boolean or null, in
// lower case (readers accept some other cases; the comparison ignores case).
var yamlWords = []string{"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}

// plainYAML reports whether a string can be written as a plain scalar: it begins with a
// letter, '/' or '_' (never an indicator, a digit or a sign, so never a number, a date, an
// alias or a tag), holds only printable characters and neither of the two sequences that end a
// plain scalar in block context (": " and " #", YAML 1.2 section 7.3.3), does not end in ':'
// or a space, and is not a word that reads as a boolean or null. Anything else is quoted,
// which is always right.
func plainYAML(s string) bool {
	if s == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(first) && first != '/' && first != '_' {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") || strings.HasSuffix(s, " ") {
		return false
	}
	return !slices.ContainsFunc(yamlWords, func(w string) bool { return strings.EqualFold(s, w) })
}
