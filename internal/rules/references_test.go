package rules

import "testing"

// TestCISReferencesNameTheirBenchmark pins the titles of CIS references, which reports and
// the generated rule documentation show: the check's title, then the benchmark version cited.
func TestCISReferencesNameTheirBenchmark(t *testing.T) {
	for _, tc := range []struct {
		name string
		ref  Reference
		want Reference
	}{
		{"a check of the benchmark cited", CIS("4.2.1", "Ensure X"),
			Reference{Kind: "CIS", ID: "4.2.1", Title: "Ensure X (CIS Kubernetes Benchmark v1.10.0)"}},
		{"a check of the later benchmark", CISLater("4.2.14", "Ensure Y", false),
			Reference{Kind: "CIS", ID: "4.2.14", Title: "Ensure Y (CIS Kubernetes Benchmark v1.12.0)"}},
		{"a check only the later benchmark has says so", CISLater("1.2.30", "Ensure Z", true),
			Reference{Kind: "CIS", ID: "1.2.30", Title: "Ensure Z (CIS Kubernetes Benchmark v1.12.0; not in v1.10.0)"}},
		{"a linked check keeps its title", CIS("5.4.1", "Prefer W").Linked(CISURL),
			Reference{Kind: "CIS", ID: "5.4.1", Title: "Prefer W (CIS Kubernetes Benchmark v1.10.0)", URL: "https://www.cisecurity.org/benchmark/kubernetes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ref != tc.want {
				t.Errorf("got %+v, want %+v", tc.ref, tc.want)
			}
		})
	}
}
