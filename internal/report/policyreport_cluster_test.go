package report_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/testcluster"
)

// cluster is a real API server, for the test that creates the policy reports through it.
var cluster testcluster.Shared

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// installCRDs creates the CRDs of the files in the cluster, waits until the API server serves
// them, and returns the resource of each kind.
func installCRDs(t *testing.T, dyn dynamic.Interface, files ...string) map[string]schema.GroupVersionResource {
	t.Helper()
	ctx := context.Background()
	resources := map[string]schema.GroupVersionResource{}
	for _, f := range files {
		crd := readCRD(t, f)
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(crd)
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{Object: content}
		u.SetAPIVersion("apiextensions.k8s.io/v1")
		u.SetKind("CustomResourceDefinition")
		if _, err := dyn.Resource(crdResource).Create(ctx, u, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("creating the CRD of %s: %v", f, err)
		}
		waitEstablished(t, dyn, crd.Name)
		for _, v := range crd.Spec.Versions {
			resources[crd.Spec.Group+"/"+v.Name+"/"+crd.Spec.Names.Kind] = schema.GroupVersionResource{Group: crd.Spec.Group, Version: v.Name, Resource: crd.Spec.Names.Plural}
		}
	}
	return resources
}

func waitEstablished(t *testing.T, dyn dynamic.Interface, name string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		got, err := dyn.Resource(crdResource).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		conditions, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, c := range conditions {
			if c, _ := c.(map[string]any); c["type"] == "Established" && c["status"] == "True" {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("CRD %s not established within a minute", name)
}

// TestPolicyReportsApplyToAnAPIServer installs the published CRDs in a real API server and
// applies every report Palisade writes for them, server-side as kubectl apply --server-side
// does: the API server accepts each one and keeps every field of it (it drops what a CRD's
// schema does not know, which would lose what Palisade wrote).
func TestPolicyReportsApplyToAnAPIServer(t *testing.T) {
	c := cluster.Require(t)
	dyn, err := dynamic.NewForConfig(c.Config(testcluster.Admin))
	if err != nil {
		t.Fatal(err)
	}
	resources := installCRDs(t, dyn, "wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml",
		"openreports.io_reports.yaml", "openreports.io_clusterreports.yaml")
	ctx := context.Background()
	core := c.Client(testcluster.Admin).CoreV1()
	for _, api := range report.ReportAPIs() {
		for _, tc := range policyReportCases() {
			t.Run(string(api)+"/"+tc.name, func(t *testing.T) {
				for _, obj := range decodeStream(t, writePolicyReport(t, tc.in(), api)) {
					u := &unstructured.Unstructured{Object: obj}
					gvk := u.GroupVersionKind()
					gvr, ok := resources[gvk.Group+"/"+gvk.Version+"/"+gvk.Kind]
					if !ok {
						t.Fatalf("no CRD serves %s", gvk)
					}
					var client dynamic.ResourceInterface = dyn.Resource(gvr)
					if ns := u.GetNamespace(); ns != "" {
						_, err := core.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
						if err != nil && !apierrors.IsAlreadyExists(err) {
							t.Fatal(err)
						}
						client = dyn.Resource(gvr).Namespace(ns)
					}
					got, err := client.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: "palisade", Force: true})
					if err != nil {
						var status apierrors.APIStatus
						if errors.As(err, &status) {
							t.Fatalf("the API server refused %s %s: %v", gvk.Kind, u.GetName(), status.Status().Details)
						}
						t.Fatalf("applying %s %s: %v", gvk.Kind, u.GetName(), err)
					}
					for _, field := range []string{"summary", "results", "source"} {
						if want, kept := obj[field], got.Object[field]; !reflect.DeepEqual(want, kept) {
							t.Errorf("%s %s: the API server kept %s as\n%v\nnot as written:\n%v", gvk.Kind, u.GetName(), field, kept, want)
						}
					}
					if !reflect.DeepEqual(got.GetLabels(), u.GetLabels()) {
						t.Errorf("%s %s: labels %v, want %v", gvk.Kind, u.GetName(), got.GetLabels(), u.GetLabels())
					}
				}
			})
		}
	}
}
