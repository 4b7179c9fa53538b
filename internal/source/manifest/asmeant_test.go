package manifest

import (
	"maps"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
)

// TestMisspeltFieldsAreReadAsMeant pins that the value of an unknown field with a close
// spelling at its own level is read as the field meant, at the path written: its own mistakes
// become the object's issues, the object as meant holds the value, and the real object (what
// the API server creates) does not.
func TestMisspeltFieldsAreReadAsMeant(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		wantRenames []inventory.Rename // nil: no object as meant
		wantIssues  []string           // kind and path of every issue, in order
		check       func(t *testing.T, real, meant *inventory.Object)
	}{
		{
			name: "the seed's misspelt annotations hold the seccomp annotation",
			doc: `apiVersion: v1
kind: Pod
metadata:
  name: web
  annotation:
    seccomp.security.alpha.kubernetes.io/pod: runtime/defailt
spec:
  containers: [{name: app, image: app}]
`,
			wantRenames: []inventory.Rename{{Written: "metadata.annotation", Meant: "metadata.annotations"}},
			wantIssues:  []string{"unknown-field metadata.annotation"},
			check: func(t *testing.T, real, meant *inventory.Object) {
				if len(real.Annotations) != 0 {
					t.Errorf("the real object has annotations %v; the API server drops them", real.Annotations)
				}
				pod, _ := inventory.PodTemplateOf(meant)
				if got := pod.Meta.Annotations["seccomp.security.alpha.kubernetes.io/pod"]; got != "runtime/defailt" {
					t.Errorf("as meant, the seccomp annotation is %q", got)
				}
			},
		},
		{
			name: "a misspelt securityContext's wrong-typed value and inner typo are reported where written",
			doc: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    spec:
      containers:
      - name: app
        image: app
        securityContex:
          privileged: ture
          runAsNonRot: true
          readOnlyRootFilesystem: true
`,
			wantRenames: []inventory.Rename{{Written: "spec.template.spec.containers[0].securityContex", Meant: "spec.template.spec.containers[0].securityContext"}},
			wantIssues: []string{
				"unknown-field spec.template.spec.containers[0].securityContex",
				"unknown-field spec.template.spec.containers[0].securityContex.runAsNonRot",
				"wrong-type spec.template.spec.containers[0].securityContex.privileged",
			},
			check: func(t *testing.T, real, meant *inventory.Object) {
				if pod, _ := inventory.PodTemplateOf(real); pod.Spec.Containers[0].SecurityContext != nil {
					t.Error("the real container has a securityContext")
				}
				pod, _ := inventory.PodTemplateOf(meant)
				sc := pod.Spec.Containers[0].SecurityContext
				if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					t.Errorf("as meant, the securityContext is %+v", sc)
				}
				var is inventory.FieldIssue
				for _, i := range real.Issues() {
					if i.Kind == inventory.WrongType {
						is = i
					}
				}
				if is.Field != "privileged" || is.Detail == "" {
					t.Errorf("wrong-type issue %+v", is)
				}
				if line, _, exact := real.Positions.Locate(is.Path); !exact || line != 12 {
					t.Errorf("the wrong-typed value is located at line %d (exact %v), want 12", line, exact)
				}
			},
		},
		{
			name: "the misspelling replaces the field meant when both are written",
			doc: `apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations: {team: shop}
  anotations: {container.apparmor.security.beta.kubernetes.io/app: unconfined}
spec:
  containers: [{name: app, image: app}]
`,
			wantRenames: []inventory.Rename{{Written: "metadata.anotations", Meant: "metadata.annotations"}},
			wantIssues:  []string{"unknown-field metadata.anotations"},
			check: func(t *testing.T, real, meant *inventory.Object) {
				if want := map[string]string{"team": "shop"}; !maps.Equal(real.Annotations, want) {
					t.Errorf("real annotations %v, want %v", real.Annotations, want)
				}
				if want := map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}; !maps.Equal(meant.Annotations, want) {
					t.Errorf("annotations as meant %v, want %v", meant.Annotations, want)
				}
			},
		},
		{
			name: "a field at the wrong level is not read as meant",
			doc: `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  privileged: true
  containers: [{name: app, image: app}]
`,
			wantIssues: []string{"unknown-field spec.privileged"},
		},
		{
			name: "an unknown field with no close spelling is not read as meant",
			doc: `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  flavour: {privileged: ture}
  containers: [{name: app, image: app}]
`,
			wantIssues: []string{"unknown-field spec.flavour"},
		},
		{
			name: "an object without misspellings has no object as meant",
			doc:  "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: app}]\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := loadOne(t, tt.doc)
			var issues []string
			for _, is := range o.Issues() {
				issues = append(issues, string(is.Kind)+" "+is.Path)
			}
			if !slices.Equal(issues, tt.wantIssues) {
				t.Errorf("issues %q, want %q", issues, tt.wantIssues)
			}
			if tt.wantRenames == nil {
				if o.AsMeant() != nil {
					t.Fatalf("an object as meant for %+v", o.AsMeant().Renames)
				}
				return
			}
			if o.AsMeant() == nil {
				t.Fatal("no object as meant")
			}
			if !slices.Equal(o.AsMeant().Renames, tt.wantRenames) {
				t.Errorf("renames %+v, want %+v", o.AsMeant().Renames, tt.wantRenames)
			}
			if _, ok := o.AsMeant().Object.Typed.(*corev1.Pod); !ok && o.GVK.Kind == "Pod" {
				t.Errorf("as meant typed %T", o.AsMeant().Object.Typed)
			}
			if tt.check != nil {
				tt.check(t, o, o.AsMeant().Object)
			}
		})
	}
}
