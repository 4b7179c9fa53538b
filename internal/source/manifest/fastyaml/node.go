package fastyaml

import "sort"

// Kind is what a Node holds.
type Kind uint8

const (
	// Scalar is a value other than a string: null, a boolean, an int64 or a float64, in Value.
	Scalar Kind = iota
	// String is a string, in Str.
	String
	// Map is a map, whose entries follow it.
	Map
	// List is a list, whose items follow it.
	List
)

// Node is one value of a decoded document. A document is a flat tree of nodes: a map or a list
// is followed by its entries or items, each followed by what it holds in turn, and End is the
// index just past a node and everything inside it. A map's entries are its values, with their
// keys in Key. Reading a document this way allocates nothing but the strings it holds, where
// plain data (maps of interfaces) allocates every map, list and boxed value.
type Node struct {
	// Key is the key of a map's entry.
	Key string
	// Str is a String's value.
	Str string
	// Value is a Scalar's value: nil, bool, int64 or float64.
	Value any
	// Len is how many entries (superseded ones included) or items a Map or List has.
	Len int32
	// End is the index of the node after this one and everything inside it.
	End  int32
	Kind Kind
	// Superseded marks an entry whose key its map repeats: the later value wins.
	Superseded bool
}

// Lookup returns the index of the (last) entry of the map at nodes[i] with key, or -1.
func Lookup(nodes []Node, i int, key string) int {
	if i < 0 || nodes[i].Kind != Map {
		return -1
	}
	for j, n := i+1, 0; n < int(nodes[i].Len); n++ {
		if nodes[j].Key == key && !nodes[j].Superseded {
			return j
		}
		j = int(nodes[j].End)
	}
	return -1
}

// StringAt returns the string at nodes[i], if i is a String.
func StringAt(nodes []Node, i int) (string, bool) {
	if i < 0 || nodes[i].Kind != String {
		return "", false
	}
	return nodes[i].Str, true
}

// Value returns the value at nodes[i] as plain data: map[string]any, []any, string, bool,
// int64, float64 or nil.
func Value(nodes []Node, i int) any {
	n := &nodes[i]
	switch n.Kind {
	case String:
		return n.Str
	case Map:
		m := make(map[string]any, n.Len)
		for j, c := i+1, 0; c < int(n.Len); c++ {
			if !nodes[j].Superseded {
				m[nodes[j].Key] = Value(nodes, j)
			}
			j = int(nodes[j].End)
		}
		return m
	case List:
		l := make([]any, n.Len)
		for j, c := i+1, 0; c < int(n.Len); c++ {
			l[c] = Value(nodes, j)
			j = int(nodes[j].End)
		}
		return l
	}
	return n.Value
}

// AppendValue appends the nodes of plain data v (as Value returns it; other types are kept
// as Scalars) to nodes, with key as the key of its first node. A map's entries come in the
// order of their keys.
func AppendValue(nodes []Node, key string, v any) []Node {
	i := len(nodes)
	switch x := v.(type) {
	case string:
		nodes = append(nodes, Node{Key: key, Str: x, Kind: String})
	case map[string]any:
		nodes = append(nodes, Node{Key: key, Kind: Map, Len: int32(len(x))})
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			nodes = AppendValue(nodes, k, x[k])
		}
	case []any:
		nodes = append(nodes, Node{Key: key, Kind: List, Len: int32(len(x))})
		for _, item := range x {
			nodes = AppendValue(nodes, "", item)
		}
	default:
		nodes = append(nodes, Node{Key: key, Value: v, Kind: Scalar})
	}
	nodes[i].End = int32(len(nodes))
	return nodes
}
