package fix

import (
	"unicode/utf8"

	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// jsonDoc reads a document written as JSON (an object, as kubectl writes one) into the nodes
// and spans the fast decoder gives a YAML document, from which treeBuilder builds the tree
// yaml.v3 builds for it: JSON is YAML's flow style, its strings double-quoted scalars, its
// numbers, booleans and nulls plain ones. It reads a conservative subset, and false leaves
// the rest to yaml.v3: only spaces and "\n" between tokens, strings of printable ASCII
// with the escapes both read alike, each key on the line of its ":".
type jsonDoc struct {
	text  []byte
	i     int
	nodes []fastyaml.Node
	spans []fastyaml.Span
	buf   []byte
}

// maxJSONDepth keeps nesting far below yaml.v3's limit.
const maxJSONDepth = 500

func (j *jsonDoc) read(text []byte) bool {
	*j = jsonDoc{text: text, nodes: j.nodes[:0], spans: j.spans[:0], buf: j.buf[:0]}
	j.space()
	if j.i == len(text) || text[j.i] != '{' || !j.value(0) {
		return false
	}
	j.space()
	return j.i == len(text)
}

// space skips spaces and line breaks.
func (j *jsonDoc) space() {
	for j.i < len(j.text) && (j.text[j.i] == ' ' || j.text[j.i] == '\n') {
		j.i++
	}
}

// blanks skips spaces on the line.
func (j *jsonDoc) blanks() {
	for j.i < len(j.text) && j.text[j.i] == ' ' {
		j.i++
	}
}

func (j *jsonDoc) add(n fastyaml.Node, at, end int) int {
	j.nodes = append(j.nodes, n)
	j.spans = append(j.spans, fastyaml.Span{At: int32(at), End: int32(end), Key: -1})
	return len(j.nodes) - 1
}

// leaf adds a scalar's node.
func (j *jsonDoc) leaf(n fastyaml.Node, at, end int) {
	n.End = int32(len(j.nodes) + 1)
	j.add(n, at, end)
}

// value reads the value at j.i.
func (j *jsonDoc) value(depth int) bool {
	if depth > maxJSONDepth || j.i >= len(j.text) {
		return false
	}
	at := j.i
	switch c := j.text[at]; {
	case c == '{':
		self := j.add(fastyaml.Node{Kind: fastyaml.Map}, at, at)
		j.i++
		j.space()
		n := 0
		if j.i < len(j.text) && j.text[j.i] == '}' {
			j.i++
		} else {
			for {
				keyAt := j.i
				if keyAt >= len(j.text) || j.text[keyAt] != '"' {
					return false
				}
				key, ok := j.str()
				if !ok || j.i-keyAt > 1000 {
					return false
				}
				j.blanks() // a key and its ":" on one line, as YAML's keys must be
				if j.i >= len(j.text) || j.text[j.i] != ':' {
					return false
				}
				j.i++
				j.space()
				entry := len(j.nodes)
				if !j.value(depth + 1) {
					return false
				}
				j.nodes[entry].Key = key
				j.spans[entry].Key = int32(keyAt)
				n++
				if closed, ok := j.next('}'); !ok {
					return false
				} else if closed {
					break
				}
			}
		}
		j.nodes[self].Len, j.nodes[self].End = int32(n), int32(len(j.nodes))
	case c == '[':
		self := j.add(fastyaml.Node{Kind: fastyaml.List}, at, at)
		j.i++
		j.space()
		n := 0
		if j.i < len(j.text) && j.text[j.i] == ']' {
			j.i++
		} else {
			for {
				if !j.value(depth + 1) {
					return false
				}
				n++
				if closed, ok := j.next(']'); !ok {
					return false
				} else if closed {
					break
				}
			}
		}
		j.nodes[self].Len, j.nodes[self].End = int32(n), int32(len(j.nodes))
	case c == '"':
		s, ok := j.str()
		if !ok {
			return false
		}
		j.leaf(fastyaml.Node{Kind: fastyaml.String, Str: s}, at, at)
	default:
		end := at
		for end < len(j.text) && isJSONWordByte(j.text[end]) {
			end++
		}
		if !jsonWord(j.text[at:end]) {
			return false
		}
		j.i = end
		j.leaf(fastyaml.Node{Kind: fastyaml.Scalar}, at, end)
	}
	return true
}

// next reads what follows an entry of a collection that closes with close: a "," and the
// next entry's start, or close (then closed is true).
func (j *jsonDoc) next(close byte) (closed, ok bool) {
	j.space()
	if j.i >= len(j.text) {
		return false, false
	}
	switch j.text[j.i] {
	case close:
		j.i++
		return true, true
	case ',':
		j.i++
		j.space()
		return false, j.i < len(j.text) && j.text[j.i] != close
	}
	return false, false
}

// str reads a string at j.i: printable ASCII, with the escapes JSON and YAML read alike.
func (j *jsonDoc) str() (string, bool) {
	j.buf = j.buf[:0]
	for i := j.i + 1; i < len(j.text); i++ {
		c := j.text[i]
		switch {
		case c == '"':
			j.i = i + 1
			return string(j.buf), true
		case c < 0x20 || c >= 0x7f:
			return "", false
		case c != '\\':
			j.buf = append(j.buf, c)
			continue
		}
		i++
		if i >= len(j.text) {
			return "", false
		}
		switch j.text[i] {
		case '"', '\\':
			j.buf = append(j.buf, j.text[i])
		case 'n':
			j.buf = append(j.buf, '\n')
		case 't':
			j.buf = append(j.buf, '\t')
		case 'r':
			j.buf = append(j.buf, '\r')
		case 'b':
			j.buf = append(j.buf, '\b')
		case 'f':
			j.buf = append(j.buf, '\f')
		case 'u':
			if i+4 >= len(j.text) {
				return "", false
			}
			r := rune(0)
			for _, h := range j.text[i+1 : i+5] {
				switch {
				case h >= '0' && h <= '9':
					r = r<<4 | rune(h-'0')
				case h >= 'a' && h <= 'f':
					r = r<<4 | rune(h-'a'+10)
				case h >= 'A' && h <= 'F':
					r = r<<4 | rune(h-'A'+10)
				default:
					return "", false
				}
			}
			if r >= 0xD800 && r <= 0xDFFF {
				return "", false // a surrogate: JSON pairs them, YAML does not
			}
			j.buf = utf8.AppendRune(j.buf, r)
			i += 4
		default:
			return "", false // "\/" among them: YAML has no such escape
		}
	}
	return "", false
}

func isJSONWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E'
}

// jsonWord reports whether b is a JSON number, true, false or null.
func jsonWord(b []byte) bool {
	switch string(b) {
	case "true", "false", "null":
		return true
	}
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}
