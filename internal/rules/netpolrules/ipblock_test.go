package netpolrules

import (
	"net/netip"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
)

func TestBlockOverlaps(t *testing.T) {
	tests := []struct {
		name   string
		cidr   string
		except []string
		rng    string
		want   bool
	}{
		{"range inside the cidr", "10.0.0.0/8", nil, "10.244.0.0/16", true},
		{"cidr inside the range", "10.244.1.0/24", nil, "10.244.0.0/16", true},
		{"disjoint", "192.168.0.0/16", nil, "10.244.0.0/16", false},
		{"other family", "0.0.0.0/0", nil, "fd00::/64", false},
		{"one except holds the range", "10.0.0.0/8", []string{"10.244.0.0/16"}, "10.244.1.0/24", false},
		{"excepts together hold the range", "10.0.0.0/8", []string{"10.244.1.128/25", "10.244.1.0/25"}, "10.244.1.0/24", false},
		{"excepts leave a gap at the end", "10.0.0.0/8", []string{"10.244.1.0/25"}, "10.244.1.0/24", true},
		{"excepts leave a gap at the start", "10.0.0.0/8", []string{"10.244.1.128/25"}, "10.244.1.0/24", true},
		{"excepts leave a gap inside", "10.0.0.0/8", []string{"10.244.1.0/26", "10.244.1.192/26"}, "10.244.1.0/24", true},
		{"nested excepts", "10.0.0.0/8", []string{"10.244.0.0/16", "10.244.1.0/25"}, "10.244.1.0/24", false},
		{"excepts cover the part inside a smaller cidr", "10.244.1.0/25", []string{"10.244.1.0/25"}, "10.244.0.0/16", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ok := parseBlock(&networkingv1.IPBlock{CIDR: tt.cidr, Except: tt.except})
			if !ok {
				t.Fatal("the block does not parse")
			}
			if got := b.overlaps(namedPrefix{prefix: netip.MustParsePrefix(tt.rng)}); got != tt.want {
				t.Errorf("overlaps(%s) = %v, want %v", tt.rng, got, tt.want)
			}
		})
	}
}
