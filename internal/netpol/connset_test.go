package netpol

import "testing"

func TestConnSetOperations(t *testing.T) {
	tcp := func(lo, hi int32) ConnSet { return PortRange(TCP, lo, hi) }
	cases := []struct {
		name string
		got  ConnSet
		want string
	}{
		{"the zero set allows nothing", NoConns(), "No Connections"},
		{"every port of every protocol prints as all connections", AllConns(), "All Connections"},
		{"a single port prints alone", tcp(80, 80), "TCP 80"},
		{"adjacent ranges merge in a union", tcp(80, 80).Union(tcp(81, 90)), "TCP 80-90"},
		{"separate ranges stay sorted in a union", tcp(100, 200).Union(tcp(80, 80)), "TCP 80,100-200"},
		{"overlapping ranges merge in a union", tcp(80, 100).Union(tcp(90, 120)).Union(tcp(5, 6)), "TCP 5-6,80-120"},
		{"protocols print in the order TCP, UDP, SCTP", PortRange(SCTP, 9, 9).Union(PortRange(UDP, 53, 53)).Union(tcp(80, 80)), "TCP 80; UDP 53; SCTP 9"},
		{"intersection keeps the common ports", tcp(80, 100).Intersect(tcp(90, 120)), "TCP 90-100"},
		{"intersection of different protocols is empty", tcp(80, 80).Intersect(PortRange(UDP, 80, 80)), "No Connections"},
		{"intersection with all is the identity", AllConns().Intersect(tcp(1, 5)), "TCP 1-5"},
		{"subtraction splits a range", tcp(1, 100).Subtract(tcp(50, 60)), "TCP 1-49,61-100"},
		{"subtraction from all leaves the other protocols whole", AllConns().Subtract(AllPorts(TCP)), "UDP 1-65535; SCTP 1-65535"},
		{"a range is clamped to valid ports", tcp(0, 70000), "TCP 1-65535"},
		{"a reversed range is empty", tcp(90, 80), "No Connections"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.got.String(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestConnSetContainsAndEqual(t *testing.T) {
	s := PortRange(TCP, 80, 90).Union(PortRange(TCP, 443, 443)).Union(PortRange(UDP, 53, 53))
	cases := []struct {
		name string
		p    Protocol
		port int32
		want bool
	}{
		{"the first port of a range", TCP, 80, true},
		{"the last port of a range", TCP, 90, true},
		{"a port between ranges", TCP, 100, false},
		{"a single-port range", TCP, 443, true},
		{"a port past every range", TCP, 8443, false},
		{"the same port of another protocol", SCTP, 80, false},
		{"a port of the second protocol", UDP, 53, true},
		{"an unknown protocol", Protocol(7), 80, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := s.Contains(c.p, c.port); got != c.want {
				t.Errorf("Contains(%v, %d) = %v", c.p, c.port, got)
			}
		})
	}
	if !s.Equal(s.Union(NoConns())) || s.Equal(AllConns()) {
		t.Error("Equal does not compare the sets")
	}
	if !s.Union(AllConns()).IsAll() || !s.Subtract(s).IsEmpty() {
		t.Error("union with all is not all, or a set minus itself is not empty")
	}
}
