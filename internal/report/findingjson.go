package report

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"palisade.dev/palisade/internal/finding"
)

// appendFinding appends the indented JSON of one finding, exactly as json.Encoder with
// SetEscapeHTML(false) and SetIndent(indent, "  ") writes toJSONFinding(f), without its
// reflection and re-indenting pass: a report of a hundred thousand findings spends most of its
// encoding time there otherwise. On 100,000 findings it takes about 0.36 s of CPU where
// encoding/json takes 0.95 s, 2.6 times less, a gain a user waits for (BenchmarkFindingsJSON,
// one core: go test ./internal/report -run '^$' -bench FindingsJSON -cpu 1, with
// -cpuprofile for the CPU time). TestFindingEncoderMatchesEncodingJSON, FuzzFindingEncoder
// and TestFindingsArrayIsTheSameEitherWay hold the two to the same bytes.
func appendFinding(b []byte, f *finding.Finding, indent string) []byte {
	w := objWriter{b: b, indent: deeper(indent)}
	w.b = append(w.b, '{')
	w.key("fingerprint")
	w.b = appendFingerprint(w.b, f)
	w.str("rule", f.RuleID, false)
	w.str("title", f.Title, false)
	w.str("severity", f.Severity.String(), false)
	w.key("object")
	w.b = appendObjectRef(w.b, f.Object, w.indent)
	w.str("container", f.Container, true)
	w.str("path", f.Path, true)
	if f.Location != (finding.Location{}) {
		w.key("location")
		w.b = appendLocation(w.b, f.Location, w.indent)
	}
	if f.ObjectAt.Known {
		w.key("objectLocation")
		w.b = appendLocation(w.b, f.ObjectLocation(), w.indent)
	}
	w.str("message", f.Message, false)
	w.str("evidence", f.Evidence, true)
	w.str("remedy", f.Remedy, true)
	if fix := finding.Changes(f.Fix); len(fix) > 0 {
		w.key("fix")
		w.b = appendFix(w.b, fix, w.indent)
	}
	if also := f.AlsoBreaks(); len(also) > 0 {
		w.key("alsoBreaks")
		w.b = appendStrings(w.b, also, w.indent)
	}
	if s := f.Suppression; s != nil {
		w.key("suppression")
		inner := objWriter{b: w.b, indent: deeper(w.indent)}
		inner.b = append(inner.b, '{')
		inner.str("source", s.Source, false)
		inner.str("reason", s.Reason, false)
		w.b = inner.close()
	}
	w.str("status", string(f.Status), true)
	return w.close()
}

// spaces is the indentation deeper returns slices of.
const spaces = "                                                                "

// deeper is indent and two spaces more: a slice of spaces when indent is spaces alone, which
// the members of every finding in a report are, so that no indentation is allocated.
func deeper(indent string) string {
	if n := len(indent) + 2; n <= len(spaces) && indent == spaces[:len(indent)] {
		return spaces[:n]
	}
	return indent + "  "
}

// objWriter writes the members of one indented JSON object.
type objWriter struct {
	b      []byte
	indent string // of the members
	n      int
}

func (w *objWriter) key(k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.indent...)
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':', ' ')
}

// str writes a string member, left out when empty and omitEmpty.
func (w *objWriter) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	w.key(k)
	w.b = appendString(w.b, v)
}

func (w *objWriter) int(k string, v int) {
	if v == 0 {
		return // every integer member is omitempty
	}
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

// close ends the object: "{}" when it has no member.
func (w *objWriter) close() []byte {
	if w.n == 0 {
		return append(w.b, '}')
	}
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.indent[:len(w.indent)-2]...)
	return append(w.b, '}')
}

func appendObjectRef(b []byte, r finding.ObjectRef, indent string) []byte {
	w := objWriter{b: append(b, '{'), indent: deeper(indent)}
	w.str("apiVersion", r.APIVersion, true)
	w.str("kind", r.Kind, true)
	w.str("namespace", r.Namespace, true)
	w.str("name", r.Name, true)
	return w.close()
}

func appendLocation(b []byte, l finding.Location, indent string) []byte {
	w := objWriter{b: append(b, '{'), indent: deeper(indent)}
	w.str("file", l.File, true)
	w.int("document", l.Document)
	w.int("line", l.Line)
	w.int("column", l.Column)
	w.str("template", l.Template, true)
	w.str("host", l.Host, true)
	w.str("cluster", l.Cluster, true)
	return w.close()
}

// appendStrings writes a list of strings.
func appendStrings(b []byte, ss []string, indent string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = append(b, indent+"  "...)
		b = appendString(b, s)
	}
	b = append(b, '\n')
	b = append(b, indent...)
	return append(b, ']')
}

// appendFix writes the patches; a patch's value is any JSON, encoded by encoding/json.
func appendFix(b []byte, fix []finding.Patch, indent string) []byte {
	b = append(b, '[')
	for i, p := range fix {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = append(b, indent+"  "...)
		w := objWriter{b: append(b, '{'), indent: indent + "    "}
		w.str("path", p.Path, false)
		if p.Value != nil {
			w.key("value")
			w.b = appendValue(w.b, p.Value, w.indent)
		}
		if p.Remove {
			w.key("remove")
			w.b = append(w.b, "true"...)
		}
		w.str("rename", p.Rename, true)
		b = w.close()
	}
	b = append(b, '\n')
	b = append(b, indent...)
	return append(b, ']')
}

// appendValue encodes any value as json.Encoder would at this indentation.
func appendValue(b []byte, v any, indent string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(indent, "  ")
	if err := enc.Encode(v); err != nil {
		return append(b, "null"...)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does without HTML escaping: control characters,
// quotes and backslashes escaped, U+2028 and U+2029 escaped, invalid UTF-8 replaced by
// U+FFFD.
func appendString(b []byte, s string) []byte { return appendQuoted(b, s, false) }

// appendHTMLString quotes s as encoding/json does with HTML escaping: as appendString, and <,
// > and & as \u003c, \u003e and \u0026, so that the string can close no script element
// and open no comment in the page it is written into.
func appendHTMLString(b []byte, s string) []byte { return appendQuoted(b, s, true) }

func appendQuoted(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && !(escapeHTML && (c == '<' || c == '>' || c == '&')) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
