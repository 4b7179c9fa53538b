// Package jsonnode parses one JSON document into the nodes package fastyaml gives a YAML
// document: a map's entries in the order written (an entry whose key the map repeats marked
// superseded, the later value winning), strings, and each number an int64 when it is an
// integer that fits, else a float64. It accepts and refuses exactly the documents
// encoding/json does and reads their strings as encoding/json reads them (an invalid UTF-8
// byte or a lone surrogate escape becomes U+FFFD), without building maps: the admission
// webhook decodes every object under review with it. FuzzParse holds it to encoding/json.
package jsonnode

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// MaxDepth is the deepest nesting of objects and arrays accepted, encoding/json's.
const MaxDepth = 10000

// Error says why a document is not one JSON value, without quoting it.
type Error struct {
	// Offset is the number of bytes read when the problem was found.
	Offset int
	// Kind is what the problem is.
	Kind ErrorKind
}

// ErrorKind is a kind of problem with a document.
type ErrorKind int

// Kinds of problems.
const (
	// Syntax is a byte that cannot be where it is, or nesting deeper than MaxDepth.
	Syntax ErrorKind = iota
	// Truncated is a document that ends inside its value, or has none.
	Truncated
	// Trailing is a document with more than its value (besides white space).
	Trailing
)

func (e *Error) Error() string {
	switch e.Kind {
	case Truncated:
		return "the JSON ends too early"
	case Trailing:
		return "more than one JSON value, the second at byte " + strconv.Itoa(e.Offset)
	}
	return "JSON syntax error at byte " + strconv.Itoa(e.Offset)
}

// Parse returns the nodes of the JSON document data; the value is nodes[0].
func Parse(data []byte) ([]fastyaml.Node, error) {
	return ParseAppend(make([]fastyaml.Node, 0, len(data)/16+1), data)
}

// ParseAppend is Parse appending the nodes to nodes[:0], so that a caller that reads one
// document after another reuses their storage.
func ParseAppend(nodes []fastyaml.Node, data []byte) ([]fastyaml.Node, error) {
	p := parser{data: data, nodes: nodes[:0]}
	p.space()
	if err := p.value("", 0); err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.data) {
		return nil, &Error{Offset: p.i, Kind: Trailing}
	}
	return p.nodes, nil
}

// Raw is the Value of a node Keep keeps as it is: the value is data[Start:End].
type Raw struct{ Start, End int }

// Keep says which values ParseKeeping leaves as they are in the document: the value of key in
// an object at depth (the document's value is at depth 0, its entries' values at 1).
type Keep func(depth int, key string) bool

// ParseKeeping is Parse leaving the values keep names as they are: each is checked as any
// other, and then is one Scalar node whose Value is a Raw, not nodes of its own. A caller that
// passes part of a document on as bytes (an object inside an envelope) reads the rest fast.
func ParseKeeping(data []byte, keep Keep) ([]fastyaml.Node, error) {
	p := parser{data: data, nodes: make([]fastyaml.Node, 0, 64), keep: keep}
	p.space()
	if err := p.value("", 0); err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.data) {
		return nil, &Error{Offset: p.i, Kind: Trailing}
	}
	return p.nodes, nil
}

type parser struct {
	data  []byte
	i     int
	nodes []fastyaml.Node
	keep  Keep          // nil: none
	keys  fastyaml.Keys // the keys of the objects being read
	buf   []byte        // an unescaped string being built
}

func (p *parser) syntax() error { return &Error{Offset: p.i + 1, Kind: Syntax} }

func (p *parser) truncated() error { return &Error{Offset: len(p.data), Kind: Truncated} }

func (p *parser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value appends the nodes of the value at p.i, with key as its first node's key.
func (p *parser) value(key string, depth int) error {
	if p.i >= len(p.data) {
		return p.truncated()
	}
	at := len(p.nodes)
	switch c := p.data[p.i]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return p.syntax()
		}
		if c == '{' {
			return p.object(key, depth+1)
		}
		return p.array(key, depth+1)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return err
		}
		p.nodes = append(p.nodes, fastyaml.Node{Key: key, Str: s, Kind: fastyaml.String})
	case c == '-' || c >= '0' && c <= '9':
		v, err := p.number()
		if err != nil {
			return err
		}
		p.nodes = append(p.nodes, fastyaml.Node{Key: key, Value: v, Kind: fastyaml.Scalar})
	case c == 't':
		if err := p.literal("true"); err != nil {
			return err
		}
		p.nodes = append(p.nodes, fastyaml.Node{Key: key, Value: true, Kind: fastyaml.Scalar})
	case c == 'f':
		if err := p.literal("false"); err != nil {
			return err
		}
		p.nodes = append(p.nodes, fastyaml.Node{Key: key, Value: false, Kind: fastyaml.Scalar})
	case c == 'n':
		if err := p.literal("null"); err != nil {
			return err
		}
		p.nodes = append(p.nodes, fastyaml.Node{Key: key, Kind: fastyaml.Scalar})
	default:
		return p.syntax()
	}
	p.nodes[at].End = int32(at + 1)
	return nil
}

func (p *parser) literal(word string) error {
	for k := 0; k < len(word); k++ {
		if p.i >= len(p.data) {
			return p.truncated()
		}
		if p.data[p.i] != word[k] {
			return p.syntax()
		}
		p.i++
	}
	return nil
}

func (p *parser) object(key string, depth int) error {
	p.i++ // {
	self := len(p.nodes)
	p.nodes = append(p.nodes, fastyaml.Node{Key: key, Kind: fastyaml.Map})
	base := p.keys.Len()
	defer p.keys.Drop(base)
	var index map[string]int32
	n := int32(0)
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		p.nodes[self].End = int32(len(p.nodes))
		return nil
	}
	for {
		if err := p.keyStart(); err != nil {
			return err
		}
		k, err := p.str()
		if err != nil {
			return err
		}
		if err := p.colon(); err != nil {
			return err
		}
		at := int32(len(p.nodes))
		if p.keep != nil && p.keep(depth, k) {
			// Kept as it is: checked, and one node (a null stays null).
			start := p.i
			if err := p.skip(depth); err != nil {
				return err
			}
			var v any = Raw{start, p.i}
			if string(p.data[start:p.i]) == "null" {
				v = nil
			}
			p.nodes = append(p.nodes, fastyaml.Node{Key: k, Kind: fastyaml.Scalar, Value: v, End: at + 1})
		} else if err := p.value(k, depth); err != nil {
			return err
		}
		p.keys.Repeated(p.nodes, base, k, at, &index)
		n++
		if closed, err := p.next('}'); err != nil || closed {
			p.nodes[self].Len, p.nodes[self].End = n, int32(len(p.nodes))
			return err
		}
	}
}

func (p *parser) array(key string, depth int) error {
	p.i++ // [
	self := len(p.nodes)
	p.nodes = append(p.nodes, fastyaml.Node{Key: key, Kind: fastyaml.List})
	n := int32(0)
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		p.nodes[self].End = int32(len(p.nodes))
		return nil
	}
	for {
		if err := p.value("", depth); err != nil {
			return err
		}
		n++
		if closed, err := p.next(']'); err != nil || closed {
			p.nodes[self].Len, p.nodes[self].End = n, int32(len(p.nodes))
			return err
		}
	}
}

// keyStart checks that an object's key begins at p.i.
func (p *parser) keyStart() error {
	if p.i >= len(p.data) {
		return p.truncated()
	}
	if p.data[p.i] != '"' {
		return p.syntax()
	}
	return nil
}

// colon reads the colon after a key, and the white space around it.
func (p *parser) colon() error {
	p.space()
	if p.i >= len(p.data) {
		return p.truncated()
	}
	if p.data[p.i] != ':' {
		return p.syntax()
	}
	p.i++
	p.space()
	return nil
}

// next reads what follows an entry of an object or an item of an array: a comma and the white
// space after it, or the closing byte, when it reports closed.
func (p *parser) next(closing byte) (closed bool, err error) {
	p.space()
	if p.i >= len(p.data) {
		return false, p.truncated()
	}
	switch p.data[p.i] {
	case ',':
		p.i++
		p.space()
		return false, nil
	case closing:
		p.i++
		return true, nil
	}
	return false, p.syntax()
}

// skip checks the value at p.i as value would, without making nodes or strings of it.
func (p *parser) skip(depth int) error {
	if p.i >= len(p.data) {
		return p.truncated()
	}
	switch c := p.data[p.i]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return p.syntax()
		}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		p.i++
		p.space()
		if p.i < len(p.data) && p.data[p.i] == end {
			p.i++
			return nil
		}
		for {
			if c == '{' {
				if err := p.keyStart(); err != nil {
					return err
				}
				if err := p.skipString(); err != nil {
					return err
				}
				if err := p.colon(); err != nil {
					return err
				}
			}
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			if closed, err := p.next(end); err != nil || closed {
				return err
			}
		}
	case c == '"':
		return p.skipString()
	case c == '-' || c >= '0' && c <= '9':
		_, err := p.numberText()
		return err
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return p.syntax()
}

// skipString checks the string at p.i (its opening quote) as str would.
func (p *parser) skipString() error {
	p.i++ // "
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			return nil
		case c < ' ':
			return p.syntax()
		case c == '\\':
			p.i++
			if p.i >= len(p.data) {
				return p.truncated()
			}
			switch p.data[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if _, err := p.hex4(); err != nil {
					return err
				}
			default:
				return p.syntax()
			}
		default:
			p.i++ // an invalid UTF-8 byte is read as U+FFFD, never refused
		}
	}
	return p.truncated()
}

// str reads a string at p.i (its opening quote).
func (p *parser) str() (string, error) {
	p.i++ // "
	start := p.i
	// The common case: no escape and valid UTF-8, read as it is.
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			s := fastyaml.Intern(p.data[start:p.i])
			p.i++
			return s, nil
		case c == '\\':
			return p.escaped(start)
		case c < ' ':
			return "", p.syntax()
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size == 1 {
				return p.escaped(start)
			}
			p.i += size
		}
	}
	return "", p.truncated()
}

// escaped reads the rest of a string that started at start and has an escape or an invalid
// UTF-8 byte at p.i, unescaping as encoding/json does.
func (p *parser) escaped(start int) (string, error) {
	b := append(p.buf[:0], p.data[start:p.i]...)
	defer func() { p.buf = b[:0] }()
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < ' ':
			return "", p.syntax()
		case c == '\\':
			p.i++
			if p.i >= len(p.data) {
				return "", p.truncated()
			}
			switch e := p.data[p.i]; e {
			case '"', '\\', '/':
				b = append(b, e)
				p.i++
			case 'b':
				b, p.i = append(b, '\b'), p.i+1
			case 'f':
				b, p.i = append(b, '\f'), p.i+1
			case 'n':
				b, p.i = append(b, '\n'), p.i+1
			case 'r':
				b, p.i = append(b, '\r'), p.i+1
			case 't':
				b, p.i = append(b, '\t'), p.i+1
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					// A pair only when a second \u escape follows and completes it; else the
					// first is U+FFFD and what follows is read on its own.
					if r2, ok := p.peekHex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							p.i += 6
							b = utf8.AppendRune(b, d)
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", p.syntax()
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.i++
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			b = utf8.AppendRune(b, r)
			p.i += size
		}
	}
	return "", p.truncated()
}

// hex4 reads the four hex digits after \u, p.i at the u, and leaves p.i after them.
func (p *parser) hex4() (rune, error) {
	var r rune
	for k := 0; k < 4; k++ {
		p.i++
		if p.i >= len(p.data) {
			return 0, p.truncated()
		}
		d, ok := hexDigit(p.data[p.i])
		if !ok {
			return 0, p.syntax()
		}
		r = r<<4 | d
	}
	p.i++
	return r, nil
}

// peekHex4 returns the rune of a \uXXXX escape at p.i, without moving.
func (p *parser) peekHex4() (rune, bool) {
	if p.i+6 > len(p.data) || p.data[p.i] != '\\' || p.data[p.i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.i+2 : p.i+6] {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | d
	}
	return r, true
}

func hexDigit(c byte) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10), true
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() (any, error) {
	start := p.i
	integer, err := p.numberText()
	if err != nil {
		return nil, err
	}
	text := p.data[start:p.i]
	if integer {
		if n, ok := parseInt(text); ok {
			return n, nil
		}
	}
	f, _ := strconv.ParseFloat(string(text), 64) // a valid number; out of range is ±Inf
	return f, nil
}

// numberText reads a number's text and reports whether it is written as an integer.
func (p *parser) numberText() (integer bool, err error) {
	integer = true
	if p.data[p.i] == '-' {
		p.i++
	}
	if p.i >= len(p.data) {
		return false, p.truncated()
	}
	switch c := p.data[p.i]; {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return false, p.syntax()
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		integer = false
		p.i++
		if err := p.someDigits(); err != nil {
			return false, err
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		integer = false
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if err := p.someDigits(); err != nil {
			return false, err
		}
	}
	return integer, nil
}

func (p *parser) digits() {
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		p.i++
	}
}

func (p *parser) someDigits() error {
	if p.i >= len(p.data) {
		return p.truncated()
	}
	if c := p.data[p.i]; c < '0' || c > '9' {
		return p.syntax()
	}
	p.digits()
	return nil
}

// parseInt is strconv.ParseInt(text, 10, 64) for the digits of a JSON integer, without making
// a string of them.
func parseInt(text []byte) (int64, bool) {
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	if len(text) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range text {
		u = u*10 + uint64(c-'0')
	}
	// Nineteen digits or fewer cannot overflow a uint64.
	switch {
	case neg && u <= 1<<63:
		return -int64(u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}
