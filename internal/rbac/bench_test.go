package rbac_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/rbac"
	"palisade.dev/palisade/internal/source/manifest"
)

var benchKeep = flag.String("rbac.keep", "", "write the benchmarks' generated manifests into this folder too (to time the CLI on them)")

// benchSizes: bindings, with a fifth as many Roles and a fiftieth as many ClusterRoles (10k
// Roles and 50k bindings at the largest), over 200 namespaces. A ClusterRole in 100 of those
// that may is aggregated (about 7 at 1k bindings, 700 at 50k); a real cluster has a dozen.
var benchSizes = []int{1_000, 10_000, 50_000}

// benchSet generates the set of a size, the same each time.
func benchSet(bindings int) *rbac.Objects {
	namespaces := make([]string, 200)
	for i := range namespaces {
		namespaces[i] = fmt.Sprintf("ns-%d", i)
	}
	g := &generator{rng: rand.New(rand.NewPCG(1, uint64(bindings))), namespaces: namespaces, aggregateOneIn: 100}
	return g.set(bindings/50, bindings/5, bindings)
}

// secretsAnywhere is who-can get secrets -A.
var secretsAnywhere = rbac.Attributes{Verb: "get", Resource: "secrets"}

func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		objs := benchSet(n)
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rbac.Build(objs, rbac.FromManifests)
			}
		})
	}
}

func BenchmarkWhoCanSecretsAllNamespaces(b *testing.B) {
	for _, n := range benchSizes {
		x := rbac.Build(benchSet(n), rbac.FromManifests)
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var grants int
			for b.Loop() {
				grants = len(x.WhoCan(secretsAnywhere, rbac.AllNamespaces))
			}
			b.ReportMetric(float64(grants), "grants")
		})
	}
}

// BenchmarkFromFiles is the whole of `rbac who-can get secrets -A -f DIR` but printing:
// reading the manifests, indexing, answering. peak-heap-MB is the largest live heap seen
// after an iteration's garbage collection points (runtime.MemStats.HeapSys bounds it).
func BenchmarkFromFiles(b *testing.B) {
	for _, n := range benchSizes {
		dir := b.TempDir()
		if *benchKeep != "" {
			dir = filepath.Join(*benchKeep, fmt.Sprintf("bindings-%d", n))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		writeManifests(b, filepath.Join(dir, "rbac.yaml"), benchSet(n))
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				res := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
				objs := &rbac.Objects{}
				for _, o := range res.Inventory.Objects() {
					objs.AddInventory(o)
				}
				x := rbac.Build(objs, rbac.FromManifests)
				x.WhoCan(secretsAnywhere, rbac.AllNamespaces)
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapSys)
			}
			b.ReportMetric(float64(peak)/(1<<20), "heap-sys-MB")
		})
	}
}

// benchSurroundings has a pod running as sa1 in each of the benchmark's namespaces, so that
// the node-credentials move has somewhere to lead.
func benchSurroundings() *rbac.Surroundings {
	s := &rbac.Surroundings{}
	for i := range 200 {
		s.Mounted = append(s.Mounted, rbac.NamespacedName{Namespace: fmt.Sprintf("ns-%d", i), Name: "sa1"})
	}
	return s
}

// escalationSet is the set of a size with no rule allowing everything (the generator writes
// some, and one bound to system:authenticated makes everyone admin, leaving no path to find)
// but one ClusterRole that does, bound to the ServiceAccount ns-0/sa2.
func escalationSet(bindings int) *rbac.Objects {
	objs := benchSet(bindings)
	weaken := func(rules []rbacv1.PolicyRule) {
		for i := range rules {
			if slices.Contains(rules[i].Verbs, "*") && slices.Contains(rules[i].Resources, "*") && slices.Contains(rules[i].APIGroups, "*") {
				rules[i].Verbs = []string{"get"}
			}
		}
	}
	for _, r := range objs.ClusterRoles {
		weaken(r.Rules)
	}
	for _, r := range objs.Roles {
		weaken(r.Rules)
	}
	objs.ClusterRoles = append(objs.ClusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "bench-admin"},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}}})
	objs.ClusterRoleBindings = append(objs.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bench-admin"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "bench-admin"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "ns-0", Name: "sa2"}}})
	return objs
}

// BenchmarkEscalations is the escalation analysis of an indexed set: building the graph and
// finding every subject's shortest path.
func BenchmarkEscalations(b *testing.B) {
	for _, n := range benchSizes {
		x := rbac.Build(escalationSet(n), rbac.FromManifests)
		sur := benchSurroundings()
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var paths int
			for b.Loop() {
				paths = len(x.Escalations(sur))
			}
			b.ReportMetric(float64(paths), "paths")
		})
	}
}
