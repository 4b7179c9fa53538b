// Package yamlnode holds what Palisade's hand-written configuration files (.palisade.yaml, the
// webhook's configuration) share in reading their YAML node by node: an error placed at a
// node's file:line:column, aliases followed, and a node described by its kind, never by its
// value, since errors are published and a value may be a secret.
package yamlnode

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Errorf is an error at the node's position in file.
func Errorf(file string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

// Resolve follows an alias to the node it names. Configuration schemas are a few levels deep
// and every step of a reader descends them, so following aliases cannot loop.
func Resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// IsNull reports whether n is a null scalar (`~`, `null`, or nothing after the key).
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// Describe says what a node is without its value: "a mapping", "a list", "null", "a boolean",
// "a number", "a string of 12 characters", "an alias".
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return fmt.Sprintf("a string of %d characters", len(n.Value))
	}
	return "an alias"
}
