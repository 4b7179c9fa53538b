package fix

import (
	"bytes"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/yamlnode"
)

// scalarRange is where a scalar's text is: a plain or quoted scalar on one line.
func (d *doc) scalarRange(n *yaml.Node, inFlow bool) (int, int, error) {
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return 0, 0, refuse("the field holds a block scalar (| or >)")
	case n.Style&yaml.TaggedStyle != 0:
		return 0, 0, refuse("the field's value has an explicit tag")
	}
	off := d.offset(n)
	if off >= len(d.text) {
		return 0, 0, refuse("the field's value cannot be placed")
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0 || n.Style&yaml.SingleQuotedStyle != 0:
		q := d.text[off]
		if q != '"' && q != '\'' {
			return 0, 0, refuse("the field's value cannot be placed")
		}
		for i := off + 1; i < len(d.text); i++ {
			switch c := d.text[i]; {
			case c == '\n':
				return 0, 0, refuse("the field's value is written over several lines")
			case c == '\\' && q == '"':
				i++
			case c == q && q == '\'' && i+1 < len(d.text) && d.text[i+1] == '\'':
				i++
			case c == q:
				return off, i + 1, nil
			}
		}
		return 0, 0, refuse("the field's value is not closed")
	}
	if n.Value == "" || !bytes.HasPrefix(d.text[off:], []byte(n.Value)) {
		return 0, 0, refuse("the field's value is written over several lines")
	}
	end := off + len(n.Value)
	if end < len(d.text) {
		c := d.text[end]
		if !strings.ContainsRune(" \t\r\n:", rune(c)) && !(inFlow && strings.ContainsRune(",]}", rune(c))) {
			return 0, 0, refuse("the field's value is written over several lines")
		}
	}
	return off, end, nil
}

// valueEnd is the offset just past a value written in flow context (or a scalar anywhere).
func (d *doc) valueEnd(n *yaml.Node, inFlow bool) (int, error) {
	if n.Kind == yaml.ScalarNode {
		_, end, err := d.scalarRange(n, inFlow)
		return end, err
	}
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode || !isFlow(n) {
		return 0, refuse("the value cannot be placed")
	}
	off := d.offset(n)
	depth := 0
	for i := off; i < len(d.text); i++ {
		switch c := d.text[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case '"':
			for i++; i < len(d.text) && d.text[i] != '"'; i++ {
				if d.text[i] == '\\' {
					i++
				}
			}
		case '\'':
			for i++; i < len(d.text); i++ {
				if d.text[i] == '\'' {
					if i+1 < len(d.text) && d.text[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > 0 && (d.text[i-1] == ' ' || d.text[i-1] == '\t' || d.text[i-1] == '\n') {
				i = d.lineEnd(i)
			}
		}
	}
	return 0, refuse("the value is not closed")
}

// remove deletes the field a path ends at, with its value's lines and its line's comment.
func (d *doc) remove(loc *located) ([]splice, error) {
	key, val, parent := loc.keys[loc.found], loc.nodes[loc.found], loc.nodes[loc.found-1]
	if key == nil {
		return nil, refuse("removing a list item is not a remedy Palisade makes")
	}
	if isFlow(parent) {
		from := d.offset(key)
		if val.Kind == yaml.ScalarNode && val.Value == "" {
			return nil, refuse("an empty value in a flow mapping cannot be placed")
		}
		to, err := d.valueEnd(val, true)
		if err != nil {
			return nil, err
		}
		if j := skipSpace(d.text, to); j < len(d.text) && d.text[j] == ',' {
			return []splice{{from, skipSpace(d.text, j+1), ""}}, nil
		}
		i := from
		for i > 0 && strings.ContainsRune(" \t\r\n", rune(d.text[i-1])) {
			i--
		}
		if i > 0 && d.text[i-1] == ',' {
			from = i - 1
		}
		return []splice{{from, to, ""}}, nil
	}
	koff := d.offset(key)
	if !d.onlyBlankBefore(koff) {
		return nil, refuse("the field shares its line with a list item's dash; Palisade does not rewrite the item")
	}
	first := key.Line - 1
	last := d.lastLine(first, indentOf(key), val.Kind == yaml.SequenceNode && !isFlow(val))
	from, to := d.lines[first], d.nextLine(d.lines[last])
	if to == len(d.text) && !bytes.HasSuffix(d.text, []byte("\n")) && from > 0 {
		// The document ends without a line break: the line break before the field goes.
		from--
		if from > 0 && d.text[from-1] == '\r' {
			from--
		}
	}
	return []splice{{from, to, ""}}, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && strings.ContainsRune(" \t\r\n", rune(b[i])) {
		i++
	}
	return i
}

// set writes value v at the path.
func (d *doc) set(loc *located, segs []segment, v any, comment string) ([]splice, error) {
	if d.json {
		comment = ""
	}
	n := loc.node()
	if loc.found == len(segs) {
		items, isList := v.([]any)
		kvs, isMap := v.([]kv)
		switch {
		case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
			return d.fillNull(loc, v, comment)
		case isList:
			if n.Kind != yaml.SequenceNode {
				return nil, refuse("the field holds %s, not a list", yamlnode.Describe(n))
			}
			var missing []any
			for _, it := range items {
				if !sameAny(n, it) {
					missing = append(missing, it)
				}
			}
			if len(missing) == 0 {
				return nil, nil
			}
			return d.appendItems(n, missing, comment)
		case isMap && len(kvs) == 0:
			if n.Kind == yaml.MappingNode {
				return nil, nil
			}
			return nil, refuse("the field holds %s, not a mapping", yamlnode.Describe(n))
		case n.Kind == yaml.ScalarNode:
			if holds(n, v) {
				return nil, nil
			}
			return d.replaceScalar(n, isFlow(loc.nodes[loc.found-1]), v, comment)
		}
		return nil, refuse("the field holds %s, not a single value", yamlnode.Describe(n))
	}
	rest := segs[loc.found:]
	for _, s := range rest {
		if s.isIndex {
			return nil, refuse("the list item the path names does not exist")
		}
	}
	if n.Kind == yaml.ScalarNode {
		return d.fillNull(loc, nest(rest, v), comment)
	}
	return d.insertPair(n, rest[0].key, nest(rest[1:], v), comment)
}

func sameAny(n *yaml.Node, it any) bool {
	for _, c := range n.Content {
		if sameItem(c, it) {
			return true
		}
	}
	return false
}

// replaceScalar rewrites a scalar in place, keeping its quotes when the new value is a string.
func (d *doc) replaceScalar(n *yaml.Node, inFlow bool, v any, comment string) ([]splice, error) {
	from, to, err := d.scalarRange(n, inFlow)
	if err != nil {
		return nil, err
	}
	text := scalarText(v, d.json)
	if s, ok := v.(string); ok && !d.json {
		switch {
		case n.Style&yaml.DoubleQuotedStyle != 0:
			text = jsonQuote(s)
		case n.Style&yaml.SingleQuotedStyle != 0:
			text = singleQuote(s)
		}
	}
	if !inFlow && comment != "" && !bytes.Contains(d.text[to:d.lineEnd(to)], []byte("#")) {
		text += trailing(comment)
	}
	return []splice{{from, to, text}}, nil
}

// rename writes another key in place of the key at loc, in the key's quoting style, and
// keeps its value as written. A mapping that already holds the new key is refused: the
// rename would write the key twice.
func (d *doc) rename(loc *located, to string) ([]splice, error) {
	key, parent := loc.keys[loc.found], loc.nodes[loc.found-1]
	if key == nil {
		return nil, refuse("the path does not end at a key")
	}
	if mappingValue(parent, to) != nil {
		return nil, refuse("the mapping already holds the key the field is renamed to")
	}
	from, end, err := d.scalarRange(key, isFlow(parent))
	if err != nil {
		return nil, err
	}
	text := keyText(to, d.json)
	switch {
	case key.Style&yaml.DoubleQuotedStyle != 0:
		text = jsonQuote(to)
	case key.Style&yaml.SingleQuotedStyle != 0:
		text = singleQuote(to)
	}
	return []splice{{from, end, text}}, nil
}

// fillNull writes v in place of a null value (key: , key: ~, key: null).
func (d *doc) fillNull(loc *located, v any, comment string) ([]splice, error) {
	key, n := loc.keys[loc.found], loc.node()
	if key == nil {
		return nil, refuse("a null list item or document cannot take a value")
	}
	inFlow := isFlow(loc.nodes[loc.found-1])
	if n.Value != "" || inFlow {
		if n.Value == "" {
			return nil, refuse("an empty value in a flow mapping cannot be placed")
		}
		from, to, err := d.scalarRange(n, inFlow)
		if err != nil {
			return nil, err
		}
		return []splice{{from, to, flowText(v, d.json)}}, nil
	}
	_, kend, err := d.scalarRange(key, false)
	if err != nil {
		return nil, err
	}
	colon := skipSpace(d.text[:d.lineEnd(kend)], kend)
	if colon >= len(d.text) || d.text[colon] != ':' {
		return nil, refuse("the field's colon cannot be placed")
	}
	lineHasComment := bytes.Contains(d.text[colon:d.lineEnd(colon)], []byte("#"))
	if inlineInBlock(v) {
		text := " " + flowText(v, false)
		if !lineHasComment {
			text += trailing(comment)
		}
		return []splice{{colon + 1, colon + 1, text}}, nil
	}
	return d.insertLines(d.nextLine(colon), d.blockValue(v, indentOf(key), comment)), nil
}

// insertLines inserts whole lines at a line start, keeping a missing final line break missing.
func (d *doc) insertLines(at int, lines string) []splice {
	if at == len(d.text) && len(d.text) > 0 && d.text[len(d.text)-1] != '\n' {
		return []splice{{at, at, d.eol + strings.TrimSuffix(lines, d.eol)}}
	}
	return []splice{{at, at, lines}}
}

// insertPair adds key: v to an existing mapping, after its last field, aligned with its keys.
func (d *doc) insertPair(m *yaml.Node, key string, v any, comment string) ([]splice, error) {
	if isFlow(m) {
		pair := keyText(key, d.json) + ": " + flowText(v, d.json)
		if len(m.Content) == 0 {
			open := d.offset(m)
			if open >= len(d.text) || d.text[open] != '{' {
				return nil, refuse("the mapping cannot be placed")
			}
			return []splice{{open + 1, open + 1, pair}}, nil
		}
		return d.appendFlow(m, pair)
	}
	if len(m.Content) == 0 {
		return nil, refuse("an empty block mapping cannot be placed")
	}
	lastKey, lastVal := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
	last := d.lastLine(lastKey.Line-1, indentOf(lastKey), lastVal.Kind == yaml.SequenceNode && !isFlow(lastVal))
	return d.insertLines(d.nextLine(d.lines[last]), d.blockPair(key, v, indentOf(m.Content[0]), comment)), nil
}

// appendFlow adds an entry after the last of a flow collection's, on the same line when the
// collection is on one line, else on a line of its own aligned with the last entry.
func (d *doc) appendFlow(c *yaml.Node, entry string) ([]splice, error) {
	lastNode := c.Content[len(c.Content)-1]
	first := c.Content[0]
	if c.Kind == yaml.MappingNode {
		first = c.Content[len(c.Content)-2]
	}
	end, err := d.valueEnd(lastNode, true)
	if err != nil {
		return nil, err
	}
	if first.Line == c.Line {
		return []splice{{end, end, ", " + entry}}, nil
	}
	return []splice{{end, end, "," + d.eol + strings.Repeat(" ", indentOf(first)) + entry}}, nil
}

// appendItems adds items at the end of a list.
func (d *doc) appendItems(seq *yaml.Node, items []any, comment string) ([]splice, error) {
	if isFlow(seq) {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = flowText(it, d.json)
		}
		entry := strings.Join(parts, ", ")
		if len(seq.Content) == 0 {
			open := d.offset(seq)
			if open >= len(d.text) || d.text[open] != '[' {
				return nil, refuse("the list cannot be placed")
			}
			return []splice{{open + 1, open + 1, entry}}, nil
		}
		return d.appendFlow(seq, entry)
	}
	lastItem := seq.Content[len(seq.Content)-1]
	dash := d.offset(lastItem) - 1
	for dash >= 0 && d.text[dash] == ' ' {
		dash--
	}
	if dash < 0 || d.text[dash] != '-' {
		return nil, refuse("the list's last item cannot be placed")
	}
	lineStart := bytes.LastIndexByte(d.text[:dash], '\n') + 1
	indent := dash - lineStart
	if !d.onlyBlankBefore(dash) {
		return nil, refuse("the list's last item shares its line with another")
	}
	dashLine := bytes.Count(d.text[:dash], []byte("\n"))
	last := d.lastLine(dashLine, indent, false)
	var b strings.Builder
	for i, it := range items {
		c := ""
		if i == 0 {
			c = comment
		}
		b.WriteString(d.blockItem(it, indent, c))
	}
	return d.insertLines(d.nextLine(d.lines[last]), b.String()), nil
}

// note writes a comment line above the deepest existing field of the path, once.
func (d *doc) note(loc *located, comment string) ([]splice, error) {
	if d.json {
		return nil, nil
	}
	line := "# " + strings.ReplaceAll(strings.ReplaceAll(comment, "\n", " "), "\r", " ")
	if bytes.Contains(d.text, []byte(line)) {
		return nil, nil
	}
	for i := loc.found; i > 0; i-- {
		n := loc.nodes[i]
		if key := loc.keys[i]; key != nil {
			n = key
		}
		if isFlow(loc.nodes[i-1]) || (loc.keys[i] == nil && (n.Kind != yaml.MappingNode || isFlow(n))) {
			continue
		}
		start := bytes.LastIndexByte(d.text[:d.offset(n)], '\n') + 1
		indent := len(d.text[start:]) - len(bytes.TrimLeft(d.text[start:], " "))
		return []splice{{start, start, strings.Repeat(" ", indent) + line + d.eol}}, nil
	}
	return nil, nil
}
