package report

import (
	"bufio"
	"strconv"
	"strings"
	"unicode/utf8"
)

// junitWriter writes the JUnit document by hand, as encoding/xml's Encoder with Indent("", "  ")
// writes the model (junitSuites): attributes in field order, empty elements closed on their
// line, text as CDATA. It buffers up to a flush, so that the document is written in pieces.
type junitWriter struct {
	w *bufio.Writer
	b []byte
}

// flushThreshold is how much the writer holds before it writes.
const flushThreshold = 256 << 10

func (jw *junitWriter) flushIfFull() error {
	if len(jw.b) < flushThreshold {
		return nil
	}
	_, err := jw.w.Write(jw.b)
	jw.b = jw.b[:0]
	return err
}

// raw writes bytes already made, such as cases written aside.
func (jw *junitWriter) raw(b []byte) error {
	jw.b = append(jw.b, b...)
	return jw.flushIfFull()
}

func (jw *junitWriter) flush() error {
	if _, err := jw.w.Write(jw.b); err != nil {
		return err
	}
	jw.b = jw.b[:0]
	return jw.w.Flush()
}

// attr writes ` name="value"`, the value escaped as encoding/xml escapes attributes.
func (jw *junitWriter) attr(name, value string) {
	jw.b = append(jw.b, ' ')
	jw.b = append(jw.b, name...)
	jw.b = append(jw.b, '=', '"')
	jw.b = appendXMLEscaped(jw.b, value)
	jw.b = append(jw.b, '"')
}

func (jw *junitWriter) intAttr(name string, v int) {
	jw.b = append(jw.b, ' ')
	jw.b = append(jw.b, name...)
	jw.b = append(jw.b, '=', '"')
	jw.b = strconv.AppendInt(jw.b, int64(v), 10)
	jw.b = append(jw.b, '"')
}

func (jw *junitWriter) counts(c junitCounts) {
	jw.intAttr("tests", c.Tests)
	jw.intAttr("failures", c.Failures)
	jw.intAttr("errors", c.Errors)
	jw.intAttr("skipped", c.Skipped)
}

// startSuite writes a suite's start tag and its properties; the caller writes its cases (it
// has at least one) and its end tag.
func (jw *junitWriter) startSuite(name string, c junitCounts, props *junitProperties) {
	jw.b = append(jw.b, "\n  <testsuite"...)
	jw.attr("name", name)
	jw.counts(c)
	jw.attr("time", "0")
	jw.b = append(jw.b, '>')
	if props == nil {
		return
	}
	jw.b = append(jw.b, "\n    <properties>"...)
	for _, p := range props.Property {
		jw.b = append(jw.b, "\n      <property"...)
		jw.attr("name", p.Name)
		jw.attr("value", p.Value)
		jw.b = append(jw.b, "></property>"...)
	}
	if len(props.Property) > 0 {
		jw.b = append(jw.b, "\n    "...)
	}
	jw.b = append(jw.b, "</properties>"...)
}

// testCase writes one case, in its suite.
func (jw *junitWriter) testCase(c junitCase) {
	jw.b = append(jw.b, "\n    <testcase"...)
	jw.attr("name", c.Name)
	jw.attr("classname", c.Classname)
	if c.File != "" {
		jw.attr("file", c.File)
	}
	jw.attr("time", c.Time)
	jw.b = append(jw.b, '>')
	children := false
	outcome := func(tag string, o *junitOutcome) {
		if o == nil {
			return
		}
		children = true
		jw.b = append(jw.b, "\n      <"...)
		jw.b = append(jw.b, tag...)
		jw.attr("message", o.Message)
		jw.attr("type", o.Type)
		jw.b = append(jw.b, '>')
		jw.b = appendCDATA(jw.b, o.Body)
		jw.b = append(jw.b, "</"...)
		jw.b = append(jw.b, tag...)
		jw.b = append(jw.b, '>')
	}
	outcome("failure", c.Failure)
	outcome("error", c.Error)
	if c.Skipped != nil {
		children = true
		jw.b = append(jw.b, "\n      <skipped"...)
		jw.attr("message", c.Skipped.Message)
		jw.b = append(jw.b, "></skipped>"...)
	}
	if c.SystemOut != nil {
		children = true
		jw.b = append(jw.b, "\n      <system-out>"...)
		jw.b = appendCDATA(jw.b, c.SystemOut.Text)
		jw.b = append(jw.b, "</system-out>"...)
	}
	if children {
		jw.b = append(jw.b, "\n    "...)
	}
	jw.b = append(jw.b, "</testcase>"...)
}

// appendXMLEscaped appends s escaped as encoding/xml escapes an attribute value: the five
// markup characters, tab and line breaks as character references, and what XML cannot
// carry (and invalid UTF-8) as U+FFFD.
func appendXMLEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
				break
			}
			continue
		}
		b = append(b, s[last:i-width]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, s[last:]...)
}

// xmlChar reports whether XML 1.0 can carry r.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// appendCDATA appends s as encoding/xml writes a ",cdata" field: nothing when empty, else in
// one CDATA section, split where s itself holds "]]>".
func appendCDATA(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, "<![CDATA["...)
	for {
		before, after, ok := strings.Cut(s, "]]>")
		if !ok {
			break
		}
		b = append(b, before...)
		b = append(b, "]]]]><![CDATA[>"...)
		s = after
	}
	b = append(b, s...)
	return append(b, "]]>"...)
}
