package inventory

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// PodTemplate is the pod an object runs, with the paths of its metadata and spec inside the
// object, so that a pod rule is written once for every workload kind.
type PodTemplate struct {
	Meta     *metav1.ObjectMeta
	Spec     *corev1.PodSpec
	MetaPath string // "metadata" for a Pod, "spec.template.metadata" for a Deployment ...
	SpecPath string // "spec" for a Pod, "spec.template.spec" for a Deployment ...
	// containers caches Containers for a template that every pod rule reads.
	containers []ContainerRef
}

// WithContainers returns the template with its container list computed once, for the many
// rules that each walk it.
func (t PodTemplate) WithContainers() PodTemplate {
	t.containers = t.Containers()
	return t
}

// ServiceAccountName returns the ServiceAccount the object's pods run as: the pod template's
// spec.serviceAccountName, else its deprecated spec.serviceAccount, else "default". ok is
// false when the object runs no pod (or one without a spec), as for PodSummary. It answers
// after Release too, from the summary a released object keeps.
func (o *Object) ServiceAccountName() (name string, ok bool) {
	if t, ok := PodTemplateOf(o); ok && t.Spec != nil {
		return ServiceAccountOf(t.Spec), true
	}
	if o.pod != nil {
		return o.pod.ServiceAccount, true
	}
	return "", false
}

// ServiceAccountOf returns the ServiceAccount a pod spec runs as: spec.serviceAccountName,
// else the deprecated spec.serviceAccount, else "default", as the ServiceAccount admission
// plugin fills it in.
func ServiceAccountOf(spec *corev1.PodSpec) string {
	switch {
	case spec.ServiceAccountName != "":
		return spec.ServiceAccountName
	case spec.DeprecatedServiceAccount != "":
		return spec.DeprecatedServiceAccount
	}
	return "default"
}

// PodTemplateOf returns the pod that the object runs: the Pod itself, the template of a
// PodTemplate or workload controller, the job template of a CronJob, or a pod template the
// source attached (found in a custom resource by its shape, or in a typed object of a kind
// and version not listed here by its Go type). ok is false for objects that run no pod.
func PodTemplateOf(o *Object) (PodTemplate, bool) {
	if o.rare != nil && o.rare.shapePod != nil {
		return *o.rare.shapePod, true
	}
	if o.Typed == nil {
		return PodTemplate{}, false
	}
	return podTemplateOfTyped(o.Typed)
}

// HasKnownPodTemplate reports whether PodTemplateOf finds the pod of obj by its type alone.
func HasKnownPodTemplate(obj runtime.Object) bool {
	_, ok := podTemplateOfTyped(obj)
	return ok
}

func podTemplateOfTyped(obj runtime.Object) (PodTemplate, bool) {
	tmpl := func(t *corev1.PodTemplateSpec, prefix string) (PodTemplate, bool) {
		return PodTemplate{Meta: &t.ObjectMeta, Spec: &t.Spec, MetaPath: prefix + ".metadata", SpecPath: prefix + ".spec"}, true
	}
	switch t := obj.(type) {
	case *corev1.Pod:
		return PodTemplate{Meta: &t.ObjectMeta, Spec: &t.Spec, MetaPath: "metadata", SpecPath: "spec"}, true
	case *corev1.PodTemplate:
		return tmpl(&t.Template, "template")
	case *corev1.ReplicationController:
		if t.Spec.Template == nil {
			return PodTemplate{}, false
		}
		return tmpl(t.Spec.Template, "spec.template")
	case *appsv1.Deployment:
		return tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.ReplicaSet:
		return tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.StatefulSet:
		return tmpl(&t.Spec.Template, "spec.template")
	case *appsv1.DaemonSet:
		return tmpl(&t.Spec.Template, "spec.template")
	case *batchv1.Job:
		return tmpl(&t.Spec.Template, "spec.template")
	case *batchv1.CronJob:
		return tmpl(&t.Spec.JobTemplate.Spec.Template, "spec.jobTemplate.spec.template")
	}
	return PodTemplate{}, false
}

// FindPodTemplate looks for a pod template in the content of an object of a kind Palisade does
// not know (a custom resource): first at spec.template and spec.jobTemplate.spec.template,
// then anywhere a map has a non-empty "containers" list whose items name an image. It returns
// the template's metadata and spec content and their paths.
func FindPodTemplate(content map[string]any) (meta, spec map[string]any, metaPath, specPath string, ok bool) {
	for _, prefix := range [][]string{{"spec", "template"}, {"spec", "jobTemplate", "spec", "template"}} {
		if t, ok := lookupMap(content, prefix...); ok {
			if s, ok := t["spec"].(map[string]any); ok && looksLikePodSpec(s) {
				m, _ := t["metadata"].(map[string]any)
				p := joinPath(prefix)
				return m, s, p + ".metadata", p + ".spec", true
			}
		}
	}
	// By shape: breadth-first, so the outermost pod spec wins, with a depth bound.
	type item struct {
		m    map[string]any
		path string
	}
	queue := []item{{content, ""}}
	for depth := 0; depth < 8 && len(queue) > 0; depth++ {
		var next []item
		for _, it := range queue {
			for k, v := range it.m {
				child, isMap := v.(map[string]any)
				if !isMap || k == "metadata" || k == "status" {
					continue
				}
				p := k
				if it.path != "" {
					p = it.path + "." + k
				}
				if looksLikePodSpec(child) {
					// The template's metadata sits beside its spec, when the parent is a template.
					m, _ := it.m["metadata"].(map[string]any)
					mp := "metadata"
					if it.path != "" {
						mp = it.path + ".metadata"
					}
					if it.path == "" {
						m = nil
					}
					return m, child, mp, p, true
				}
				next = append(next, item{child, p})
			}
		}
		queue = next
	}
	return nil, nil, "", "", false
}

func looksLikePodSpec(m map[string]any) bool {
	cs, ok := m["containers"].([]any)
	if !ok || len(cs) == 0 {
		return false
	}
	for _, c := range cs {
		cm, ok := c.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := cm["image"]; !ok {
			if _, ok := cm["name"]; !ok {
				return false
			}
		}
	}
	return true
}

func lookupMap(m map[string]any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	return m, true
}

func joinPath(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += "."
		}
		s += k
	}
	return s
}

// SetShapePod attaches a pod template that the source found: in an unstructured object by
// FindPodTemplate, or in a typed object whose Go type PodTemplateOf does not list (its Meta
// and Spec then point into the typed object).
func (o *Object) SetShapePod(t PodTemplate) error {
	if t.Spec == nil || t.Meta == nil {
		return fmt.Errorf("object %s: a pod template needs its metadata and spec", o.Ref())
	}
	if o.Typed != nil {
		if _, ok := podTemplateOfTyped(o.Typed); ok {
			return fmt.Errorf("object %s already has a typed pod spec", o.Ref())
		}
	}
	r := o.editRare()
	r.shapePod = &t
	o.rare = r
	return nil
}

// ContainerRef is one container of a pod (init, regular or ephemeral) with its path.
type ContainerRef struct {
	// Container holds the container's fields; for an ephemeral container it is a converted copy.
	*corev1.Container
	// List is "initContainers", "containers" or "ephemeralContainers".
	List  string
	Index int
	Path  string // for example spec.template.spec.containers[1]
}

// Containers returns every container of the pod: init containers first, then containers, then
// ephemeral containers, each with its path.
func (t PodTemplate) Containers() []ContainerRef {
	if t.containers != nil {
		return t.containers
	}
	s := t.Spec
	out := make([]ContainerRef, 0, len(s.InitContainers)+len(s.Containers)+len(s.EphemeralContainers))
	for i := range s.InitContainers {
		out = append(out, ContainerRef{Container: &s.InitContainers[i], List: "initContainers", Index: i, Path: t.SpecPath + ".initContainers[" + strconv.Itoa(i) + "]"})
	}
	for i := range s.Containers {
		out = append(out, ContainerRef{Container: &s.Containers[i], List: "containers", Index: i, Path: t.SpecPath + ".containers[" + strconv.Itoa(i) + "]"})
	}
	for i := range s.EphemeralContainers {
		// EphemeralContainerCommon has exactly the fields of Container (k8s.io/api core/v1).
		c := corev1.Container(s.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, ContainerRef{Container: &c, List: "ephemeralContainers", Index: i, Path: t.SpecPath + ".ephemeralContainers[" + strconv.Itoa(i) + "]"})
	}
	return out
}
