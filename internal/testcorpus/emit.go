package testcorpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The corpus builds each object as a small ordered tree that also records how its parts are
// to be written (quoting, flow or block style, comments, anchors), then writes the tree as
// YAML or JSON. Values are string, int, bool, mapping, sequence, styled, flow, anchored and
// alias.

// mapping is a map whose keys keep the order they were added in.
type mapping []field

// field is one key of a mapping.
type field struct {
	key   string
	value any
	// head is a comment written on its own line(s) above the key; tail a comment after the
	// key's line (after the value when it is a scalar).
	head, tail string
}

// add appends a key; it returns the mapping for chaining.
func (m *mapping) add(key string, value any) *mapping {
	*m = append(*m, field{key: key, value: value})
	return m
}

// get returns the value of key, or nil.
func (m mapping) get(key string) any {
	for _, f := range m {
		if f.key == key {
			return f.value
		}
	}
	return nil
}

// comment sets the head comment of key.
func (m mapping) comment(key, text string) {
	for i := range m {
		if m[i].key == key {
			m[i].head = text
			return
		}
	}
}

// sequence is a YAML sequence (a JSON array).
type sequence []any

// scalarStyle is how a string is written in YAML.
type scalarStyle uint8

const (
	styleAuto    scalarStyle = iota // plain when that reads back as the same string, else double-quoted
	styleSingle                     // 'single-quoted'
	styleDouble                     // "double-quoted", with escapes
	styleLiteral                    // | block, lines kept
	styleFolded                     // > block, lines folded into spaces
)

// styled is a string written in a chosen style. Literal and folded strings must be what
// that style can carry: lines without leading or trailing blanks, at most one final newline.
type styled struct {
	s     string
	style scalarStyle
}

// flow is a mapping or sequence written on one line: {a: 1, b: [x, y]}.
type flow struct{ v any }

// anchored is a value that later aliases repeat (&name).
type anchored struct {
	name string
	v    any
}

// alias repeats an anchored value (*name); v is that value, which JSON writes out in full.
type alias struct {
	name string
	v    any
}

// yamlWriter writes one YAML document.
type yamlWriter struct {
	b *bytes.Buffer
	// indentLists writes a block sequence two spaces deeper than its key (as kubectl does
	// not, and many hand-written manifests do).
	indentLists bool
	// general records that the document used anchors or aliases, which readers limited to
	// the block-style subset of YAML do not decode.
	general bool
}

func (w *yamlWriter) document(m mapping) { w.mapBody(m, "", "") }

func (w *yamlWriter) comment(ind, text string) {
	for _, line := range strings.Split(text, "\n") {
		w.b.WriteString(ind)
		w.b.WriteString("# ")
		w.b.WriteString(line)
		w.b.WriteByte('\n')
	}
}

// mapBody writes m's keys at indentation ind; the first key's line starts with first
// instead (the "- " of a sequence item), and its head comment goes above that line.
func (w *yamlWriter) mapBody(m mapping, ind, first string) {
	for i, f := range m {
		lead := ind
		if i == 0 {
			lead = first
		}
		if f.head != "" {
			cind := lead
			if strings.HasSuffix(lead, "- ") {
				cind = strings.Repeat(" ", len(lead)-2)
			}
			w.comment(cind, f.head)
		}
		w.b.WriteString(lead)
		w.b.WriteString(yamlKey(f.key))
		w.b.WriteByte(':')
		w.value(f.value, ind, f.tail)
	}
}

// value writes what follows "key:" (or "-") on its line and the lines below it; ind is the
// indentation of the key (or dash).
func (w *yamlWriter) value(v any, ind, tail string) {
	end := func() {
		if tail != "" {
			w.b.WriteString("  # ")
			w.b.WriteString(tail)
		}
		w.b.WriteByte('\n')
	}
	switch v := v.(type) {
	case anchored:
		w.general = true
		w.b.WriteString(" &")
		w.b.WriteString(v.name)
		switch v.v.(type) {
		case mapping, sequence:
			if isEmpty(v.v) {
				w.value(v.v, ind, tail)
				return
			}
			end()
			w.block(v.v, ind)
		default:
			w.value(v.v, ind, tail)
		}
	case alias:
		w.general = true
		w.b.WriteString(" *")
		w.b.WriteString(v.name)
		end()
	case mapping, sequence:
		if isEmpty(v) {
			w.b.WriteByte(' ')
			w.b.WriteString(flowText(v))
			end()
			return
		}
		end()
		w.block(v, ind)
	case flow:
		w.b.WriteByte(' ')
		w.b.WriteString(flowText(v.v))
		end()
	case styled:
		if v.style == styleLiteral || v.style == styleFolded {
			w.blockScalar(v, ind)
			return
		}
		w.b.WriteByte(' ')
		w.b.WriteString(scalarText(v, false))
		end()
	default:
		w.b.WriteByte(' ')
		w.b.WriteString(scalarText(v, false))
		end()
	}
}

// block writes a non-empty mapping or sequence below a key (or dash) at indentation ind.
func (w *yamlWriter) block(v any, ind string) {
	switch v := v.(type) {
	case mapping:
		w.mapBody(v, ind+"  ", ind+"  ")
	case sequence:
		if w.indentLists {
			ind += "  "
		}
		w.seqBody(v, ind)
	}
}

func (w *yamlWriter) seqBody(s sequence, ind string) {
	for _, item := range s {
		switch it := item.(type) {
		case mapping:
			if len(it) > 0 {
				w.mapBody(it, ind+"  ", ind+"- ")
				continue
			}
		case anchored:
			if m, ok := it.v.(mapping); ok && len(m) > 0 {
				w.general = true
				w.b.WriteString(ind + "- &" + it.name + "\n")
				w.mapBody(m, ind+"  ", ind+"  ")
				continue
			}
		case sequence:
			panic("testcorpus: a sequence directly in a sequence")
		}
		w.b.WriteString(ind)
		w.b.WriteByte('-')
		w.value(item, ind, "")
	}
}

// blockScalar writes a literal (|) or folded (>) scalar after its key.
func (w *yamlWriter) blockScalar(v styled, ind string) {
	text, chomp := v.s, "-"
	if strings.HasSuffix(text, "\n") {
		text, chomp = strings.TrimSuffix(text, "\n"), ""
	}
	indicator := "|"
	if v.style == styleFolded {
		indicator = ">"
	}
	w.b.WriteString(" " + indicator + chomp + "\n")
	var lines []string
	if v.style == styleFolded {
		lines = fold(text, 64)
	} else {
		lines = strings.Split(text, "\n")
	}
	for _, line := range lines {
		if line != "" {
			w.b.WriteString(ind + "  " + line)
		}
		w.b.WriteByte('\n')
	}
}

// fold breaks one line of words into lines of about width characters, which a folded
// scalar joins back with single spaces.
func fold(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case mapping:
		return len(v) == 0
	case sequence:
		return len(v) == 0
	}
	return false
}

func yamlKey(k string) string {
	if k == "<<" || plainSafe(k, false) {
		return k
	}
	return doubleQuoted(k)
}

// flowText writes a value on one line in flow style.
func flowText(v any) string {
	switch v := v.(type) {
	case mapping:
		parts := make([]string, len(v))
		for i, f := range v {
			k := f.key
			if !plainSafe(k, true) {
				k = doubleQuoted(k)
			}
			parts[i] = k + ": " + flowText(f.value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case sequence:
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = flowText(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case flow:
		return flowText(v.v)
	}
	return scalarText(v, true)
}

func scalarText(v any, inFlow bool) string {
	switch v := v.(type) {
	case string:
		if plainSafe(v, inFlow) {
			return v
		}
		return doubleQuoted(v)
	case styled:
		switch v.style {
		case styleSingle:
			return "'" + strings.ReplaceAll(v.s, "'", "''") + "'"
		case styleDouble:
			return doubleQuoted(v.s)
		}
		return scalarText(v.s, inFlow)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	panic(fmt.Sprintf("testcorpus: no scalar form for %T", v))
}

func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// reserved are plain words YAML 1.1 or 1.2 reads as booleans or null.
var reserved = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "~": true,
}

// plainSafe reports whether s may be written unquoted and still read back as this string
// (never as a number, boolean, null or timestamp). It is deliberately stricter than YAML.
func plainSafe(s string, inFlow bool) bool {
	if s == "" || reserved[strings.ToLower(s)] {
		return false
	}
	c := s[0]
	if !(isAlnum(c) || c == '_' || c == '/') {
		return false
	}
	if numberLike(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlnum(c) || strings.IndexByte("_./@-=+%", c) >= 0:
		case c == ':':
			if inFlow || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case c == ' ':
			if inFlow || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case c == ',':
			if inFlow {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// numberLike reports whether s might resolve as a number, date or time: it starts like one
// and holds nothing but what those are written with.
func numberLike(s string) bool {
	if !(s[0] >= '0' && s[0] <= '9' || strings.IndexByte("+-.", s[0]) >= 0) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("0123456789abcdefABCDEFxXoO_.:+-", s[i]) < 0 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// jsonWriter writes one document as JSON, indented or on one line.
type jsonWriter struct {
	b      *bytes.Buffer
	indent bool
}

func (j *jsonWriter) document(m mapping) {
	j.value(m, "")
	j.b.WriteByte('\n')
}

func (j *jsonWriter) value(v any, ind string) {
	switch v := v.(type) {
	case anchored:
		j.value(v.v, ind)
	case alias:
		j.value(v.v, ind)
	case flow:
		j.value(v.v, ind)
	case styled:
		j.value(v.s, ind)
	case string:
		q, _ := json.Marshal(v)
		j.b.Write(q)
	case int:
		j.b.WriteString(strconv.Itoa(v))
	case bool:
		j.b.WriteString(strconv.FormatBool(v))
	case mapping:
		j.object(merged(v), ind)
	case sequence:
		if len(v) == 0 {
			j.b.WriteString("[]")
			return
		}
		j.b.WriteByte('[')
		for i, item := range v {
			j.sep(i, ind+"  ")
			j.value(item, ind+"  ")
		}
		j.close(ind, ']')
	default:
		panic(fmt.Sprintf("testcorpus: no JSON form for %T", v))
	}
}

func (j *jsonWriter) object(m mapping, ind string) {
	if len(m) == 0 {
		j.b.WriteString("{}")
		return
	}
	j.b.WriteByte('{')
	for i, f := range m {
		j.sep(i, ind+"  ")
		q, _ := json.Marshal(f.key)
		j.b.Write(q)
		j.b.WriteByte(':')
		if j.indent {
			j.b.WriteByte(' ')
		}
		j.value(f.value, ind+"  ")
	}
	j.close(ind, '}')
}

func (j *jsonWriter) sep(i int, ind string) {
	if i > 0 {
		j.b.WriteByte(',')
	}
	if j.indent {
		j.b.WriteString("\n" + ind)
	}
}

func (j *jsonWriter) close(ind string, c byte) {
	if j.indent {
		j.b.WriteString("\n" + ind)
	}
	j.b.WriteByte(c)
}

// merged resolves a YAML merge key (<<: *alias): the aliased mapping's keys that m does not
// set itself, then m's own keys.
func merged(m mapping) mapping {
	var base mapping
	for _, f := range m {
		if f.key == "<<" {
			if a, ok := f.value.(alias); ok {
				base, _ = a.v.(mapping)
			}
		}
	}
	if base == nil {
		return m
	}
	out := make(mapping, 0, len(base)+len(m))
	for _, f := range base {
		if m.get(f.key) == nil {
			out = append(out, f)
		}
	}
	for _, f := range m {
		if f.key != "<<" {
			out = append(out, f)
		}
	}
	return out
}
