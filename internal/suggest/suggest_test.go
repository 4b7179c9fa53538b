package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"equal", "from", "from", 0},
		{"empty to word", "", "from", 4},
		{"one substitution", "runtime/defailt", "runtime/default", 1},
		{"one insertion", "annotation", "annotations", 1},
		{"adjacent swap counts once", "form", "from", 1},
		{"swap at the start", "rfom", "from", 1},
		{"two swaps", "rfmo", "from", 2},
		{"unrelated", "ports", "from", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Distance(tt.a, tt.b); got != tt.want {
				t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := Distance(tt.b, tt.a); got != tt.want {
				t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	tests := []struct {
		name       string
		word       string
		candidates []string
		want       string
	}{
		{"swapped letters in a short field", "form", []string{"from", "ports"}, "from"},
		{"missing letter", "annotation", []string{"annotations", "labels", "name"}, "annotations"},
		{"case only", "SYS_admin", []string{"SYS_ADMIN", "SYS_BOOT"}, "SYS_ADMIN"},
		{"nothing close", "replicas", []string{"from", "ports"}, ""},
		{"too far for a short name", "fo", []string{"from"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Closest(tt.word, tt.candidates); got != tt.want {
				t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}
