package rego_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	opa "github.com/open-policy-agent/opa/v1/rego"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/policy/rego"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
)

// benchPod is a pod with a few of the faults the benchmark policies look for.
const benchPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  hostPID: true
  securityContext: {runAsNonRoot: true}
  volumes:
  - name: data
    hostPath: {path: /var/data}
  - name: cache
    emptyDir: {}
  containers:
  - name: app
    image: registry.example.com/shop/web:latest
    ports: [{containerPort: 8080}]
    resources: {limits: {cpu: 500m, memory: 256Mi}}
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
    volumeMounts: [{name: data, mountPath: /data}, {name: cache, mountPath: /cache}]
  - name: sidecar
    image: registry.example.com/shop/proxy:1.4.2
    securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}
  initContainers:
  - name: init
    image: busybox:1.36
    securityContext: {runAsUser: 0}
`

// benchObjects are distinct copies of the pod, more than Palisade's input cache holds, so that
// every evaluation converts its object as a scan does.
func benchObjects(b *testing.B) []*inventory.Object {
	b.Helper()
	stream := strings.Repeat(benchPod+"---\n", 64)
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(stream)})
	if len(res.Errors) > 0 || res.Inventory.Len() != 64 {
		b.Fatalf("loading: %v", res.Errors)
	}
	return res.Inventory.Objects()
}

func benchFiles(b *testing.B) []rego.File {
	b.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "bench", "*.rego"))
	if len(paths) != 20 {
		b.Fatalf("%d benchmark policies, want 20", len(paths))
	}
	var files []rego.File
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, rego.File{Name: p, Data: data})
	}
	return files
}

// BenchmarkTwentyPolicies measures one pod judged by 20 Rego policies: through Palisade's
// catalog, and with bare OPA (the same modules, one prepared query each, the same input
// document given as Go values, as an OPA user would).
func BenchmarkTwentyPolicies(b *testing.B) {
	ctx := context.Background()
	files := benchFiles(b)
	objs := benchObjects(b)

	b.Run("palisade", func(b *testing.B) {
		rs, err := rego.Rules(ctx, files, rego.Options{})
		if err != nil {
			b.Fatal(err)
		}
		cat, err := rules.NewCatalog(rs...)
		if err != nil {
			b.Fatal(err)
		}
		// One evaluation, as a scan has, whose findings are kept in blocks.
		ev := cat.NewEvaluation(&rules.Options{}, nil)
		b.ReportAllocs()
		n := 0
		for i := 0; b.Loop(); i++ {
			ev.Object(objs[i%len(objs)])
			n++
		}
		b.StopTimer()
		if fs := ev.Finish(inventory.New()); len(fs) != 16*n || len(ev.Errors()) > 0 {
			b.Fatalf("%d findings for %d objects, want 16 each (errors %v)", len(fs), n, ev.Errors())
		}
	})

	// bare-opa gives each query the input as Go values (OPA converts it on every Eval);
	// bare-opa-parsed converts it once per pod and gives every query the parsed value, the
	// fastest way the SDK offers.
	for _, parsed := range []bool{false, true} {
		name := "bare-opa"
		if parsed {
			name = "bare-opa-parsed"
		}
		b.Run(name, func(b *testing.B) { bareOPA(b, files, objs, parsed) })
	}
}

func bareOPA(b *testing.B, files []rego.File, objs []*inventory.Object, parsed bool) {
	ctx := context.Background()
	{
		var queries []opa.PreparedEvalQuery
		for _, f := range files {
			m, err := ast.ParseModuleWithOpts(f.Name, string(f.Data), ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				b.Fatal(err)
			}
			pq, err := opa.New(opa.Query(m.Package.Path.String()+".violation"), opa.Module(f.Name, string(f.Data))).PrepareForEval(ctx)
			if err != nil {
				b.Fatal(err)
			}
			queries = append(queries, pq)
		}
		// The same input document, decoded from JSON as a program would receive it.
		inputs := make([]map[string]any, len(objs))
		for i, o := range objs {
			v, err := rego.Input(o)
			if err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal([]byte(v.String()), &inputs[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			n := 0
			in := opa.EvalInput(inputs[i%len(inputs)])
			if parsed {
				v, err := ast.InterfaceToValue(inputs[i%len(inputs)])
				if err != nil {
					b.Fatal(err)
				}
				in = opa.EvalParsedInput(v)
			}
			for _, q := range queries {
				rs, err := q.Eval(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				if len(rs) > 0 {
					n += len(rs[0].Expressions[0].Value.([]any))
				}
			}
			if n != 16 {
				b.Fatalf("%d violations, want 16", n)
			}
		}
	}
}
