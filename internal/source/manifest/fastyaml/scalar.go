package fastyaml

import (
	"bytes"
	"unicode/utf8"

	"palisade.dev/palisade/internal/inventory"
)

// quoted reads a single- or double-quoted scalar that starts at p.i and closes on the same
// line, and leaves p.i after the closing quote. Escapes are those yaml.v3 accepts
// (scannerc.go, yaml_parser_scan_flow_scalar); "\/" is not one of them.
func (p *parser) quoted() (string, bool) {
	s := p.src
	q := s[p.i]
	start := p.i + 1
	// Most quoted scalars hold no escape: take them as they are.
	for j := start; j < p.le; j++ {
		switch s[j] {
		case q:
			if q == '\'' && j+1 < p.le && s[j+1] == '\'' {
				return p.unescape(q, start)
			}
			p.i = j + 1
			return p.intern(s[start:j]), true
		case '\\':
			if q == '"' {
				return p.unescape(q, start)
			}
		}
	}
	return "", false
}

// unescape reads a quoted scalar with escapes into the scratch buffer.
func (p *parser) unescape(q byte, start int) (string, bool) {
	s := p.src
	buf := p.scratch[:0]
	defer func() { p.scratch = buf }()
	for j := start; j < p.le; {
		c := s[j]
		switch {
		case c == q && q == '\'' && j+1 < p.le && s[j+1] == '\'':
			buf = append(buf, '\'')
			j += 2
		case c == q:
			p.i = j + 1
			return string(buf), true
		case c == '\\' && q == '"':
			if j+1 == p.le {
				return "", false // an escaped line break
			}
			var ok bool
			buf, j, ok = p.escape(buf, j+1)
			if !ok {
				return "", false
			}
		default:
			buf = append(buf, c)
			j++
		}
	}
	return "", false
}

// escape appends the character escaped at s[j] (just after the backslash) and returns where
// the escape ends.
func (p *parser) escape(buf []byte, j int) ([]byte, int, bool) {
	s := p.src
	digits := 0
	switch s[j] {
	case '0':
		buf = append(buf, 0)
	case 'a':
		buf = append(buf, '\a')
	case 'b':
		buf = append(buf, '\b')
	case 't':
		buf = append(buf, '\t')
	case 'n':
		buf = append(buf, '\n')
	case 'v':
		buf = append(buf, '\v')
	case 'f':
		buf = append(buf, '\f')
	case 'r':
		buf = append(buf, '\r')
	case 'e':
		buf = append(buf, 0x1b)
	case ' ', '"', '\'', '\\':
		buf = append(buf, s[j])
	case 'N':
		buf = utf8.AppendRune(buf, 0x85)
	case '_':
		buf = utf8.AppendRune(buf, 0xA0)
	case 'L':
		buf = utf8.AppendRune(buf, 0x2028)
	case 'P':
		buf = utf8.AppendRune(buf, 0x2029)
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		return buf, j, false
	}
	j++
	if digits == 0 {
		return buf, j, true
	}
	if j+digits > p.le {
		return buf, j, false
	}
	r := 0
	for _, c := range s[j : j+digits] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 + int(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 + int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 + int(c-'A'+10)
		default:
			return buf, j, false
		}
	}
	if (r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF {
		return buf, j, false
	}
	return utf8.AppendRune(buf, rune(r)), j + digits, true
}

// blockScalar reads a literal (|) or folded (>) scalar whose indicator is at p.i, inside a
// block collection at column parent, and leaves the parser on the next content line. It
// follows yaml.v3's scanner (yaml_parser_scan_block_scalar) step by step, since the rules for
// indentation, folding and chomping are easy to get subtly wrong.
func (p *parser) blockScalar(parent int) (string, bool) {
	s := p.src
	literal := s[p.i] == '|'
	j := p.i + 1
	chomping, increment := 0, 0
	chomp := func() {
		if j < p.le && (s[j] == '+' || s[j] == '-') {
			chomping = 1
			if s[j] == '-' {
				chomping = -1
			}
			j++
		}
	}
	digit := func() bool {
		if j < p.le && s[j] >= '0' && s[j] <= '9' {
			if s[j] == '0' {
				return false
			}
			increment = int(s[j] - '0')
			j++
		}
		return true
	}
	if j < p.le && (s[j] == '+' || s[j] == '-') {
		chomp()
		if !digit() {
			return "", false
		}
	} else {
		if !digit() {
			return "", false
		}
		if increment > 0 {
			chomp()
		}
	}
	p.i = j
	if !p.endOfLine() {
		return "", false
	}

	b := blockScan{src: s, j: min(p.le+1, len(s)), line: p.ln + 1, parent: parent}
	if increment > 0 {
		b.indent = parent + increment
	}
	b.breaks()
	buf := p.scratch[:0]
	leadingBlank := false
	for b.col == b.indent && b.j < len(s) {
		// At the start of a non-empty line of the scalar.
		trailingBlank := s[b.j] == ' '
		if !literal && !leadingBlank && !trailingBlank && b.leading == 1 {
			if b.trailing == 0 {
				buf = append(buf, ' ')
			}
		} else if b.leading == 1 {
			buf = append(buf, '\n')
		}
		b.leading = 0
		for ; b.trailing > 0; b.trailing-- {
			buf = append(buf, '\n')
		}
		leadingBlank = s[b.j] == ' '
		eol := bytes.IndexByte(s[b.j:], '\n')
		if eol < 0 {
			eol = len(s) - b.j
		}
		buf = append(buf, s[b.j:b.j+eol]...)
		b.j += eol
		if b.j < len(s) {
			b.leading = 1
			b.j++
			b.line++
		}
		b.breaks()
	}
	if chomping != -1 && b.leading == 1 {
		buf = append(buf, '\n')
	}
	if chomping == 1 {
		for ; b.trailing > 0; b.trailing-- {
			buf = append(buf, '\n')
		}
	}
	v := string(buf)
	p.scratch = buf

	// Stand on the line that ended the scalar: less indented than its content, or a comment.
	if b.j >= len(s) {
		p.ls, p.i, p.le, p.ind = len(s), len(s), len(s), -1
		return v, true
	}
	p.ln = b.line
	p.land(b.j-b.col, b.j)
	if s[b.j] == '#' {
		p.advance()
	}
	return v, true
}

// blockScan is the state of yaml.v3's block scalar scanner between lines.
type blockScan struct {
	src      []byte
	j        int // the byte being read
	line     int // its line number
	col      int // its column: the indentation spaces eaten on its line
	parent   int
	indent   int // the content's indentation; 0 until it is known
	leading  int // line breaks (0 or 1) after the last content line
	trailing int // empty lines since then
}

// breaks eats indentation and empty lines up to the next non-empty line, and settles the
// content's indentation when it is not yet known (yaml_parser_scan_block_scalar_breaks).
func (b *blockScan) breaks() {
	s := b.src
	maxIndent := 0
	for {
		b.col = 0
		for (b.indent == 0 || b.col < b.indent) && b.j < len(s) && s[b.j] == ' ' {
			b.j++
			b.col++
		}
		maxIndent = max(maxIndent, b.col)
		if b.j < len(s) && s[b.j] == '\n' {
			b.trailing++
			b.j++
			b.line++
			continue
		}
		break
	}
	if b.indent == 0 {
		b.indent = max(maxIndent, b.parent+1, 1)
	}
}

// flow reads a flow list or map at p.i that closes on the same line.
func (p *parser) flow(h inventory.PathHash, depth int) bool {
	if depth > maxDepth || !p.count() {
		return false
	}
	if p.src[p.i] == '[' {
		return p.flowSequence(h, depth)
	}
	return p.flowMapping(h, depth)
}

func (p *parser) flowSequence(h inventory.PathHash, depth int) bool {
	open := p.i
	p.i++
	if !p.flowSpace() {
		return false
	}
	self := p.open(List, open)
	if p.src[p.i] == ']' {
		p.i++
		p.closeList(self, 0)
		return true
	}
	for idx := 0; ; idx++ {
		ih := h.Index(idx)
		p.at(int32(len(p.nodes)), ih, p.line(p.ln), p.column())
		p.path = append(p.path, segment{index: idx})
		ok := p.flowValue(ih, depth)
		p.path = p.path[:len(p.path)-1]
		if !ok || !p.flowSpace() {
			return false
		}
		switch p.src[p.i] {
		case ']':
			p.i++
			p.closeList(self, idx+1)
			return true
		case ',':
			p.i++
			if !p.flowSpace() || p.src[p.i] == ']' {
				return false
			}
		default:
			return false
		}
	}
}

func (p *parser) flowMapping(h inventory.PathHash, depth int) bool {
	open := p.i
	p.i++
	if !p.flowSpace() {
		return false
	}
	self := p.open(Map, open)
	base, merges := p.keys.Len(), len(p.merges)
	if p.src[p.i] == '}' {
		p.i++
		p.closeMap(self, base)
		return true
	}
	var mergedAt int32         // the first node after the merge key
	var index map[string]int32 // the keys of a large map
	for {
		line, col, start := p.ln, p.column(), p.i
		var key string
		merge := false
		if c := p.src[p.i]; c == '"' || c == '\'' {
			k, ok := p.quoted()
			if !ok || !p.flowSpace() || p.src[p.i] != ':' {
				return false
			}
			key = k
		} else {
			end, stop := p.scanFlowPlain(start)
			if stop != ':' || end == start {
				return false
			}
			key = p.intern(p.src[start:end])
			merge = key == "<<"
		}
		if p.i-start > maxKeyLength {
			return false
		}
		p.i++ // the ':'
		if merge {
			// What a merge key merges is added when the map ends, below its own keys.
			if len(p.merges) > merges || !p.flowSpace() || !p.mergeValue(true) || !p.flowSpace() {
				return false
			}
			mergedAt = int32(len(p.nodes))
		} else {
			kh := h.Key(key)
			node := int32(len(p.nodes))
			if p.keys.Repeated(p.nodes, base, key, node, &index) {
				p.dups = append(p.dups, DuplicateKey{Path: p.render(key), Line: p.line(line), Column: col})
			} else {
				p.at(node, kh, p.line(line), col)
			}
			if !p.flowSpace() {
				return false
			}
			if c := p.src[p.i]; c == ',' || c == '}' {
				return false // an empty value
			}
			p.path = append(p.path, segment{key: key, isKey: true})
			ok := p.flowValue(kh, depth)
			p.path = p.path[:len(p.path)-1]
			if !ok || !p.flowSpace() {
				return false
			}
			p.nodes[node].Key = key
			if p.spanning {
				p.spans[node].Key = int32(start)
			}
		}
		switch p.src[p.i] {
		case '}':
			p.i++
			if !p.merge(base, merges, mergedAt, &index, h, depth) {
				return false
			}
			p.closeMap(self, base)
			return true
		case ',':
			p.i++
			if !p.flowSpace() || p.src[p.i] == '}' {
				return false
			}
		default:
			return false
		}
	}
}

// flowValue reads a list item or map value inside a flow collection.
func (p *parser) flowValue(h inventory.PathHash, depth int) bool {
	switch p.src[p.i] {
	case '[', '{':
		return p.flow(h, depth+1)
	case '&':
		return p.flowAnchored(h, depth)
	case '*':
		return p.alias(h, depth, true)
	case '"', '\'':
		if !p.count() {
			return false
		}
		at := p.i
		s, ok := p.quoted()
		if ok {
			p.str(s, at)
		}
		return ok
	}
	start := p.i
	end, stop := p.scanFlowPlain(start)
	if stop != ',' && stop != ']' && stop != '}' || end == start || !p.count() {
		return false
	}
	p.scalar(p.resolvePlain(p.src[start:end]), start, end)
	return true
}

// scanFlowPlain scans a plain scalar inside a flow collection and returns where it ends
// (trailing spaces excluded) and the character that stopped it: ',', ']', '}', or ':' when
// followed by a space. Any other stop (the end of the line, a comment, '[', '{', '?', another
// ':') is reported as 0, and leaves the document to yaml.v3.
func (p *parser) scanFlowPlain(start int) (end int, stop byte) {
	s := p.src
	switch s[start] {
	case '-':
		if start+1 == p.le {
			return start, 0
		}
		switch s[start+1] {
		case ' ', ',', '[', ']', '{', '}', ':', '?', '#':
			return start, 0
		}
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return start, 0
	}
	end = start
	for j := start; j < p.le; j++ {
		switch c := s[j]; c {
		case ',', ']', '}':
			p.i = j
			return end, c
		case ':':
			if j+1 < p.le && s[j+1] == ' ' {
				p.i = j
				return end, ':'
			}
			return start, 0
		case '[', '{', '?':
			return start, 0
		case ' ':
			if j+1 < p.le && s[j+1] == '#' {
				return start, 0
			}
			continue
		}
		end = j + 1
	}
	return start, 0
}

// flowSpace skips spaces inside a flow collection and reports whether the line goes on.
func (p *parser) flowSpace() bool {
	for p.i < p.le && p.src[p.i] == ' ' {
		p.i++
	}
	return p.i < p.le && p.src[p.i] != '#'
}

// column is the 1-based column of p.i, counted in characters as yaml.v3 counts them.
func (p *parser) column() int {
	return utf8.RuneCount(p.src[p.ls:p.i]) + 1
}
