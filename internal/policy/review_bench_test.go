package policy_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	opa "github.com/open-policy-agent/opa/v1/rego"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/policy"
	"palisade.dev/palisade/internal/rules"
)

// twentyPolicies are 20 Rego policies in Palisade's format, one per pod-security check.
const twentyPolicies = "rego/testdata/bench"

// reviewedDeployment is the object of the benchmark's review: a Deployment whose pod breaks
// several of the policies (a host PID namespace, a hostPath volume, an image tagged latest, a
// privileged container that adds NET_ADMIN, an init container run as root).
const reviewedDeployment = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},
"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"hostPID":true,"securityContext":{"runAsNonRoot":true},
"volumes":[{"name":"data","hostPath":{"path":"/var/data"}},{"name":"cache","emptyDir":{}}],
"containers":[{"name":"app","image":"registry.example.com/shop/web:latest","ports":[{"containerPort":8080}],
"resources":{"limits":{"cpu":"500m","memory":"256Mi"}},
"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},
"volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"cache","mountPath":"/cache"}]},
{"name":"sidecar","image":"registry.example.com/shop/proxy:1.4.2","securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN"]}}}],
"initContainers":[{"name":"init","image":"busybox:1.36","securityContext":{"runAsUser":0}}]}}}}`

func reviewedRequest() *admissionv1.AdmissionRequest {
	return &admissionv1.AdmissionRequest{
		UID:       "bench",
		Kind:      metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
		Resource:  metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
		Namespace: "shop", Name: "web", Operation: admissionv1.Create,
		Object: runtime.RawExtension{Raw: []byte(reviewedDeployment)},
	}
}

// BenchmarkTwentyPoliciesReview is the cost of one admission review judged by 20 Rego
// policies and nothing else: through Palisade (policy.Catalog, then the admission engine's
// Review, from the request's raw object to the response), and with bare OPA (the same modules,
// each prepared once, evaluated per review on the same input document built from the raw
// object, as a program that serves reviews with the OPA SDK would). bare-opa gives every query
// the input as Go values, which OPA converts on every Eval; bare-opa-parsed converts it once
// per review and gives every query the parsed value.
//
//	go test -run '^$' -bench TwentyPoliciesReview -benchmem ./internal/policy
func BenchmarkTwentyPoliciesReview(b *testing.B) {
	ctx := context.Background()
	req := reviewedRequest()
	var violations int // what bare OPA finds, for Palisade's review to match

	for _, parsed := range []bool{false, true} {
		name := "bare-opa"
		if parsed {
			name = "bare-opa-parsed"
		}
		b.Run(name, func(b *testing.B) {
			queries := prepareBare(b)
			b.ReportAllocs()
			for b.Loop() {
				violations = bareReview(b, queries, req, parsed)
			}
		})
	}

	b.Run("palisade", func(b *testing.B) {
		none, err := rules.NewCatalog()
		if err != nil {
			b.Fatal(err)
		}
		cat, err := policy.Catalog(ctx, none, []string{twentyPolicies}, policy.Options{})
		if err != nil {
			b.Fatal(err)
		}
		engine, err := admission.New(cat, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		var d admission.Decision
		for b.Loop() {
			d = engine.Review(ctx, req)
		}
		b.StopTimer()
		hits := 0
		for _, h := range d.Hits {
			hits += 1 + len(h.AlsoBreaks)
		}
		if d.Err != nil || len(d.Failed) > 0 || hits == 0 || violations > 0 && hits != violations {
			b.Fatalf("%d hits (with what they fold), bare OPA found %d violations; error %v, failed %v", hits, violations, d.Err, d.Failed)
		}
	})
}

// prepareBare prepares one query per policy, data.<package>.violation, as an OPA user would.
func prepareBare(b *testing.B) []opa.PreparedEvalQuery {
	b.Helper()
	paths, _ := filepath.Glob(filepath.Join(twentyPolicies, "*.rego"))
	if len(paths) != 20 {
		b.Fatalf("%d benchmark policies, want 20", len(paths))
	}
	var queries []opa.PreparedEvalQuery
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		m, err := ast.ParseModuleWithOpts(p, string(data), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			b.Fatal(err)
		}
		pq, err := opa.New(opa.Query(m.Package.Path.String()+".violation"), opa.Module(p, string(data))).PrepareForEval(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		queries = append(queries, pq)
	}
	return queries
}

// bareReview judges one review with the prepared queries: the raw object decoded, Palisade's
// input document built around it, every query evaluated; it returns the violations found.
func bareReview(b *testing.B, queries []opa.PreparedEvalQuery, req *admissionv1.AdmissionRequest, parsed bool) int {
	var object map[string]any
	if err := json.Unmarshal(req.Object.Raw, &object); err != nil {
		b.Fatal(err)
	}
	template := object["spec"].(map[string]any)["template"].(map[string]any)
	input := map[string]any{
		"object":    object,
		"kind":      map[string]any{"group": req.Kind.Group, "version": req.Kind.Version, "kind": req.Kind.Kind},
		"namespace": req.Namespace,
		"name":      req.Name,
		"pod": map[string]any{"metadata": template["metadata"], "spec": template["spec"],
			"metadataPath": "spec.template.metadata", "specPath": "spec.template.spec"},
	}
	in := opa.EvalInput(input)
	if parsed {
		v, err := ast.InterfaceToValue(input)
		if err != nil {
			b.Fatal(err)
		}
		in = opa.EvalParsedInput(v)
	}
	n := 0
	for _, q := range queries {
		rs, err := q.Eval(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		if len(rs) > 0 {
			n += len(rs[0].Expressions[0].Value.([]any))
		}
	}
	return n
}
