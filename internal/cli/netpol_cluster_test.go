package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

// netpolClusterManifests are three namespaces (NSX, NSY and NSZ stand for their names) with pods and
// a Deployment each, and policies that exercise what the API server defaults (policyTypes,
// protocols) and what the engine resolves (named ports, endPort, AND and OR of peers).
const netpolClusterManifests = `
apiVersion: v1
kind: Namespace
metadata: {name: NSX, labels: {tier: front}}
---
apiVersion: v1
kind: Namespace
metadata: {name: NSY, labels: {tier: back}}
---
apiVersion: v1
kind: Namespace
metadata: {name: NSZ}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: NSY}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: NSY}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {tier: front}}
      podSelector: {matchLabels: {pod: b}}
    - podSelector: {matchLabels: {pod: c}}
    ports: [{port: serve-80}, {port: 8000, endPort: 8100}]
  egress:
  - to: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [NSZ]}]}}]
    ports: [{port: 53, protocol: UDP}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: sctp-only, namespace: NSZ}
spec:
  podSelector: {matchLabels: {pod: b}}
  ingress: [{ports: [{port: 81, protocol: SCTP}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-web, namespace: NSX}
spec:
  podSelector: {matchLabels: {app: web}}
  egress: [{to: [{podSelector: {}}, {namespaceSelector: {matchLabels: {tier: back}}}], ports: [{port: 80}, {port: 8080}]}]
`

// netpolClusterWorkloads are the pods and a Deployment of one namespace.
func netpolClusterWorkloads(ns string) string {
	var b strings.Builder
	for _, pod := range []string{"a", "b", "c"} {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %q, labels: {pod: %s}}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    ports: [{name: serve-80, containerPort: 80}, {name: serve-81, containerPort: 81, protocol: UDP}]
`, pod, ns, pod)
	}
	fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: %q}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, pod: b}}
    spec: {containers: [{name: web, image: registry.example/web:1.0, ports: [{name: serve-80, containerPort: 8080}]}]}
`, ns)
	return b.String()
}

// netpolConnections runs palisade netpol with args and returns the connections between the
// given namespaces, as lines.
func netpolConnections(t *testing.T, namespaces []string, args ...string) []string {
	t.Helper()
	code, out, errOut := runWithStdin(t, "", append([]string{"netpol", "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Connections []struct{ Src, Dst, Conns string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	inScope := func(name string) bool {
		return slices.ContainsFunc(namespaces, func(ns string) bool { return strings.HasPrefix(name, ns+"/") })
	}
	var lines []string
	for _, c := range got.Connections {
		if inScope(c.Src) && inScope(c.Dst) {
			lines = append(lines, c.Src+" => "+c.Dst+" : "+c.Conns)
		}
	}
	return lines
}

// TestNetpolOnAClusterEqualsTheManifests creates the objects through the API server and runs
// the engine on what the cluster lists back: the connections between the test's namespaces,
// and each workload's verdicts with an address outside the cluster, equal those of the
// manifests. The API server fills in policyTypes and protocols, which the engine infers.
func TestNetpolOnAClusterEqualsTheManifests(t *testing.T) {
	c := testCluster.Require(t)
	token := fmt.Sprintf("t%06x", rand.Uint32()&0xffffff)
	namespaces := []string{"np-x-" + token, "np-y-" + token, "np-z-" + token}
	text := strings.NewReplacer("NSX", namespaces[0], "NSY", namespaces[1], "NSZ", namespaces[2]).Replace(netpolClusterManifests)
	for _, ns := range namespaces {
		text += netpolClusterWorkloads(ns)
	}
	file := filepath.Join(t.TempDir(), "netpol.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	applied, err := testapply.Apply(context.Background(), c.Config(testcluster.Admin), []string{file}, 4)
	if err != nil || len(applied.Rejected) > 0 {
		t.Fatalf("applying: %v %v", err, applied.Rejected)
	}
	fromFiles := netpolConnections(t, namespaces, "-f", file)
	fromCluster := netpolConnections(t, namespaces, "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor)
	if len(fromFiles) < 20 {
		t.Fatalf("the manifests give %d connections, fewer than the case holds:\n%s", len(fromFiles), strings.Join(fromFiles, "\n"))
	}
	if !slices.Equal(fromFiles, fromCluster) {
		t.Errorf("manifests:\n%s\ncluster:\n%s", strings.Join(fromFiles, "\n"), strings.Join(fromCluster, "\n"))
	}
	for _, ns := range namespaces {
		for _, w := range []string{"Pod/a", "Pod/b", "Pod/c", "Deployment/web"} {
			name := ns + "/" + w
			for _, probe := range [][]string{{name, "203.0.113.9", "443"}, {"203.0.113.9", name, "80"}, {name, "10.1.2.3", "53/UDP"}} {
				_, want, _ := runWithStdin(t, "", append([]string{"netpol", "explain", "-f", file}, probe...)...)
				_, got, _ := runWithStdin(t, "", append([]string{"netpol", "explain", "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor}, probe...)...)
				if first(want) == "" || first(want) != first(got) {
					t.Errorf("explain %v: manifests %q, cluster %q", probe, first(want), first(got))
				}
			}
		}
	}
}

// first is the first word of s.
func first(s string) string {
	w, _, _ := strings.Cut(s, ":")
	return w
}
