package settings

import (
	"sync"

	"palisade.dev/palisade/internal/inventory"
)

// Node is the effective settings of a node's components, each built once, when first asked
// for: the endpoints a node audit probes (Listeners) and the rules read the same ones.
type Node struct {
	node *inventory.Node
	mu   sync.Mutex
	of   map[*inventory.Component]built
}

// built is one component's settings, or the reason they cannot be known.
type built struct {
	of     *Component
	reason string
}

// attaching guards a node's Settings while ForNode gives it its set.
var attaching sync.Mutex

// ForNode is the settings of n's components, held by n (inventory.Node.Settings) so that
// whoever reads them shares them. The node must be fully read before: settings built are
// never built again.
func ForNode(n *inventory.Node) *Node {
	attaching.Lock()
	defer attaching.Unlock()
	if s, ok := n.Settings.(*Node); ok && s.node == n {
		return s
	}
	s := &Node{node: n, of: map[*inventory.Component]built{}}
	n.Settings = s
	return s
}

// Of is the effective settings of component c of the node (the package's Of), built on the
// first call for c, or the reason they cannot be known.
func (s *Node) Of(c *inventory.Component) (*Component, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.of[c]
	if !ok {
		b.of, b.reason = Of(s.node, c)
		s.of[c] = b
	}
	return b.of, b.reason
}
