package netpol

import (
	"net/netip"
	"slices"
)

// AddressRange is an inclusive range of addresses, Lo..Hi, of one family.
type AddressRange struct{ Lo, Hi netip.Addr }

func (r AddressRange) String() string { return r.Lo.String() + "-" + r.Hi.String() }

// Contains reports whether ip is in the range.
func (r AddressRange) Contains(ip netip.Addr) bool {
	return ip.BitLen() == r.Lo.BitLen() && r.Lo.Compare(ip) <= 0 && ip.Compare(r.Hi) <= 0
}

var (
	firstV4 = netip.AddrFrom4([4]byte{})
	lastV4  = netip.AddrFrom4([4]byte{255, 255, 255, 255})
	firstV6 = netip.IPv6Unspecified()
	lastV6  = netip.AddrFrom16([16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
)

// LastOf is the last address of a masked prefix.
func LastOf(p netip.Prefix) netip.Addr {
	a := p.Addr()
	b := a.AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	last, _ := netip.AddrFromSlice(b)
	return last
}

// partition cuts the address space into ranges that every prefix either holds whole or
// not at all, so an ipBlock matches each range entirely or not at all. IPv4 is always
// covered; IPv6 only when a prefix or a pod address is IPv6.
func partition(prefixes []netip.Prefix, v6 bool) []AddressRange {
	starts := []netip.Addr{firstV4}
	for _, p := range prefixes {
		if p.Addr().Is6() {
			v6 = true
		}
		starts = append(starts, p.Addr())
		if next := LastOf(p).Next(); next.IsValid() && next != firstV6 {
			starts = append(starts, next)
		}
	}
	if v6 {
		starts = append(starts, firstV6)
	}
	return rangesFrom(starts)
}

// rangesFrom cuts the address space at starts (which must hold the first address of each
// family it covers): each range runs to the next start of its family or the family's end.
func rangesFrom(starts []netip.Addr) []AddressRange {
	slices.SortFunc(starts, func(a, b netip.Addr) int { return a.Compare(b) })
	starts = slices.Compact(starts)
	out := make([]AddressRange, len(starts))
	for i, s := range starts {
		end := lastV4
		if s.Is6() {
			end = lastV6
		}
		if i+1 < len(starts) && starts[i+1].BitLen() == s.BitLen() {
			end = starts[i+1].Prev()
		}
		out[i] = AddressRange{s, end}
	}
	return out
}

// rangeOf is the index of the range holding ip, or -1.
func rangeOf(ranges []AddressRange, ip netip.Addr) int {
	i, found := slices.BinarySearchFunc(ranges, ip, func(r AddressRange, ip netip.Addr) int { return r.Lo.Compare(ip) })
	if found {
		return i
	}
	if i > 0 && ranges[i-1].Contains(ip) {
		return i - 1
	}
	return -1
}
