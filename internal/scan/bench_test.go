package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/testcorpus"
)

// corpus returns the folder of the deterministic benchmark corpus of n objects (package
// testcorpus), generated into the temporary folder the first time and kept for later runs.
func corpus(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("palisade-testcorpus-%d", n))
	if err := testcorpus.Ensure(dir, n, 1); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkManifests scans the generated corpus with every rule on, and reports objects per
// second and the peak heap.
func BenchmarkManifests(b *testing.B) {
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000} {
		dir := corpus(b, n)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			var objects int
			start, runs := time.Now(), 0
			for b.Loop() {
				runs++
				res := scan.Manifests(context.Background(), scan.Request{
					Paths: []string{dir}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
				})
				objects = res.Objects
				if len(res.Errors) > 0 {
					b.Fatalf("scan errors: %v", res.Errors[0])
				}
			}
			b.ReportMetric(float64(objects*runs)/time.Since(start).Seconds(), "objects/s")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
		})
	}
}

// BenchmarkAdmissionPolicies scans the generated corpus with K ValidatingAdmissionPolicies in
// the input (each bound, judging Pods and every workload kind with a variable, a match
// condition and a messageExpression), and no other rule: the cost of judging policies,
// second reading of the input included.
func BenchmarkAdmissionPolicies(b *testing.B) {
	catalog, err := rules.NewCatalog()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000} {
		dir := corpus(b, n)
		for _, k := range []int{1, 10} {
			policies := b.TempDir()
			var docs []string
			for i := range k {
				docs = append(docs, fmt.Sprintf(benchPolicy, i, i, i))
			}
			if err := os.WriteFile(filepath.Join(policies, "policies.yaml"), []byte(strings.Join(docs, "---\n")), 0o644); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("objects=%d/policies=%d", n, k), func(b *testing.B) {
				var objects, findings int
				start, runs := time.Now(), 0
				for b.Loop() {
					runs++
					res := scan.Manifests(context.Background(), scan.Request{
						Paths: []string{dir, policies}, Catalog: catalog, NamespacesComplete: true,
					})
					objects, findings = res.Objects, res.ActiveFindings().Len()
					res.Close()
					if len(res.Errors) > 0 {
						b.Fatalf("scan errors: %v", res.Errors[0])
					}
				}
				if findings == 0 {
					b.Fatal("the policies found nothing; they are built to")
				}
				b.ReportMetric(float64(objects*runs)/time.Since(start).Seconds(), "objects/s")
				b.ReportMetric(float64(findings), "findings")
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
			})
		}
	}
}

const benchPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: bench-%d}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["", "apps", "batch"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs"]
  matchConditions:
  - name: not-kube-system
    expression: "object.metadata.namespace != 'kube-system'"
  variables:
  - name: spec
    expression: "object.kind == 'Pod' ? object.spec : object.spec.template.spec"
  validations:
  - expression: "variables.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.runAsNonRoot) && c.securityContext.runAsNonRoot)"
    messageExpression: "'containers of ' + object.metadata.name + ' may run as root'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: bench-%d}
spec: {policyName: bench-%d, validationActions: [Deny]}
`
