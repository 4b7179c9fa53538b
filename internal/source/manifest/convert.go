package manifest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// maxExpandedNodes bounds how many values one document may expand to through aliases, so that
// an alias bomb ("billion laughs") costs bounded time and memory.
const maxExpandedNodes = 1_000_000

// converted is a document turned into plain data, with its field positions and the problems
// found on the way.
type converted struct {
	content   map[string]any
	positions *inventory.Positions
	duplicate []duplicateKey
}

type duplicateKey struct {
	path      string
	line, col int
}

// converter turns a yaml.v3 node tree into the data kubectl would send to the API server
// (sigs.k8s.io/yaml resolves plain scalars by YAML 1.1 rules: yes/no/on/off are booleans),
// recording the position of every mapping key and sequence item.
type converter struct {
	pos inventory.PositionsBuilder
	// expanded counts the values reached through aliases and merge keys; the values written
	// out are bounded by the document's size.
	expanded int
	aliased  int // how many aliases the value being converted is inside
	lineBase int // added to node lines: the document's first line in the file, minus one
	firstCol int // added to the columns of the document's first line: where the data starts
	mapLine  func(int) int
	dups     []duplicateKey
	segs     []string // the path being converted, for messages
}

func (c *converter) line(l int) int {
	l += c.lineBase
	if c.mapLine != nil {
		return c.mapLine(l)
	}
	return l
}

// col is the column of a node in the file.
func (c *converter) col(n *yaml.Node) int {
	if n.Line == 1 {
		return n.Column + c.firstCol
	}
	return n.Column
}

func (c *converter) convert(n *yaml.Node, h inventory.PathHash, depth int) (any, error) {
	if c.aliased > 0 {
		c.expanded++
	}
	if err := c.bounded(n, depth); err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: alias *%s has no anchor", c.line(n.Line), finding.DescribeName(n.Value))
		}
		c.aliased++
		defer func() { c.aliased-- }()
		return c.convert(n.Alias, h, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0], h, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			ih := h.Index(i)
			c.pos.Add(ih, c.line(item.Line), c.col(item))
			c.segs = append(c.segs, "["+strconv.Itoa(i)+"]")
			v, err := c.convert(item, ih, depth+1)
			c.segs = c.segs[:len(c.segs)-1]
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		if err := c.mapping(n, h, depth, out, true, nil); err != nil {
			return nil, err
		}
		return out, nil
	case yaml.ScalarNode:
		v, err := resolveScalar(n)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", c.line(n.Line), err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", c.line(n.Line))
}

// bounded checks the bounds on the values expanded through aliases and merge keys and on the
// depth, at node n.
func (c *converter) bounded(n *yaml.Node, depth int) error {
	if c.expanded > maxExpandedNodes {
		return fmt.Errorf("line %d: document expands to more than %d values through aliases; refusing to expand it", c.line(n.Line), maxExpandedNodes)
	}
	if depth > 10_000 {
		return fmt.Errorf("line %d: document nests deeper than 10000 levels", c.line(n.Line))
	}
	return nil
}

// mapping fills out with the pairs of n, as kubectl's reader (sigs.k8s.io/yaml, over YAML
// 1.1's merge keys) reads them, since that is what reaches the API server: pairs in the order
// they are written, the last write of a key winning, and a merge key ("<<") writing every pair
// of the merged map (of each map of a list, the first one last, so that it wins) where it
// stands. A key written before a merge key that merges it too is therefore replaced, where a
// YAML 1.2 reader would keep it: the key written in the map is recorded as a duplicate, since
// what it sets is silently lost, as for a key written twice (unless the map writes it again
// after the merge key, which is then the duplicate). explicit, for the map itself (own), holds
// where its keys are written; merged maps pass it on.
func (c *converter) mapping(n *yaml.Node, h inventory.PathHash, depth int, out map[string]any, own bool, explicit map[string]*ownKey) error {
	// A merged map is read here, not through convert: a map that merges itself, or maps that
	// merge each other, are stopped by the same bounds.
	if err := c.bounded(n, depth); err != nil {
		return err
	}
	if own {
		explicit = map[string]*ownKey{}
		defer func() {
			// In the order the keys are written.
			for i := 0; i+1 < len(n.Content); i += 2 {
				key, err := scalarKey(n.Content[i])
				if k := explicit[key]; err == nil && k != nil && k.replaced {
					k.replaced = false
					c.dups = append(c.dups, duplicateKey{path: c.path(key), line: k.line, col: k.col})
				}
			}
		}()
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			if err := c.merge(v, h, depth, out, explicit); err != nil {
				return err
			}
			continue
		}
		key, err := scalarKey(k)
		if err != nil {
			return fmt.Errorf("line %d: %w", c.line(k.Line), err)
		}
		kh := h.Key(key)
		if own {
			if first, dup := explicit[key]; dup {
				first.replaced = false // this one is the duplicate
				c.dups = append(c.dups, duplicateKey{path: c.path(key), line: c.line(k.Line), col: c.col(k)})
			} else {
				// A repeated key keeps the position of its first occurrence: the index holds
				// one entry per path, so Locate does not depend on how entries happen to sort.
				explicit[key] = &ownKey{line: c.line(k.Line), col: c.col(k)}
				c.pos.Add(kh, c.line(k.Line), c.col(k))
			}
		} else if first, ok := explicit[key]; ok {
			// A merge replaces what the map itself wrote before it.
			first.replaced = true
		}
		c.segs = append(c.segs, key)
		val, err := c.convert(v, kh, depth+1)
		c.segs = c.segs[:len(c.segs)-1]
		if err != nil {
			return err
		}
		out[key] = val
	}
	return nil
}

// ownKey is where a map writes a key itself, and whether a merge key after it replaced it.
type ownKey struct {
	line, col int
	replaced  bool
}

// merge writes the pairs a merge key's value brings into out: a map, or a list of maps, the
// first of which is written last so that it wins.
func (c *converter) merge(m *yaml.Node, h inventory.PathHash, depth int, out map[string]any, explicit map[string]*ownKey) error {
	c.expanded++
	targets := []*yaml.Node{m}
	if m.Kind == yaml.SequenceNode {
		targets = m.Content
	}
	for i := len(targets) - 1; i >= 0; i-- {
		t := targets[i]
		for t.Kind == yaml.AliasNode && t.Alias != nil {
			t = t.Alias
		}
		if t.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: a merge key (<<) needs a map or a list of maps", c.line(t.Line))
		}
		c.aliased++ // what a merge key brings in counts as expanded
		err := c.mapping(t, h, depth+1, out, false, explicit)
		c.aliased--
		if err != nil {
			return err
		}
	}
	return nil
}

func scalarKey(k *yaml.Node) (string, error) {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", errors.New("a map key must be a plain value, not a map or a list")
	}
	return k.Value, nil
}

// resolveScalar gives a scalar the type sigs.k8s.io/yaml (YAML 1.1 through go-yaml v2) gives
// it, which is what kubectl sends to the API server.
func resolveScalar(n *yaml.Node) (any, error) {
	v := n.Value
	switch n.Tag {
	case "!!str":
		// yaml.v3 resolves a plain yes/no/on/off as a string (YAML 1.2); kubectl reads it as a
		// boolean (YAML 1.1). Quoted and explicitly tagged strings stay strings.
		if n.Style == 0 {
			if b, ok := yaml11Bool(v); ok {
				return b, nil
			}
		}
		return v, nil
	case "!!binary", "!!timestamp":
		return v, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		if b, ok := yaml11Bool(v); ok {
			return b, nil
		}
		return nil, fmt.Errorf("a value tagged !!bool must be true or false, not %s", finding.DescribeString(v))
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 0, 64); err == nil {
			return i, nil
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f, nil
		}
		return v, nil
	case "!!float":
		switch strings.ToLower(v) {
		case ".inf", "+.inf":
			return math.Inf(1), nil
		case "-.inf":
			return math.Inf(-1), nil
		case ".nan":
			return math.NaN(), nil
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64); err == nil {
			return f, nil
		}
		return v, nil
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return v, nil
	}
	// A plain scalar yaml.v3 resolved as a string may still be a YAML 1.1 boolean.
	if b, ok := yaml11Bool(v); ok {
		return b, nil
	}
	return v, nil
}

func yaml11Bool(v string) (bool, bool) {
	switch v {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true, true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

// path renders the current path plus key in field.Path's notation.
func (c *converter) path(key string) string {
	return joinPath(c.segs, key)
}

// joinPath writes a field path as duplicate keys name it: keys joined by dots, list indexes
// in brackets.
func joinPath(path []string, last string) string {
	var b strings.Builder
	for _, s := range append(path, last) {
		if b.Len() > 0 && !strings.HasPrefix(s, "[") { // a key may be empty
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}
