package manifest

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/removedapi"
)

// This file makes sure that no object the API server would create runs a pod that is not
// judged, whatever version of its kind it is written in.
//
// A manifest in a version the API server no longer serves (extensions/v1beta1 Deployment,
// batch/v1beta1 CronJob) is decoded twice: strictly against its own version's Go type, whose
// schema says which fields are unknown (apps/v1beta1 has rollbackTo, extensions/v1beta1 has
// templateGeneration), and then into the Go type of the version that replaced it, which the
// rules read, so its pod template, RBAC rules or NetworkPolicy are judged exactly as the
// replacement's are, at the same paths. removedapi says which versions read the same in their
// replacement (SameShape).
//
// Any other typed object whose Go type carries a pod (a PodTemplateSpec, or a PodSpec beside
// its ObjectMeta) that inventory.PodTemplateOf does not list gets its pod attached by
// reflection over the type, so that a kind or version added to client-go's scheme is judged
// before anyone lists it.

// asReplacement decodes the document again as the version that replaced gvk's, when gvk's
// version was removed and reads the same in its replacement; nil otherwise, or when the
// document does not decode cleanly as the replacement (then the object keeps its own type,
// and its pod, if any, is found by podTemplateIn).
func (d *decoder) asReplacement(gvk schema.GroupVersionKind, nodes []node) k8sruntime.Object {
	api, ok := removedapi.Lookup(gvk)
	if !ok || !api.SameShape {
		return nil
	}
	to, ok := api.ReplacementKind(gvk.Kind)
	if !ok {
		return nil
	}
	obj, err := scheme.Scheme.New(to)
	if err != nil {
		return nil
	}
	// The unknown fields were found against the version written; those only the old
	// version has are not unknown, and the replacement's walk drops them.
	walk, err := d.strict.decodeTyped(obj, nodes)
	if err != nil || len(walk.errs) > 0 {
		return nil
	}
	return obj
}

var (
	podSpecType         = reflect.TypeFor[corev1.PodSpec]()
	podTemplateSpecType = reflect.TypeFor[corev1.PodTemplateSpec]()
	objectMetaType      = reflect.TypeFor[metav1.ObjectMeta]()
)

// podLocation is where a Go type holds its pod, worked out once per type.
type podLocation struct {
	found bool
	// spec leads from the object to the PodSpec, meta to the ObjectMeta beside it (nil when
	// there is none); their JSON paths are specPath and metaPath.
	spec, meta         []fieldStep
	specPath, metaPath string
}

type fieldStep struct {
	index []int // reflect field index, through inline (embedded) structs
}

// podTemplateIn finds the pod that a typed object runs by its Go type: the first
// PodTemplateSpec, or PodSpec, reached through structs and pointers (not lists or maps, which
// would hold several pods), nearest the root first.
func (d *decoder) podTemplateIn(obj k8sruntime.Object) (inventory.PodTemplate, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return inventory.PodTemplate{}, false
	}
	loc := d.podLocationOf(v.Elem().Type())
	if !loc.found {
		return inventory.PodTemplate{}, false
	}
	spec, ok := follow(v.Elem(), loc.spec)
	if !ok {
		return inventory.PodTemplate{}, false
	}
	t := inventory.PodTemplate{Spec: spec.Addr().Interface().(*corev1.PodSpec), SpecPath: loc.specPath, MetaPath: loc.metaPath}
	if meta, ok := follow(v.Elem(), loc.meta); ok && loc.meta != nil {
		t.Meta = meta.Addr().Interface().(*metav1.ObjectMeta)
	} else {
		t.Meta = &metav1.ObjectMeta{}
	}
	return t, true
}

// follow walks steps from v, stopping at a nil pointer.
func follow(v reflect.Value, steps []fieldStep) (reflect.Value, bool) {
	for _, s := range steps {
		for _, i := range s.index {
			for v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return reflect.Value{}, false
				}
				v = v.Elem()
			}
			v = v.Field(i)
		}
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
	}
	return v, true
}

// podLocationOf works out where values of t hold their pod, breadth first so that the
// outermost pod wins, caching the answer for the load.
func (d *decoder) podLocationOf(t reflect.Type) *podLocation {
	if v, ok := d.podLocations.Load(t); ok {
		return v.(*podLocation)
	}
	type item struct {
		t     reflect.Type
		steps []fieldStep
		path  string
	}
	join := func(path, name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	loc := &podLocation{}
	seen := map[reflect.Type]bool{}
	queue := []item{{t: t}}
search:
	for depth := 0; depth < 10 && len(queue) > 0; depth++ {
		var next []item
		for _, it := range queue {
			if seen[it.t] {
				continue
			}
			seen[it.t] = true
			si := d.strict.info(it.t)
			// A PodSpec beside an ObjectMeta (a Pod, a pod template written out) at this level.
			for _, name := range si.names {
				f := si.byName[name]
				ft := derefType(f.typ)
				if ft == podTemplateSpecType {
					steps := append(append([]fieldStep(nil), it.steps...), fieldStep{index: f.index})
					loc.found = true
					loc.spec = append(steps, fieldStep{index: []int{fieldIndex(podTemplateSpecType, "Spec")}})
					loc.meta = append(append([]fieldStep(nil), steps...), fieldStep{index: []int{fieldIndex(podTemplateSpecType, "ObjectMeta")}})
					loc.specPath, loc.metaPath = join(join(it.path, name), "spec"), join(join(it.path, name), "metadata")
					break search
				}
				if ft == podSpecType {
					loc.found = true
					loc.spec = append(append([]fieldStep(nil), it.steps...), fieldStep{index: f.index})
					loc.specPath, loc.metaPath = join(it.path, name), join(it.path, "metadata")
					if m, ok := si.byName["metadata"]; ok && derefType(m.typ) == objectMetaType {
						loc.meta = append(append([]fieldStep(nil), it.steps...), fieldStep{index: m.index})
					}
					break search
				}
			}
			for _, name := range si.names {
				f := si.byName[name]
				if ft := derefType(f.typ); ft.Kind() == reflect.Struct && f.typ.Kind() != reflect.Slice && f.typ.Kind() != reflect.Map {
					next = append(next, item{t: ft, steps: append(append([]fieldStep(nil), it.steps...), fieldStep{index: f.index}), path: join(it.path, name)})
				}
			}
		}
		queue = next
	}
	v, _ := d.podLocations.LoadOrStore(t, loc)
	return v.(*podLocation)
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func fieldIndex(t reflect.Type, name string) int {
	f, _ := t.FieldByName(name)
	return f.Index[0]
}
