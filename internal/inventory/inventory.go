// Package inventory owns the in-memory model that every source fills and every rule reads:
// Kubernetes objects (typed k8s.io/api values, or unstructured content for kinds Palisade does
// not know), each with its origin, indexed by kind, namespace and name. It must not decide
// anything about security: it only holds and finds.
package inventory

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/finding"
)

// Origin says where an object came from.
type Origin struct {
	// File is the manifest path as the user named it (or "-" for stdin); for a rendered Helm
	// chart, the chart folder, with Template naming the template file.
	File     string
	Template string
	// Document is the 1-based index of the YAML document within File; Item is the 1-based
	// index within a kind: List document, or 0. They are int32, as small as they need be: a
	// scan keeps one Origin per object.
	Document int32
	Item     int32
	// Cluster is the kubeconfig context for live objects.
	Cluster string
	// Host is the machine for what a node source read there.
	Host string
}

// Object is one Kubernetes object of the inventory.
type Object struct {
	GVK       schema.GroupVersionKind
	Namespace string
	Name      string
	// UID is metadata.uid of an object read from a cluster; empty for manifests.
	UID         string
	Labels      map[string]string
	Annotations map[string]string
	// NamespaceImplied is true when the source did not name a namespace and Namespace is the
	// one the object would be created in (the --namespace of the scan).
	NamespaceImplied bool
	// accountToken is what AutomountServiceAccountToken answered when the object was
	// released (beside NamespaceImplied, in room the struct has anyway).
	accountToken accountToken
	// Typed is the k8s.io/api value for kinds Palisade knows; nil otherwise.
	Typed runtime.Object
	// Content is the object as plain data (maps, slices, strings, int64, float64, bool). It is
	// kept only for kinds that have no typed value, such as custom resources.
	Content map[string]any
	Origin  Origin
	// Positions locates fields in the source file; nil for live objects.
	Positions *Positions
	// pod is what PodSummary answered when the object was released; nil when it runs no pod.
	pod *PodSummary
	// rare holds what few objects have; nil for most.
	rare *rareParts
}

// rareParts are the parts of an object that few objects have, behind one pointer so that the
// many without them do not carry their room: a scan keeps every object it reads. They are
// never changed once an object holds them, only replaced, so that a copy of an object (made
// to keep its content past Release) keeps its own.
type rareParts struct {
	issues []FieldIssue
	// asMeant is what AsMeant answers.
	asMeant *AsMeant
	// shapePod is the pod template the source found: in an unstructured object by its shape,
	// or by its Go type in a typed object PodTemplateOf does not list.
	shapePod *PodTemplate
	// serviceIPs is what ServiceAddresses answered when the object was released.
	serviceIPs []string
}

// editRare returns a copy of the object's rare parts (new ones when it has none), which the
// caller changes and then gives the object.
func (o *Object) editRare() *rareParts {
	if o.rare == nil {
		return &rareParts{}
	}
	c := *o.rare
	return &c
}

// Issues are problems in how the object is written (unknown fields, duplicate keys, values of
// the wrong type under a misspelt field), in the order the source found them.
func (o *Object) Issues() []FieldIssue {
	if o.rare == nil {
		return nil
	}
	return o.rare.issues
}

// AddIssues adds problems in how the object is written, after those it has.
func (o *Object) AddIssues(issues ...FieldIssue) {
	if len(issues) == 0 {
		return
	}
	r := o.editRare()
	r.issues = append(slices.Clip(r.issues), issues...)
	o.rare = r
}

// AsMeant is the object as it would read if its misspelt fields had the names probably meant;
// nil when it has none. Rules that judge values judge it too, and report what they find there
// at the misspelt path (AsMeant.WrittenPath).
func (o *Object) AsMeant() *AsMeant {
	if o.rare == nil {
		return nil
	}
	return o.rare.asMeant
}

// SetAsMeant sets what AsMeant answers.
func (o *Object) SetAsMeant(m *AsMeant) {
	r := o.editRare()
	r.asMeant = m
	o.rare = r
}

// Ref names the object for findings.
func (o *Object) Ref() finding.ObjectRef {
	return finding.ObjectRef{APIVersion: o.GVK.GroupVersion().String(), Kind: o.GVK.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID}
}

// Locate returns where the field at path is in the object's source, or where its nearest
// existing parent is when the field is missing.
func (o *Object) Locate(path string) finding.Location {
	loc := finding.Location{File: o.Origin.File, Document: int(o.Origin.Document), Template: o.Origin.Template, Cluster: o.Origin.Cluster, Host: o.Origin.Host}
	loc.Line, loc.Column, _ = o.Positions.Locate(path)
	return loc
}

// Inventory holds the objects of one scan.
type Inventory struct {
	// Cluster is what a live-cluster source observed about the cluster; nil for manifests.
	Cluster *Cluster
	// Nodes are what node sources observed: the machine Palisade runs on (palisade node),
	// or the control plane's mirror pods (palisade cluster).
	Nodes []*Node
	// Endpoints are what probes found on the network (palisade probe).
	Endpoints []*Endpoint

	objects []*Object
	byKind  map[string][]*Object
	byNS    map[string][]*Object

	memoMu sync.Mutex
	memo   map[any]*memoEntry
}

// New returns an empty inventory.
func New() *Inventory {
	return &Inventory{byKind: map[string][]*Object{}, byNS: map[string][]*Object{}}
}

// Reset empties the inventory for reuse, keeping the room its indexes have grown: a caller that
// builds one small inventory per request (an admission review) builds its maps once. Nothing
// may still read the inventory or what it derived.
func (inv *Inventory) Reset() {
	inv.Cluster, inv.Nodes, inv.Endpoints = nil, nil, nil
	clear(inv.objects)
	inv.objects = inv.objects[:0]
	clear(inv.byKind)
	clear(inv.byNS)
	inv.forget()
}

// Add puts an object in the inventory. Objects are kept in the order they are added, which
// sources make deterministic.
func (inv *Inventory) Add(o *Object) {
	if inv.memo != nil { // Add is never concurrent with Memo: the memo is read once the inventory is complete
		inv.forget()
	}
	inv.objects = append(inv.objects, o)
	inv.byKind[o.GVK.Kind] = append(inv.byKind[o.GVK.Kind], o)
	inv.byNS[o.Namespace] = append(inv.byNS[o.Namespace], o)
}

// Memo returns the value derived from the inventory under key, building it with build the
// first time it is asked for: an index that every deferred check, namespace rule or cluster
// rule of a scan reads is built once, not once per object. key should be a value of an
// unexported type of the package that derives the value, so that packages cannot collide.
// Adding an object forgets every derived value. It is safe for concurrent use: values of
// different keys build at the same time, and build may ask for the value of another key
// (not its own); a caller asking for a value being built waits for it.
func (inv *Inventory) Memo(key any, build func() any) any {
	inv.memoMu.Lock()
	m, ok := inv.memo[key]
	if !ok {
		if inv.memo == nil {
			inv.memo = map[any]*memoEntry{}
		}
		m = &memoEntry{}
		inv.memo[key] = m
	}
	inv.memoMu.Unlock()
	m.once.Do(func() { m.value = build() })
	return m.value
}

// memoEntry is one derived value, built once.
type memoEntry struct {
	once  sync.Once
	value any
}

// DropDerived drops every value derived with Memo, for a caller that will not read them again:
// a scan's indexes are large, and its findings are still to be ordered and reported once its
// rules have run. A later Memo builds its value again.
func (inv *Inventory) DropDerived() { inv.forget() }

// forget drops the values derived from the inventory's objects.
func (inv *Inventory) forget() {
	inv.memoMu.Lock()
	clear(inv.memo)
	inv.memoMu.Unlock()
}

// Len is the number of objects.
func (inv *Inventory) Len() int { return len(inv.objects) }

// Objects returns every object in the order they were added.
func (inv *Inventory) Objects() []*Object { return inv.objects }

// ByKind returns the objects of one kind.
func (inv *Inventory) ByKind(kind string) []*Object { return inv.byKind[kind] }

// InNamespace returns the objects of one namespace ("" for cluster-scoped objects).
func (inv *Inventory) InNamespace(ns string) []*Object { return inv.byNS[ns] }

// Get returns the first object of that kind, namespace and name, or nil. The objects of a kind
// are indexed by name the first time one of them is asked for (a value derived as Memo's),
// not as they are added: most kinds are never looked up by name.
func (inv *Inventory) Get(kind, namespace, name string) *Object {
	byName := inv.Memo(namesOf{kind}, func() any {
		m := make(map[namespacedName]*Object, len(inv.byKind[kind]))
		for _, o := range inv.byKind[kind] {
			k := namespacedName{o.Namespace, o.Name}
			if _, dup := m[k]; !dup {
				m[k] = o
			}
		}
		return m
	}).(map[namespacedName]*Object)
	return byName[namespacedName{namespace, name}]
}

// namesOf is the memo key of the index of a kind's objects by namespace and name.
type namesOf struct{ kind string }

type namespacedName struct{ namespace, name string }

// Namespaces returns, sorted, every namespace that the inventory defines (a Namespace object)
// or uses (a namespaced object in it).
func (inv *Inventory) Namespaces() []string {
	seen := map[string]bool{}
	for _, o := range inv.byKind["Namespace"] {
		seen[o.Name] = true
	}
	for ns := range inv.byNS {
		if ns != "" {
			seen[ns] = true
		}
	}
	out := make([]string, 0, len(seen))
	for ns := range seen {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out
}

// Sort orders objects by origin, then kind, namespace and name.
func Sort(objs []*Object) {
	slices.SortStableFunc(objs, func(a, b *Object) int {
		return cmp.Or(
			cmp.Compare(a.Origin.File, b.Origin.File),
			cmp.Compare(a.Origin.Document, b.Origin.Document),
			cmp.Compare(a.Origin.Item, b.Origin.Item),
			cmp.Compare(a.GVK.Kind, b.GVK.Kind),
			cmp.Compare(a.Namespace, b.Namespace),
			cmp.Compare(a.Name, b.Name),
		)
	})
}

// IssueKind classifies a problem the source found in how an object is written.
type IssueKind string

// Issue kinds.
const (
	// UnknownField is a field the kind does not have: the API server drops it (or rejects the
	// object under strict field validation), so whatever it meant to set is not set.
	UnknownField IssueKind = "unknown-field"
	// DuplicateKey is a key written twice in one map: only the last one counts.
	DuplicateKey IssueKind = "duplicate-key"
	// WrongType is a value of the wrong type under a misspelt field: the API server drops it
	// with the field today, and would reject the object once the field's name is corrected.
	WrongType IssueKind = "wrong-type"
)

// FieldIssue is a problem in how one field of an object is written.
type FieldIssue struct {
	Kind IssueKind
	// Path is the offending field (field.Path notation); Field its last name.
	Path  string
	Field string
	// Parent is the Go type name of the struct the field was found in (PodSecurityContext).
	Parent string
	// Suggestion is the path of what was probably meant, SuggestedField its last name;
	// WrongLevel is true when the name exists, but at another level of the object.
	Suggestion     string
	SuggestedField string
	WrongLevel     bool
	// Detail says what is wrong with a WrongType value ("must be true or false, not ...").
	Detail string
}

// AsMeant is an object read as if its misspelt fields (unknown fields with a close spelling
// at their own level) had the names meant: each misspelling's value in the field meant.
type AsMeant struct {
	Object  *Object
	Renames []Rename
}

// Rename is one misspelt field: the path written and the path of the field meant.
type Rename struct {
	Written, Meant string
}

// WrittenPath returns where a path of the object as meant was written, when it lies in (or
// is) a field meant: metadata.annotations[x] for metadata.annotation[x]. ok is false for a
// path outside every field meant, whose value is the real object's.
func (m *AsMeant) WrittenPath(path string) (written string, ok bool) {
	for _, r := range m.Renames {
		rest, found := strings.CutPrefix(path, r.Meant)
		if found && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			return r.Written + rest, true
		}
	}
	return "", false
}
