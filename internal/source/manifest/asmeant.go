package manifest

import (
	"reflect"
	"slices"
	"strings"
	"unsafe"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"palisade.dev/palisade/internal/inventory"
)

// This file reads the values of misspelt fields as the fields meant, so that one pass tells
// the user every mistake: in `metadata.annotation:` holding
// `seccomp.security.alpha.kubernetes.io/pod: runtime/defailt`, both the misspelt key and the
// misspelt value.
//
// The API server drops an unknown field with its value, so the object's real semantics are
// without it, and the typed object the rules judge has none of it. But when the unknown field
// has a close spelling at the same level (a confident did-you-mean), the user meant that field,
// and its value is what will apply once the name is corrected. The object is therefore decoded
// a second time, as meant: each such field read as the field meant (replacing the field meant,
// when both are written), at the path written. That walk's problems under the misspelt fields
// (unknown fields, values of the wrong type) become the object's issues, and the object as
// meant is kept beside the real one for the rules that judge values
// (inventory.Object.AsMeant), which report what they find there at the misspelt path.

// renames are the misspelt fields of an object read as the fields meant.
type renames struct {
	meant   map[string]string // written path -> the field meant
	replace map[string]bool   // paths of the fields meant, skipped where they are also written
	list    []inventory.Rename
}

// renamesOf collects the unknown fields with a close spelling at their own level, in path
// order (the walk finds them in map order, which the yaml.v3 path does not keep). Two
// misspellings of one field at one level read the first.
func renamesOf(issues []inventory.FieldIssue) *renames {
	var misspelt []inventory.FieldIssue
	for _, is := range issues {
		if is.Kind == inventory.UnknownField && is.SuggestedField != "" && !is.WrongLevel && is.Suggestion != "" {
			misspelt = append(misspelt, is)
		}
	}
	if len(misspelt) == 0 {
		return nil
	}
	slices.SortFunc(misspelt, func(a, b inventory.FieldIssue) int { return strings.Compare(a.Path, b.Path) })
	r := &renames{meant: map[string]string{}, replace: map[string]bool{}}
	for _, is := range misspelt {
		if r.replace[is.Suggestion] {
			continue
		}
		r.meant[is.Path] = is.SuggestedField
		r.replace[is.Suggestion] = true
		r.list = append(r.list, inventory.Rename{Written: is.Path, Meant: is.Suggestion})
	}
	return r
}

// setAsMeant decodes the field at w.nodes[j] of a struct the way the walk as meant reads it:
// a misspelt field as the field meant, the field meant skipped where a misspelling replaces
// it, any other field as usual.
func (w *strictWalk) setAsMeant(ptr unsafe.Pointer, p *plan, f *planField, known bool, j int, segs []pathSeg) {
	key := w.nodes[j].Key
	path := renderPath(append(segs, pathSeg{key: key}))
	switch {
	case known && w.asMeant.replace[path]:
		// Left unset: the misspelling's value stands in for it.
	case known:
		w.set(f.at(ptr, p), f.plan, j, append(segs, pathSeg{key: key}))
	default:
		meant, renamed := w.asMeant.meant[path]
		if renamed {
			if mf, ok := p.fields.find(meant); ok {
				w.set(mf.at(ptr, p), mf.plan, j, append(segs, pathSeg{key: key}))
				return
			}
		}
		w.unknown(p.t, p.si, key, segs)
	}
}

// asMeant decodes the document again into a new value of o.Typed's type with its misspelt
// fields read as the fields meant, adds the problems found under them to o's issues (the
// values of the wrong type as inventory.WrongType issues) and keeps the object as meant in
// o.AsMeant. It does nothing for an object without such fields.
func (d *decoder) asMeant(o *inventory.Object, nodes []node) {
	r := renamesOf(o.Issues())
	if r == nil {
		return
	}
	typed, ok := reflect.New(reflect.TypeOf(o.Typed).Elem()).Interface().(k8sruntime.Object)
	if !ok {
		return
	}
	walk, err := d.strict.decodeTypedAsMeant(typed, nodes, r)
	if err != nil {
		return
	}
	under := func(path string) bool {
		for _, rn := range r.list {
			if len(path) > len(rn.Written) && strings.HasPrefix(path, rn.Written) && (path[len(rn.Written)] == '.' || path[len(rn.Written)] == '[') {
				return true
			}
		}
		return false
	}
	var found []inventory.FieldIssue
	for _, is := range walk.issues {
		if under(is.Path) {
			found = append(found, is)
		}
	}
	for _, te := range walk.errs {
		if under(te.path) || r.meant[te.path] != "" {
			found = append(found, inventory.FieldIssue{Kind: inventory.WrongType, Path: te.path, Field: lastKey(te.path), Detail: te.msg})
		}
	}
	o.AddIssues(found...)
	meant := &inventory.Object{GVK: o.GVK, Namespace: o.Namespace, Name: o.Name, Typed: typed, Origin: o.Origin, Positions: o.Positions}
	if acc, ok := typed.(metav1.Object); ok {
		meant.Labels, meant.Annotations = acc.GetLabels(), acc.GetAnnotations()
	}
	if !inventory.HasKnownPodTemplate(typed) {
		if t, ok := d.podTemplateIn(typed); ok {
			_ = meant.SetShapePod(t) // typed, and of a type PodTemplateOf does not list
		}
	}
	redactSecret(typed)
	o.SetAsMeant(&inventory.AsMeant{Object: meant, Renames: r.list})
}

// lastKey is the last field name or map key of a path: privileged for
// spec.containers[0].securityContex.privileged, the annotation's key for
// metadata.annotation[key].
func lastKey(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[i+1 : len(path)-1]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}
