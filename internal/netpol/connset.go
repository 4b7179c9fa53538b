package netpol

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Protocol is one of the transport protocols NetworkPolicies speak of.
type Protocol uint8

// The protocols, in the order connection sets print them.
const (
	TCP Protocol = iota
	UDP
	SCTP
	numProtocols
)

var protocolNames = [numProtocols]string{"TCP", "UDP", "SCTP"}

func (p Protocol) String() string {
	if p < numProtocols {
		return protocolNames[p]
	}
	return "Protocol(" + strconv.Itoa(int(p)) + ")"
}

// ParseProtocol reads TCP, UDP or SCTP, in any case.
func ParseProtocol(s string) (Protocol, bool) {
	for i, n := range protocolNames {
		if strings.EqualFold(s, n) {
			return Protocol(i), true
		}
	}
	return 0, false
}

// MinPort and MaxPort bound the port numbers of every protocol.
const (
	MinPort = 1
	MaxPort = 65535
)

// Interval is the inclusive range of ports Lo..Hi.
type Interval struct{ Lo, Hi int32 }

// ConnSet is a set of connections: for each protocol, sorted, disjoint and non-adjacent port
// intervals. The zero value allows nothing. Values are immutable: operations return new sets.
type ConnSet struct {
	ports [numProtocols][]Interval
}

// NoConns allows nothing.
func NoConns() ConnSet { return ConnSet{} }

// AllConns allows every port of every protocol.
func AllConns() ConnSet {
	var c ConnSet
	for p := range numProtocols {
		c.ports[p] = []Interval{{MinPort, MaxPort}}
	}
	return c
}

// PortRange allows the ports lo..hi (clamped to 1..65535) of one protocol.
func PortRange(p Protocol, lo, hi int32) ConnSet {
	var c ConnSet
	lo, hi = max(lo, MinPort), min(hi, MaxPort)
	if lo <= hi && p < numProtocols {
		c.ports[p] = []Interval{{lo, hi}}
	}
	return c
}

// AllPorts allows every port of one protocol.
func AllPorts(p Protocol) ConnSet { return PortRange(p, MinPort, MaxPort) }

// Ports returns the intervals of one protocol; the caller must not change them.
func (c ConnSet) Ports(p Protocol) []Interval { return c.ports[p] }

// IsEmpty reports whether the set allows nothing.
func (c ConnSet) IsEmpty() bool {
	for _, iv := range c.ports {
		if len(iv) > 0 {
			return false
		}
	}
	return true
}

// IsAll reports whether the set allows every connection.
func (c ConnSet) IsAll() bool {
	for _, iv := range c.ports {
		if len(iv) != 1 || iv[0] != (Interval{MinPort, MaxPort}) {
			return false
		}
	}
	return true
}

// Contains reports whether the set allows port of protocol p.
func (c ConnSet) Contains(p Protocol, port int32) bool {
	if p >= numProtocols {
		return false
	}
	iv := c.ports[p]
	i, _ := slices.BinarySearchFunc(iv, port, func(v Interval, port int32) int {
		switch {
		case v.Hi < port:
			return -1
		case v.Lo > port:
			return 1
		}
		return 0
	})
	return i < len(iv) && iv[i].Lo <= port && port <= iv[i].Hi
}

// Equal reports whether both sets allow the same connections.
func (c ConnSet) Equal(o ConnSet) bool {
	for p := range numProtocols {
		if !slices.Equal(c.ports[p], o.ports[p]) {
			return false
		}
	}
	return true
}

// Union is what either set allows.
func (c ConnSet) Union(o ConnSet) ConnSet {
	var r ConnSet
	for p := range numProtocols {
		r.ports[p] = unionIntervals(c.ports[p], o.ports[p])
	}
	return r
}

// Intersect is what both sets allow.
func (c ConnSet) Intersect(o ConnSet) ConnSet {
	var r ConnSet
	for p := range numProtocols {
		r.ports[p] = intersectIntervals(c.ports[p], o.ports[p])
	}
	return r
}

// Subtract is what c allows and o does not.
func (c ConnSet) Subtract(o ConnSet) ConnSet {
	var r ConnSet
	for p := range numProtocols {
		r.ports[p] = intersectIntervals(c.ports[p], complementIntervals(o.ports[p]))
	}
	return r
}

func unionIntervals(a, b []Interval) []Interval {
	switch {
	case len(b) == 0:
		return a
	case len(a) == 0:
		return b
	}
	all := make([]Interval, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var next Interval
		if j >= len(b) || (i < len(a) && a[i].Lo <= b[j].Lo) {
			next, i = a[i], i+1
		} else {
			next, j = b[j], j+1
		}
		if n := len(all); n > 0 && next.Lo <= all[n-1].Hi+1 {
			all[n-1].Hi = max(all[n-1].Hi, next.Hi)
			continue
		}
		all = append(all, next)
	}
	return all
}

func intersectIntervals(a, b []Interval) []Interval {
	var out []Interval
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i].Lo, b[j].Lo), min(a[i].Hi, b[j].Hi)
		if lo <= hi {
			out = append(out, Interval{lo, hi})
		}
		if a[i].Hi < b[j].Hi {
			i++
		} else {
			j++
		}
	}
	return out
}

func complementIntervals(a []Interval) []Interval {
	var out []Interval
	next := int32(MinPort)
	for _, v := range a {
		if v.Lo > next {
			out = append(out, Interval{next, v.Lo - 1})
		}
		next = v.Hi + 1
	}
	if next <= MaxPort {
		out = append(out, Interval{next, MaxPort})
	}
	return out
}

// String renders the set as "All Connections", "No Connections" or, protocol by protocol,
// "TCP 80,81-90; UDP 53".
func (c ConnSet) String() string {
	switch {
	case c.IsAll():
		return "All Connections"
	case c.IsEmpty():
		return "No Connections"
	}
	var b strings.Builder
	for p := range numProtocols {
		if len(c.ports[p]) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(protocolNames[p])
		b.WriteByte(' ')
		b.WriteString(IntervalsString(c.ports[p]))
	}
	return b.String()
}

// IntervalsString renders port intervals as "80,81-90".
func IntervalsString(iv []Interval) string {
	parts := make([]string, len(iv))
	for i, v := range iv {
		if v.Lo == v.Hi {
			parts[i] = strconv.Itoa(int(v.Lo))
		} else {
			parts[i] = fmt.Sprintf("%d-%d", v.Lo, v.Hi)
		}
	}
	return strings.Join(parts, ",")
}
