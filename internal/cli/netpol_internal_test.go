package cli

import (
	"testing"

	"palisade.dev/palisade/internal/netpol"
)

func FuzzConnFilter(f *testing.F) {
	for _, s := range []string{"", "x/*/*", "10.0.0.1", "[", "x/Pod/a", "::1", "*"} {
		f.Add(s, "80/TCP")
	}
	conns := []netpol.Connection{
		{Src: "x/Pod/a", Dst: "0.0.0.0-9.255.255.255", Conns: netpol.AllConns()},
		{Src: "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Dst: "x/Pod/a", Conns: netpol.PortRange(netpol.UDP, 53, 53)},
		{Src: "bad-range", Dst: "x/Pod/a", Conns: netpol.NoConns()},
	}
	f.Fuzz(func(t *testing.T, pattern, port string) {
		filter, err := parseConnFilter(pattern, pattern, port)
		if err != nil {
			return
		}
		for _, c := range conns {
			_ = filter.keeps(c)
		}
	})
}
