package webhook

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var allDefaults = Defaults{AllowPrivilegeEscalation: true, SeccompRuntimeDefault: true, RunAsNonRoot: true}

func mutateRequest(group, kind string, op admissionv1.Operation, obj string) *admissionv1.AdmissionRequest {
	return &admissionv1.AdmissionRequest{
		UID:       "u",
		Kind:      metav1.GroupVersionKind{Group: group, Version: "v1", Kind: kind},
		Operation: op,
		Object:    runtime.RawExtension{Raw: []byte(obj)},
	}
}

func TestDefaultsPatch(t *testing.T) {
	const bare = `{"spec":{"containers":[{"name":"a"}]}}`
	tests := []struct {
		name     string
		defaults Defaults
		req      *admissionv1.AdmissionRequest
		want     string // the patched object, or "" for no patch
	}{
		{
			name: "a bare Pod gets every default", defaults: allDefaults,
			req:  mutateRequest("", "Pod", admissionv1.Create, bare),
			want: `{"spec":{"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false}}],"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}}}`,
		},
		{name: "defaults that are off set nothing", defaults: Defaults{}, req: mutateRequest("", "Pod", admissionv1.Create, bare)},
		{
			name: "only the defaults turned on are set", defaults: Defaults{SeccompRuntimeDefault: true},
			req:  mutateRequest("", "Pod", admissionv1.Create, bare),
			want: `{"spec":{"containers":[{"name":"a"}],"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}}`,
		},
		{
			name: "values the author wrote are kept, missing ones added beside them", defaults: allDefaults,
			req: mutateRequest("", "Pod", admissionv1.Create,
				`{"spec":{"securityContext":{"seccompProfile":{"type":"Localhost","localhostProfile":"p.json"}},"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":true}},{"name":"b","securityContext":{"readOnlyRootFilesystem":true}}]}}`),
			want: `{"spec":{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"Localhost","localhostProfile":"p.json"}},"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":true}},{"name":"b","securityContext":{"readOnlyRootFilesystem":true,"allowPrivilegeEscalation":false}}]}}`,
		},
		{
			name: "a privileged container or one adding CAP_SYS_ADMIN keeps privilege escalation, as the API server requires", defaults: Defaults{AllowPrivilegeEscalation: true},
			req: mutateRequest("", "Pod", admissionv1.Create,
				`{"spec":{"containers":[{"name":"a","securityContext":{"privileged":true}},{"name":"b","securityContext":{"capabilities":{"add":["CAP_SYS_ADMIN"]}}},{"name":"c","securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}]}}`),
		},
		{
			name: "a pod that runs as user 0 explicitly is not made to run as non-root", defaults: Defaults{RunAsNonRoot: true},
			req: mutateRequest("", "Pod", admissionv1.Create, `{"spec":{"containers":[{"name":"a","securityContext":{"runAsUser":0}}]}}`),
		},
		{
			name: "init containers get the default too", defaults: Defaults{AllowPrivilegeEscalation: true},
			req:  mutateRequest("", "Pod", admissionv1.Create, `{"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false}}]}}`),
			want: `{"spec":{"initContainers":[{"name":"i","securityContext":{"allowPrivilegeEscalation":false}}],"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false}}]}}`,
		},
		{
			name: "a Windows pod is left alone: the API server refuses these settings on it", defaults: allDefaults,
			req: mutateRequest("", "Pod", admissionv1.Create, `{"spec":{"os":{"name":"windows"},"containers":[{"name":"a"}]}}`),
		},
		{name: "a Pod UPDATE is not patched: its security context is immutable", defaults: allDefaults, req: mutateRequest("", "Pod", admissionv1.Update, bare)},
		{
			name: "a Deployment's pod template is patched on UPDATE too", defaults: Defaults{SeccompRuntimeDefault: true},
			req:  mutateRequest("apps", "Deployment", admissionv1.Update, `{"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}}`),
			want: `{"spec":{"template":{"spec":{"containers":[{"name":"a"}],"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}}}}`,
		},
		{
			name: "a CronJob's pod is found under its job template", defaults: Defaults{AllowPrivilegeEscalation: true},
			req:  mutateRequest("batch", "CronJob", admissionv1.Create, `{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}}}}`),
			want: `{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"a","securityContext":{"allowPrivilegeEscalation":false}}]}}}}}}`,
		},
		{name: "a kind that runs no pod is left alone", defaults: allDefaults, req: mutateRequest("", "ConfigMap", admissionv1.Create, `{"data":{}}`)},
		{name: "a kind of the same name in another group is left alone", defaults: allDefaults, req: mutateRequest("example.com", "Deployment", admissionv1.Create, `{"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}}`)},
		{name: "a DELETE is left alone", defaults: allDefaults, req: mutateRequest("", "Pod", admissionv1.Delete, bare)},
		{name: "a workload without a pod template is left alone", defaults: allDefaults, req: mutateRequest("apps", "Deployment", admissionv1.Create, `{"spec":{}}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := tt.defaults.Patch(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(ops) > 0 {
					t.Errorf("patch %+v, want none", ops)
				}
				return
			}
			got := applyAdds(t, tt.req.Object.Raw, ops)
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Errorf("patched object\n%s\nwant\n%s", g, tt.want)
			}
		})
	}
}

func TestDefaultsPatchRefusesAnUnreadableObjectWithoutQuotingIt(t *testing.T) {
	_, err := allDefaults.Patch(mutateRequest("", "Pod", admissionv1.Create, `{"spec": `+secret+`}`))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("error %v, want one that does not quote the object", err)
	}
}

func TestMutateAnswersWithAJSONPatch(t *testing.T) {
	s, _ := testServer(allowAll, true)
	s.SetPolicy(&Policy{Reviewer: allowAll, Defaults: allDefaults})
	rec := post(s.Handler(), "/mutate", "application/json", body(t, podReview("uid-m", false)))
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Response == nil {
		t.Fatalf("answer %s: %v", rec.Body, err)
	}
	r := out.Response
	if !r.Allowed || r.UID != "uid-m" || r.PatchType == nil || *r.PatchType != admissionv1.PatchTypeJSONPatch || len(r.Patch) == 0 {
		t.Errorf("response %+v, want an admission with a JSONPatch and the request's uid", r)
	}
}

// applyAdds applies JSONPatch add operations, the only ones Patch makes (RFC 6902 §4.1).
func applyAdds(t *testing.T, raw []byte, ops []PatchOp) any {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Op != "add" {
			t.Fatalf("op %s, want add", op.Op)
		}
		keys := strings.Split(op.Path, "/")[1:]
		parent := doc
		for _, k := range keys[:len(keys)-1] {
			switch p := parent.(type) {
			case map[string]any:
				var ok bool
				if parent, ok = p[k]; !ok {
					t.Fatalf("path %s: no %s", op.Path, k)
				}
			case []any:
				i, err := strconv.Atoi(k)
				if err != nil || i >= len(p) {
					t.Fatalf("path %s: no index %s", op.Path, k)
				}
				parent = p[i]
			}
		}
		m, ok := parent.(map[string]any)
		last := keys[len(keys)-1]
		if !ok {
			t.Fatalf("path %s: parent is not an object", op.Path)
		}
		if _, exists := m[last]; exists {
			t.Fatalf("path %s: add would replace a value the author wrote", op.Path)
		}
		v, _ := json.Marshal(op.Value)
		var val any
		_ = json.Unmarshal(v, &val)
		m[last] = val
	}
	return doc
}
