package distro_test

import (
	"fmt"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/distro"
)

func TestDetectRecognisesTheDistributionFromVersionThenNodeLabels(t *testing.T) {
	tests := []struct {
		name    string
		version string
		labels  []map[string]string
		want    string
	}{
		{"eks version", "v1.31.4-eks-0a21954", nil, distro.EKS},
		{"gke version", "v1.30.5-gke.1014001", nil, distro.GKE},
		{"k3s version", "v1.29.3+k3s1", nil, distro.K3s},
		{"rke2 version, built from k3s", "v1.28.9+rke2r1", nil, distro.RKE2},
		{"iks version", "v1.27.6+IKS", nil, distro.IKS},
		{"plain version is upstream", "v1.31.2", nil, ""},
		{"development build is upstream", "v0.0.0-master+$Format:%H$", nil, ""},
		{"aks by agent pool label", "v1.30.3", []map[string]string{{"kubernetes.azure.com/agentpool": "nodepool1"}}, distro.AKS},
		{"aks by cluster label on a later node", "v1.30.3", []map[string]string{{"kubernetes.io/os": "linux"}, {"kubernetes.azure.com/cluster": "MC_rg"}}, distro.AKS},
		{"openshift by os id, its +commit suffix names nothing", "v1.27.6+b49f9d1", []map[string]string{{"node.openshift.io/os_id": "rhcos"}}, distro.OpenShift},
		{"eks fargate by compute type", "", []map[string]string{{"eks.amazonaws.com/compute-type": "fargate"}}, distro.EKS},
		{"eks node group without version", "", []map[string]string{{"eks.amazonaws.com/nodegroup": "ng-1"}}, distro.EKS},
		{"gke node pool", "", []map[string]string{{"cloud.google.com/gke-nodepool": "default-pool"}}, distro.GKE},
		{"k3s instance type", "", []map[string]string{{"node.kubernetes.io/instance-type": "k3s"}}, distro.K3s},
		{"rke2 instance type", "", []map[string]string{{"node.kubernetes.io/instance-type": "rke2"}}, distro.RKE2},
		{"cloud instance type is not a distribution", "v1.31.0", []map[string]string{{"node.kubernetes.io/instance-type": "m5.large"}}, ""},
		{"version wins over labels", "v1.31.4-eks-0a21954", []map[string]string{{"cloud.google.com/gke-nodepool": "p"}}, distro.EKS},
		{"no version no nodes", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distro.Detect(tt.version, tt.labels); got != tt.want {
				t.Errorf("Detect(%q, %v) = %q, want %q", tt.version, tt.labels, got, tt.want)
			}
		})
	}
}

func TestParseVersionStripsDistributionSuffixes(t *testing.T) {
	tests := []struct {
		in                  string
		major, minor, patch int
	}{
		{"v1.31.4-eks-0a21954", 1, 31, 4},
		{"v1.30.5-gke.1014001", 1, 30, 5},
		{"v1.29.3+k3s1", 1, 29, 3},
		{"v1.28.9+rke2r1", 1, 28, 9},
		{"v1.27.6+IKS", 1, 27, 6},
		{"v1.27.6+b49f9d1", 1, 27, 6},
		{"v1.26.0-0.0.0-master", 1, 26, 0},
		{"v0.0.0-master+$Format:%H$", 0, 0, 0},
		{"v1.33.0-rc.1", 1, 33, 0},
		{"v1.37.2", 1, 37, 2},
		{"1.30.1", 1, 30, 1},
		{"v1.31", 1, 31, 0},
		{" v1.31.1\n", 1, 31, 1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			major, minor, patch, err := distro.ParseVersion(tt.in)
			if err != nil {
				t.Fatalf("ParseVersion(%q): %v", tt.in, err)
			}
			if major != tt.major || minor != tt.minor || patch != tt.patch {
				t.Errorf("ParseVersion(%q) = %d.%d.%d, want %d.%d.%d", tt.in, major, minor, patch, tt.major, tt.minor, tt.patch)
			}
		})
	}
}

func TestParseVersionRejectsWhatIsNotAVersion(t *testing.T) {
	for _, in := range []string{
		"", "v", "v1", "1", "v1.", "v1..3", "v1.x.3", "v1.2.3.4", "va.b.c", "v-1.2.3", "v+1.2",
		"v1.2.3x", "v1.-2.3", "v1.2.99999999999999999999", "v 1.2.3", "latest", "v１.2.3",
	} {
		t.Run(in, func(t *testing.T) {
			major, minor, patch, err := distro.ParseVersion(in)
			if err == nil {
				t.Fatalf("ParseVersion(%q) = %d.%d.%d, want an error", in, major, minor, patch)
			}
			if !strings.Contains(err.Error(), "parsing Kubernetes version") {
				t.Errorf("error %q does not say what was being parsed", err)
			}
		})
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{
		"v1.31.4-eks-0a21954", "v1.30.5-gke.1014001", "v1.29.3+k3s1", "v1.28.9+rke2r1", "v1.27.6+IKS",
		"v1.26.0-0.0.0-master", "v0.0.0-master+$Format:%H$", "1.30", "", "v1..", "v9999999999.1.1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		major, minor, patch, err := distro.ParseVersion(s)
		if err != nil {
			return
		}
		if major < 0 || minor < 0 || patch < 0 {
			t.Fatalf("ParseVersion(%q) = %d.%d.%d: negative component", s, major, minor, patch)
		}
		// What parsed must parse again, the same, once printed.
		again := fmt.Sprintf("v%d.%d.%d", major, minor, patch)
		m2, n2, p2, err := distro.ParseVersion(again)
		if err != nil || m2 != major || n2 != minor || p2 != patch {
			t.Fatalf("ParseVersion(%q) = %s, which parses as %d.%d.%d (%v)", s, again, m2, n2, p2, err)
		}
	})
}
