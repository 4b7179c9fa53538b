package finding

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Errors are published: CI attaches text, JSON and SARIF reports to pull requests. A manifest
// folder may hold any file (an .env file named .yaml, a key pasted into a ConfigMap), so an
// error never quotes a value of the input: it describes it by type and length. The one
// exception is a name, which an error needs to be useful and which reports show anyway (the
// kind, the object's name, a field or a label key): text is shown only when it has the shape
// of a name (IsName), else it too is described.

// IsName reports whether text of the input may be shown in a message: at most 63 bytes of
// ASCII letters, digits, ".", "-" and "/", starting with a letter, with at most 8 digits in
// all, and no part between separators longer than 12 bytes that holds a digit or no
// lower-case letter. Kinds, field names, object names and label keys have that shape; keys,
// tokens and passwords ("ghp_...", AKIA..., base64, hex, UUIDs) do not, nor does prose.
func IsName(s string) bool {
	if len(s) == 0 || len(s) > 63 || !isLetter(s[0]) {
		return false
	}
	digits, part, partDigit, partLower := 0, 0, false, false
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' || s[i] == '-' || s[i] == '/' {
			if part > 12 && (partDigit || !partLower) {
				return false
			}
			part, partDigit, partLower = 0, false, false
			continue
		}
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			partLower = true
		case isLetter(c):
		case c >= '0' && c <= '9':
			digits++
			partDigit = true
		default:
			return false
		}
		part++
	}
	return digits <= 8
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// DescribeName returns s when it has the shape of a name, else its description.
func DescribeName(s string) string {
	if IsName(s) {
		return s
	}
	return "(" + DescribeString(s) + ")"
}

// DescribeString describes a string of the input by its length.
func DescribeString(s string) string {
	switch n := utf8.RuneCountInString(s); n {
	case 0:
		return "an empty string"
	case 1:
		return "a string of 1 character"
	default:
		return fmt.Sprintf("a string of %d characters", n)
	}
}

// DescribePath renders a field path (spec.containers[0].env, metadata.labels[key]) with each
// key that has not the shape of a name described instead. A path that cannot be read back
// into its parts is described from the first part that cannot.
func DescribePath(path string) string {
	var b strings.Builder
	rest := path
	for rest != "" {
		switch {
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return b.String() + "(" + DescribeString(rest) + ")"
			}
			key := rest[1:end]
			if isIndex(key) || IsName(key) {
				b.WriteString("[" + key + "]")
			} else {
				b.WriteString("[(" + DescribeString(key) + ")]")
			}
			rest = rest[end+1:]
		case rest[0] == '.' && b.Len() > 0:
			b.WriteByte('.')
			rest = rest[1:]
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			key := rest[:end]
			if IsName(key) {
				b.WriteString(key)
			} else {
				b.WriteString("(" + DescribeString(key) + ")")
			}
			rest = rest[end:]
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// StripQuoted returns a parser's message with the input it quotes ('x', "x" or `x`)
// described: what a parser quotes is often a piece of the input. Short punctuation ("expected
// ',' or ']'") and names stay as they are.
func StripQuoted(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); i++ {
		q := msg[i]
		if q != '\'' && q != '"' && q != '`' {
			b.WriteByte(q)
			continue
		}
		end := strings.IndexByte(msg[i+1:], q)
		if end < 0 {
			b.WriteString(msg[i:])
			break
		}
		inner := msg[i+1 : i+1+end]
		if IsName(inner) || isPunctuation(inner) {
			b.WriteString(msg[i : i+end+2])
		} else {
			b.WriteString("(" + DescribeString(inner) + ")")
		}
		i += end + 1
	}
	return b.String()
}

func isPunctuation(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || isLetter(c) || c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

// Quote is strconv.Quote for the names messages quote (containers, namespaces, images): one
// allocation for a name of printable ASCII without quotes or backslashes, which is what
// Kubernetes names are, and strconv.Quote's escaping for anything else.
func Quote(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.Quote(s)
		}
	}
	return `"` + s + `"`
}
