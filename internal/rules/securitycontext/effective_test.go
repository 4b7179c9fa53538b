package securitycontext

import (
	"reflect"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// deploymentPod wraps a pod spec the way a Deployment carries it.
func deploymentPod(spec corev1.PodSpec) inventory.PodTemplate {
	return inventory.PodTemplate{Spec: &spec, SpecPath: "spec.template.spec", MetaPath: "spec.template.metadata"}
}

func TestEffectiveRunAsNonRoot(t *testing.T) {
	tests := []struct {
		name         string
		pod          *corev1.PodSecurityContext
		container    *corev1.SecurityContext
		wantLevel    Level
		wantValue    bool
		wantPath     string
		wantEvidence string
	}{
		{
			name:         "unset in both is unset and points at the container field",
			wantLevel:    Unset,
			wantPath:     "spec.template.spec.containers[0].securityContext.runAsNonRoot",
			wantEvidence: "runAsNonRoot unset in container and pod",
		},
		{
			name:         "empty security contexts are unset",
			pod:          &corev1.PodSecurityContext{},
			container:    &corev1.SecurityContext{},
			wantLevel:    Unset,
			wantPath:     "spec.template.spec.containers[0].securityContext.runAsNonRoot",
			wantEvidence: "runAsNonRoot unset in container and pod",
		},
		{
			name:         "pod value covers a container that does not set it",
			pod:          &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
			wantLevel:    FromPod,
			wantValue:    true,
			wantPath:     "spec.template.spec.securityContext.runAsNonRoot",
			wantEvidence: "runAsNonRoot=true in pod securityContext (container does not set it)",
		},
		{
			name:         "container false overrides pod true",
			pod:          &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
			container:    &corev1.SecurityContext{RunAsNonRoot: new(false)},
			wantLevel:    FromContainer,
			wantValue:    false,
			wantPath:     "spec.template.spec.containers[0].securityContext.runAsNonRoot",
			wantEvidence: "runAsNonRoot=false in container securityContext",
		},
		{
			name:         "container true overrides pod false",
			pod:          &corev1.PodSecurityContext{RunAsNonRoot: new(false)},
			container:    &corev1.SecurityContext{RunAsNonRoot: new(true)},
			wantLevel:    FromContainer,
			wantValue:    true,
			wantPath:     "spec.template.spec.containers[0].securityContext.runAsNonRoot",
			wantEvidence: "runAsNonRoot=true in container securityContext",
		},
		{
			name:         "container value without a pod security context",
			container:    &corev1.SecurityContext{RunAsNonRoot: new(true)},
			wantLevel:    FromContainer,
			wantValue:    true,
			wantPath:     "spec.template.spec.containers[0].securityContext.runAsNonRoot",
			wantEvidence: "runAsNonRoot=true in container securityContext",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := deploymentPod(corev1.PodSpec{
				SecurityContext: tt.pod,
				Containers:      []corev1.Container{{Name: "app", SecurityContext: tt.container}},
			})
			c := containerContext{pod: pod, ref: pod.Containers()[0]}
			got := c.runAsNonRoot()
			if got.Level != tt.wantLevel || got.Value != tt.wantValue || got.Path() != tt.wantPath || got.Set() != (tt.wantLevel != Unset) {
				t.Errorf("runAsNonRoot() = {Level %v, Value %v, Path %q}, want {Level %v, Value %v, Path %q}",
					got.Level, got.Value, got.Path(), tt.wantLevel, tt.wantValue, tt.wantPath)
			}
			if e := got.Evidence(); e != tt.wantEvidence {
				t.Errorf("Evidence() = %q, want %q", e, tt.wantEvidence)
			}
		})
	}
}

func TestEffectiveCoversEveryContainerList(t *testing.T) {
	pod := deploymentPod(corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsUser: new(int64(1000))},
		InitContainers:  []corev1.Container{{Name: "init"}},
		Containers:      []corev1.Container{{Name: "app"}},
		EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: "debug", SecurityContext: &corev1.SecurityContext{RunAsUser: new(int64(0))},
		}}},
	})
	want := []struct {
		level Level
		value int64
		path  string
	}{
		{FromPod, 1000, "spec.template.spec.securityContext.runAsUser"},
		{FromPod, 1000, "spec.template.spec.securityContext.runAsUser"},
		{FromContainer, 0, "spec.template.spec.ephemeralContainers[0].securityContext.runAsUser"},
	}
	refs := pod.Containers()
	if len(refs) != len(want) {
		t.Fatalf("Containers() returned %d containers, want %d", len(refs), len(want))
	}
	for i, ref := range refs {
		got := containerContext{pod: pod, ref: ref}.runAsUser()
		if got.Level != want[i].level || got.Value != want[i].value || got.Path() != want[i].path {
			t.Errorf("%s: runAsUser() = {%v %d %q}, want {%v %d %q}", ref.Name,
				got.Level, got.Value, got.Path(), want[i].level, want[i].value, want[i].path)
		}
	}
}

func TestContainerOnlyFieldIgnoresThePod(t *testing.T) {
	pod := deploymentPod(corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
		Containers:      []corev1.Container{{Name: "app"}},
	})
	got := containerContext{pod: pod, ref: pod.Containers()[0]}.readOnlyRootFilesystem()
	if got.Set() {
		t.Fatalf("readOnlyRootFilesystem() is set (%v), want unset", got.Level)
	}
	if want := "readOnlyRootFilesystem unset in container"; got.Evidence() != want {
		t.Errorf("Evidence() = %q, want %q", got.Evidence(), want)
	}
	if want := "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"; got.Path() != want {
		t.Errorf("Path = %q, want %q", got.Path(), want)
	}
}

// TestUnsetContextsStayEmpty runs every rule of the package on pods and containers without a
// securityContext, which read the shared noContext and noPodContext, and checks that no rule
// wrote into them.
func TestUnsetContextsStayEmpty(t *testing.T) {
	cat, err := rules.NewCatalog(Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	pods := []*corev1.Pod{
		{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "bare", Image: "app:1"}}}},
		{Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Image: "app:1"}},
			Containers:     []corev1.Container{{Name: "c", Image: "app:1", SecurityContext: &corev1.SecurityContext{Privileged: new(true)}}},
		}},
		{Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{RunAsUser: new(int64(0))},
			Containers:      []corev1.Container{{Name: "c", Image: "app:1"}},
		}},
	}
	ev := cat.NewEvaluation(&rules.Options{}, nil)
	inv := inventory.New()
	for i, p := range pods {
		p.APIVersion, p.Kind, p.Name, p.Namespace = "v1", "Pod", "p"+strconv.Itoa(i), "apps"
		o := &inventory.Object{GVK: corev1.SchemeGroupVersion.WithKind("Pod"), Name: p.Name, Namespace: p.Namespace, Typed: p}
		ev.Object(o)
		inv.Add(o)
	}
	if fs := ev.Finish(inv); len(fs) == 0 {
		t.Fatal("no finding: the rules did not run")
	}
	if !reflect.DeepEqual(noContext, &corev1.SecurityContext{}) || !reflect.DeepEqual(noPodContext, &corev1.PodSecurityContext{}) {
		t.Errorf("a rule wrote into the shared empty securityContext: container %+v, pod %+v", noContext, noPodContext)
	}
}
