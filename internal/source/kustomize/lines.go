package kustomize

import (
	"fmt"
	"os"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/source/manifest"
)

// Kustomize writes each resource anew, so the lines of its output are not the lines of the
// file the resource came from. lineMap recovers them field by field: the resource's
// document is found in its source file (same kind; the same name, or the name that a
// namePrefix or nameSuffix was added to), and every field of the output is given the line of
// the same field in the source. A field the build added (by a patch, a label, a
// transformer) is given the line of its nearest parent that the source has, as for any
// missing field.

// sourceFiles caches the documents of the source files one build reads.
type sourceFiles map[string][]sourceDocument

type sourceDocument struct {
	line int // where the document starts in its file
	node *yaml.Node
}

// documents splits and parses a source file; a file that cannot be read gives none.
func (s sourceFiles) documents(file string) []sourceDocument {
	if docs, ok := s[file]; ok {
		return docs
	}
	data, _ := os.ReadFile(file)
	s[file] = parseDocuments(data, file)
	return s[file]
}

func parseDocuments(data []byte, file string) []sourceDocument {
	var out []sourceDocument
	split, _ := manifest.SplitDocuments(data, file)
	for _, d := range split {
		var n yaml.Node
		if d.Err != nil || yaml.Unmarshal(d.Data, &n) != nil || len(n.Content) == 0 {
			continue
		}
		out = append(out, sourceDocument{line: d.Line, node: n.Content[0]})
	}
	return out
}

// renderedLineMap is the MapLine of a resource that a chart rendered: its fields are found
// in the document as rendered, whose lines the chart's own line map takes to the template.
func (s sourceFiles) renderedLineMap(v *inflated, kind, name string, data []byte) func(int) int {
	key := "\x00rendered\x00" + v.doc.File + "\x00" + fmt.Sprint(v.doc.Line)
	if _, ok := s[key]; !ok {
		s[key] = parseDocuments(v.doc.Data, v.doc.File)
	}
	inDoc := s.lineMap(key, kind, name, data)
	return func(l int) int {
		rendered := inDoc(l) + v.doc.Line - 1
		if v.doc.MapLine != nil {
			return v.doc.MapLine(rendered)
		}
		return rendered
	}
}

// lineMap returns the MapLine of a resource written as data, from the source file it came
// from; every line maps to 1 when the resource's document is not found there.
func (s sourceFiles) lineMap(file, kind, name string, data []byte) func(int) int {
	src, ok := s.find(file, kind, name)
	if !ok {
		return func(int) int { return 1 }
	}
	var out yaml.Node
	if err := yaml.Unmarshal(data, &out); err != nil || len(out.Content) == 0 {
		return func(int) int { return src.line }
	}
	lines := map[int]int{}
	root := src.node.Line + src.line - 1
	record(lines, out.Content[0].Line, root)
	alignNodes(out.Content[0], src.node, root, src.line-1, lines)
	return func(l int) int {
		// A line with no node of its own (a block scalar's body) belongs to the one above.
		for k := l; k >= 1; k-- {
			if m, ok := lines[k]; ok {
				return m
			}
		}
		return src.line
	}
}

// find returns the document of file that holds the resource.
func (s sourceFiles) find(file, kind, name string) (sourceDocument, bool) {
	var best sourceDocument
	bestLen := -1
	for _, d := range s.documents(file) {
		if d.node.Kind != yaml.MappingNode || scalar(d.node, "kind") != kind {
			continue
		}
		srcName := ""
		if meta := value(d.node, "metadata"); meta != nil {
			srcName = scalar(meta, "name")
		}
		switch {
		case srcName == name:
			return d, true
		case srcName != "" && strings.Contains(name, srcName) && len(srcName) > bestLen:
			best, bestLen = d, len(srcName)
		}
	}
	return best, bestLen >= 0
}

// alignNodes records, for every line of out, the line of the same field in src. anchor is
// the line of the field itself in its file (its key, or its list item): what the source lacks
// under it is given that line. base is where src's document starts in its file.
func alignNodes(out, src *yaml.Node, anchor, base int, lines map[int]int) {
	switch {
	case out.Kind == yaml.MappingNode && src.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(out.Content); i += 2 {
			k, v := out.Content[i], out.Content[i+1]
			sk, sv := entry(src, k.Value)
			if sk == nil {
				recordAll(lines, k, anchor)
				recordAll(lines, v, anchor)
				continue
			}
			record(lines, k.Line, sk.Line+base)
			alignNodes(v, sv, sk.Line+base, base, lines)
		}
	case out.Kind == yaml.SequenceNode && src.Kind == yaml.SequenceNode:
		for i, item := range out.Content {
			match := sameItem(src, item, i)
			if match == nil {
				recordAll(lines, item, anchor)
				continue
			}
			// The item's line is its first field's too; findings about the item (a container
			// that lacks a setting) belong on the item.
			record(lines, item.Line, match.Line+base)
			alignNodes(item, match, match.Line+base, base, lines)
		}
	default:
		recordAll(lines, out, anchor)
	}
}

// sameItem finds the item of the source list that out's i-th item is: the one with the same
// name for lists of named objects (containers, volumes, ports, env), which patches merge by
// name; else the one at the same index.
func sameItem(src, item *yaml.Node, i int) *yaml.Node {
	if item.Kind == yaml.MappingNode {
		if name := scalar(item, "name"); name != "" {
			for _, s := range src.Content {
				if s.Kind == yaml.MappingNode && scalar(s, "name") == name {
					return s
				}
			}
			return nil
		}
	}
	if i < len(src.Content) {
		return src.Content[i]
	}
	return nil
}

func record(lines map[int]int, out, src int) {
	if _, ok := lines[out]; !ok {
		lines[out] = src
	}
}

// recordAll gives every line of n's subtree the line line.
func recordAll(lines map[int]int, n *yaml.Node, line int) {
	record(lines, n.Line, line)
	for _, c := range n.Content {
		recordAll(lines, c, line)
	}
}

func entry(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func value(m *yaml.Node, key string) *yaml.Node {
	_, v := entry(m, key)
	return v
}

func scalar(m *yaml.Node, key string) string {
	if v := value(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
