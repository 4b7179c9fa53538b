package inventory

import (
	"maps"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestPodTemplateOfEveryWorkloadKind(t *testing.T) {
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	cases := []struct {
		name     string
		obj      runtime.Object
		specPath string
		ok       bool
	}{
		{"Pod", &corev1.Pod{Spec: tmpl.Spec}, "spec", true},
		{"PodTemplate", &corev1.PodTemplate{Template: tmpl}, "template.spec", true},
		{"ReplicationController", &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: &tmpl}}, "spec.template.spec", true},
		{"ReplicationController without template", &corev1.ReplicationController{}, "", false},
		{"Deployment", &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: tmpl}}, "spec.template.spec", true},
		{"ReplicaSet", &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Template: tmpl}}, "spec.template.spec", true},
		{"StatefulSet", &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: tmpl}}, "spec.template.spec", true},
		{"DaemonSet", &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: tmpl}}, "spec.template.spec", true},
		{"Job", &batchv1.Job{Spec: batchv1.JobSpec{Template: tmpl}}, "spec.template.spec", true},
		{"CronJob", &batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: tmpl}}}}, "spec.jobTemplate.spec.template.spec", true},
		{"ClusterRole runs no pod", &rbacv1.ClusterRole{}, "", false},
		{"ConfigMap runs no pod", &corev1.ConfigMap{}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := PodTemplateOf(&Object{Typed: c.obj})
			if ok != c.ok || got.SpecPath != c.specPath {
				t.Fatalf("PodTemplateOf = %q, %v; want %q, %v", got.SpecPath, ok, c.specPath, c.ok)
			}
			if ok && (got.Spec == nil || got.Meta == nil || len(got.Spec.Containers) != 1) {
				t.Errorf("template does not point into the object: %+v", got)
			}
		})
	}
}

func TestFindPodTemplateInCustomResources(t *testing.T) {
	containers := []any{map[string]any{"name": "c", "image": "x"}}
	cases := []struct {
		name     string
		content  map[string]any
		specPath string
		metaPath string
		ok       bool
	}{
		{"spec.template", map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{}, "spec": map[string]any{"containers": containers}}}}, "spec.template.spec", "spec.template.metadata", true},
		{"spec.jobTemplate", map[string]any{"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": containers}}}}}}, "spec.jobTemplate.spec.template.spec", "spec.jobTemplate.spec.template.metadata", true},
		{"by shape", map[string]any{"spec": map[string]any{"workers": map[string]any{"podSpec": map[string]any{"containers": containers}}}}, "spec.workers.podSpec", "spec.workers.metadata", true},
		{"containers that are not containers", map[string]any{"spec": map[string]any{"containers": []any{"a", "b"}}}, "", "", false},
		{"no pod at all", map[string]any{"spec": map[string]any{"replicas": int64(3)}}, "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, metaPath, specPath, ok := FindPodTemplate(c.content)
			if ok != c.ok || specPath != c.specPath || metaPath != c.metaPath {
				t.Errorf("FindPodTemplate = %q, %q, %v; want %q, %q, %v", metaPath, specPath, ok, c.metaPath, c.specPath, c.ok)
			}
		})
	}
}

func TestContainersListsInitRegularAndEphemeralWithPaths(t *testing.T) {
	spec := &corev1.PodSpec{
		InitContainers:      []corev1.Container{{Name: "init"}},
		Containers:          []corev1.Container{{Name: "a"}, {Name: "b"}},
		EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug"}}},
	}
	got := PodTemplate{Spec: spec, SpecPath: "spec.template.spec"}.Containers()
	want := []string{
		"init spec.template.spec.initContainers[0]",
		"a spec.template.spec.containers[0]",
		"b spec.template.spec.containers[1]",
		"debug spec.template.spec.ephemeralContainers[0]",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d containers, want %d", len(got), len(want))
	}
	for i, c := range got {
		if s := c.Name + " " + c.Path; s != want[i] {
			t.Errorf("container %d = %q, want %q", i, s, want[i])
		}
	}
}

func TestReleaseKeepsIdentityAndMetadataPositions(t *testing.T) {
	var b PositionsBuilder
	b.SetRoot(1, 1)
	b.Add(RootHash.Key("metadata"), 2, 1)
	b.Add(RootHash.Key("metadata").Key("annotations"), 3, 3)
	b.Add(RootHash.Key("metadata").Key("annotations").Key("palisade.dev/ignore"), 4, 5)
	b.Add(RootHash.Key("spec"), 5, 1)
	o := &Object{Name: "n", Annotations: map[string]string{"palisade.dev/ignore": "x"}, Typed: &corev1.ConfigMap{}, Positions: b.Build()}
	o.Release(false, Keep{})
	if o.Typed != nil || o.Name != "n" || o.Annotations["palisade.dev/ignore"] != "x" {
		t.Fatalf("release kept the content or lost the identity: %+v", o)
	}
	if l := o.Locate("metadata.annotations[palisade.dev/ignore]"); l.Line != 4 {
		t.Errorf("annotation located at line %d after release, want 4", l.Line)
	}
	if l := o.Locate("spec"); l.Line != 1 {
		t.Errorf("spec located at line %d after release, want the object's line 1", l.Line)
	}
}

func TestReleaseKeepsTheLabelsAndAnnotationsAsked(t *testing.T) {
	ignore := func(k string) bool { return k == "palisade.dev/ignore" }
	cases := []struct {
		name                   string
		kind                   string
		keep                   Keep
		wantLabels             bool
		wantAnnotations        []string // of the object, sorted
		wantPodAnnotations     []string
		wantIgnoreLine, wantNo int // where the kept and a dropped annotation are located
	}{
		{name: "the zero Keep keeps everything", kind: "Deployment", wantLabels: true,
			wantAnnotations: []string{"description", "palisade.dev/ignore"}, wantPodAnnotations: []string{"palisade.dev/ignore", "prometheus.io/scrape"},
			wantIgnoreLine: 5, wantNo: 4},
		{name: "labels dropped, annotations narrowed, with their positions", kind: "Deployment", keep: Keep{DropLabels: true, Annotation: ignore},
			wantAnnotations: []string{"palisade.dev/ignore"}, wantPodAnnotations: []string{"palisade.dev/ignore"},
			wantIgnoreLine: 5, wantNo: 3},
		{name: "a Namespace keeps its labels for namespace selectors", kind: "Namespace", keep: Keep{DropLabels: true, Annotation: ignore}, wantLabels: true,
			wantAnnotations: []string{"palisade.dev/ignore"}, wantIgnoreLine: 5, wantNo: 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			meta := RootHash.Key("metadata")
			var b PositionsBuilder
			b.SetRoot(1, 1)
			b.Add(meta, 2, 1)
			b.Add(meta.Key("annotations"), 3, 3)
			b.Add(bracketHash(meta.Key("annotations"), "description"), 4, 5)
			b.Add(bracketHash(meta.Key("annotations"), "palisade.dev/ignore"), 5, 5)
			annotations := map[string]string{"description": "d", "palisade.dev/ignore": "pod/privileged why"}
			labels := map[string]string{"app": "a"}
			o := &Object{Name: "n", Labels: labels, Annotations: annotations, Positions: b.Build()}
			o.GVK.Kind = c.kind
			switch c.kind {
			case "Deployment":
				d := &appsv1.Deployment{}
				d.Labels, d.Annotations = labels, annotations
				d.Spec.Template.Annotations = map[string]string{"prometheus.io/scrape": "true", "palisade.dev/ignore": "pod/privileged why"}
				d.Spec.Template.Labels = map[string]string{"app": "a"}
				d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c"}}
				o.Typed = d
			case "Namespace":
				o.Typed = &corev1.Namespace{}
			}
			o.Release(false, c.keep)
			if got := o.Labels != nil; got != c.wantLabels {
				t.Errorf("labels kept: %v, want %v", got, c.wantLabels)
			}
			if got := slices.Sorted(maps.Keys(o.Annotations)); !slices.Equal(got, c.wantAnnotations) {
				t.Errorf("annotations %q, want %q", got, c.wantAnnotations)
			}
			pod, ok := o.PodSummary()
			if got := slices.Sorted(maps.Keys(pod.Annotations)); !slices.Equal(got, c.wantPodAnnotations) {
				t.Errorf("pod template annotations %q, want %q", got, c.wantPodAnnotations)
			}
			if ok && pod.Labels["app"] != "a" {
				t.Errorf("the pod template's labels were dropped: %v", pod.Labels)
			}
			if l := o.Locate("metadata.annotations[palisade.dev/ignore]"); l.Line != c.wantIgnoreLine {
				t.Errorf("kept annotation located at line %d, want %d", l.Line, c.wantIgnoreLine)
			}
			if l := o.Locate("metadata.annotations[description]"); l.Line != c.wantNo {
				t.Errorf("other annotation located at line %d, want %d", l.Line, c.wantNo)
			}
		})
	}
}

func TestInventoryIndexes(t *testing.T) {
	inv := New()
	ns := &Object{Name: "a"}
	ns.GVK.Kind = "Namespace"
	pod := &Object{Name: "p", Namespace: "b"}
	pod.GVK.Kind = "Pod"
	dup := &Object{Name: "p", Namespace: "b"}
	dup.GVK.Kind = "Pod"
	for _, o := range []*Object{ns, pod, dup} {
		inv.Add(o)
	}
	if got := inv.Namespaces(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Namespaces() = %v, want [a b] (defined and used)", got)
	}
	if inv.Get("Pod", "b", "p") != pod {
		t.Error("Get did not return the first object of that name")
	}
	if len(inv.ByKind("Pod")) != 2 || len(inv.InNamespace("b")) != 2 || inv.Len() != 3 {
		t.Error("indexes do not hold every object")
	}
	late := &Object{Name: "q", Namespace: "b"}
	late.GVK.Kind = "Pod"
	inv.Add(late)
	if inv.Get("Pod", "b", "q") != late || inv.Get("Pod", "b", "p") != pod {
		t.Error("Get does not find an object added after a lookup")
	}
	if inv.Get("Pod", "a", "p") != nil || inv.Get("Namespace", "", "a") != ns {
		t.Error("Get found an object of another namespace, or missed a cluster-scoped one")
	}
}
