package manifest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"palisade.dev/palisade/internal/inventory"
)

// TestEveryPodOfTheSchemeReachesThePodAccessor walks every kind and version client-go's scheme
// knows. For each whose Go type carries a pod (a PodSpec, directly or in a PodTemplateSpec,
// through structs and pointers), it writes a minimal object with a privileged container where
// the type holds its pod (and, for a List kind, a List holding such an object), loads it, and
// asserts that the object leaves the loader with that pod reachable through
// inventory.PodTemplateOf, at the path the document has it. No object the API server would
// create (or once did) may run a pod that the pod rules never see.
func TestEveryPodOfTheSchemeReachesThePodAccessor(t *testing.T) {
	var gvks []schema.GroupVersionKind
	for gvk, typ := range scheme.Scheme.AllKnownTypes() {
		if gvk.Version == "__internal" || strings.HasSuffix(gvk.Kind, "List") {
			continue
		}
		if _, ok := podPath(typ, 0, map[reflect.Type]bool{}); ok {
			gvks = append(gvks, gvk)
		}
	}
	slices.SortFunc(gvks, func(a, b schema.GroupVersionKind) int { return strings.Compare(a.String(), b.String()) })
	// Pod, PodTemplate, ReplicationController; apps/v1, v1beta1, v1beta2 and extensions/v1beta1
	// workloads; batch/v1 Job and CronJob, batch/v1beta1 CronJob: at least these.
	if len(gvks) < 19 {
		t.Fatalf("found %d kinds with a pod in the scheme, want at least 19: %v", len(gvks), gvks)
	}
	for _, gvk := range gvks {
		for _, asList := range []bool{false, true} {
			name := gvk.GroupVersion().String() + "/" + gvk.Kind
			if asList {
				name += "/in a List"
			}
			t.Run(name, func(t *testing.T) {
				obj, specPath := minimalWithPod(t, gvk)
				if asList {
					obj = map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{obj}}
				}
				data, err := json.Marshal(obj)
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(t.TempDir(), "m.json")
				if err := os.WriteFile(file, data, 0o644); err != nil {
					t.Fatal(err)
				}
				res := Load(context.Background(), []string{file}, Options{})
				if len(res.Errors) > 0 {
					t.Fatalf("load errors: %v", res.Errors)
				}
				if res.Inventory.Len() != 1 {
					t.Fatalf("loaded %d objects, want 1", res.Inventory.Len())
				}
				o := res.Inventory.Objects()[0]
				pod, ok := inventory.PodTemplateOf(o)
				if !ok {
					t.Fatalf("%s (decoded as %T) leaves the loader without its pod", gvk, o.Typed)
				}
				if pod.SpecPath != specPath {
					t.Errorf("pod spec at %q, want %q", pod.SpecPath, specPath)
				}
				cs := pod.Containers()
				if len(cs) != 1 || cs[0].Name != "app" || cs[0].SecurityContext == nil || cs[0].SecurityContext.Privileged == nil || !*cs[0].SecurityContext.Privileged {
					t.Fatalf("the pod's container was not decoded: %+v", cs)
				}
				if line, _, exact := o.Positions.Locate(cs[0].Path + ".securityContext.privileged"); !exact || line == 0 {
					t.Errorf("the container's fields are not located at %s", cs[0].Path)
				}
			})
		}
	}
}

// podPath returns the JSON path of the PodSpec that values of t hold, found the way a reader
// of the API types would: through struct fields and pointers, not lists or maps.
func podPath(t reflect.Type, depth int, seen map[reflect.Type]bool) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[corev1.PodSpec]() {
		return "", true
	}
	if t.Kind() != reflect.Struct || seen[t] || depth > 10 {
		return "", false
	}
	seen[t] = true
	defer delete(seen, t)
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if p, ok := podPath(f.Type, depth+1, seen); ok {
			switch {
			case name == "": // inline
				return p, true
			case p == "":
				return name, true
			}
			return name + "." + p, true
		}
	}
	return "", false
}

// minimalWithPod builds the plain data of an object of gvk whose pod has one privileged
// container, and returns the path of its pod spec.
func minimalWithPod(t *testing.T, gvk schema.GroupVersionKind) (map[string]any, string) {
	t.Helper()
	typ := scheme.Scheme.AllKnownTypes()[gvk]
	path, ok := podPath(typ, 0, map[reflect.Type]bool{})
	if !ok {
		t.Fatalf("%s has no pod", gvk)
	}
	obj := map[string]any{
		"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind,
		"metadata": map[string]any{"name": "x", "namespace": "shop"},
	}
	spec := map[string]any{"containers": []any{map[string]any{
		"name": "app", "image": "registry.example/app:1.0",
		"securityContext": map[string]any{"privileged": true},
	}}}
	m := obj
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = spec
	return obj, path
}

// TestRemovedVersionsKeepTheirOwnSchema pins that an object in a removed version is checked
// against its own version's schema (fields only it has are not unknown, a typo still is) and
// handed to the rules as the version that replaced it.
func TestRemovedVersionsKeepTheirOwnSchema(t *testing.T) {
	tests := []struct {
		name       string
		doc        string
		wantType   string
		wantIssues []string // unknown field paths
	}{
		{
			name:     "extensions/v1beta1 Deployment's rollbackTo is its own field",
			doc:      "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  rollbackTo: {revision: 2}\n  template:\n    spec:\n      containers: [{name: web, image: web}]\n",
			wantType: "*v1.Deployment",
		},
		{
			name:     "extensions/v1beta1 DaemonSet's templateGeneration is its own field",
			doc:      "apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  templateGeneration: 3\n  template:\n    spec:\n      containers: [{name: agent, image: agent}]\n",
			wantType: "*v1.DaemonSet",
		},
		{
			name:     "apps/v1beta1 Deployment needs no selector",
			doc:      "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web}]\n",
			wantType: "*v1.Deployment",
		},
		{
			name:       "a typo in a removed version is still unknown",
			doc:        "apiVersion: apps/v1beta2\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replica: 2\n  template:\n    spec:\n      containers: [{name: db, image: db}]\n",
			wantType:   "*v1.StatefulSet",
			wantIssues: []string{"spec.replica"},
		},
		{
			name:       "rollbackTo is unknown in apps/v1",
			doc:        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  rollbackTo: {revision: 2}\n  template:\n    spec:\n      containers: [{name: web, image: web}]\n",
			wantType:   "*v1.Deployment",
			wantIssues: []string{"spec.rollbackTo"},
		},
		{
			name:     "batch/v1beta1 CronJob is read as batch/v1",
			doc:      "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: r}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: r, image: r}]\n",
			wantType: "*v1.CronJob",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := loadOne(t, tt.doc)
			if got := reflect.TypeOf(o.Typed).String(); got != tt.wantType || !strings.HasPrefix(reflect.TypeOf(o.Typed).Elem().PkgPath(), "k8s.io/api/") {
				t.Errorf("typed as %s, want %s", got, tt.wantType)
			}
			var issues []string
			for _, is := range o.Issues() {
				issues = append(issues, is.Path)
			}
			if !slices.Equal(issues, tt.wantIssues) {
				t.Errorf("unknown fields %q, want %q", issues, tt.wantIssues)
			}
			if _, ok := inventory.PodTemplateOf(o); !ok {
				t.Error("the pod is not reachable")
			}
		})
	}
}

// loadOne loads doc from a file and returns its one object; load errors fail the test.
func loadOne(t *testing.T, doc string) *inventory.Object {
	t.Helper()
	file := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	res := Load(context.Background(), []string{file}, Options{})
	if len(res.Errors) > 0 || res.Inventory.Len() != 1 {
		t.Fatalf("load: %d objects, errors %v", res.Inventory.Len(), res.Errors)
	}
	return res.Inventory.Objects()[0]
}
