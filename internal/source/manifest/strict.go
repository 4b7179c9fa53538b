package manifest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
	"palisade.dev/palisade/internal/suggest"
)

// strictChecker decodes documents of known kinds into their Go types (typed.go) and finds what
// the API server would drop or reject: fields the type does not have (with the field probably
// meant, at the same level or at the level where that name does exist) and values of the wrong
// JSON type. It caches what it learns about Go types; one checker serves one load and is safe
// for concurrent use.
type strictChecker struct {
	fields sync.Map // reflect.Type -> *structInfo
	homes  sync.Map // reflect.Type (root) -> map[string][]string: field name -> paths where it exists
	plans  sync.Map // reflect.Type -> *plan, complete
	// planMu guards planning, the plans worked out so far (some possibly still being).
	planMu   sync.Mutex
	planning map[reflect.Type]*plan
}

type structInfo struct {
	byName map[string]fieldInfo
	names  []string
}

type fieldInfo struct {
	typ   reflect.Type
	index []int // reflect field index, through inline (embedded) structs
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// typeError is a value of the wrong JSON type: the object cannot be created as written.
type typeError struct {
	path string
	msg  string
}

func (c *strictChecker) info(t reflect.Type) *structInfo {
	if v, ok := c.fields.Load(t); ok {
		return v.(*structInfo)
	}
	si := &structInfo{byName: map[string]fieldInfo{}}
	var add func(t reflect.Type, prefix []int)
	add = func(t reflect.Type, prefix []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if (f.Anonymous && name == "") || strings.Contains(","+opts+",", ",inline,") {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					add(ft, append(slices.Clone(prefix), i))
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := si.byName[name]; !dup {
				si.names = append(si.names, name)
			}
			si.byName[name] = fieldInfo{typ: f.Type, index: append(slices.Clone(prefix), i)}
		}
	}
	add(t, nil)
	v, _ := c.fields.LoadOrStore(t, si)
	return v.(*structInfo)
}

type strictWalk struct {
	c      *strictChecker
	root   reflect.Type
	nodes  []node
	issues []inventory.FieldIssue
	errs   []typeError
	// asMeant, when set, makes the walk read misspelt fields as the fields meant (asmeant.go).
	asMeant *renames
	// scalars is the rest of the room where pointers to booleans and numbers point (typed.go).
	scalars []uint64
}

// pathSeg is one step of the path being decoded: a field, a map key or a list index. Paths
// are rendered (in field.Path notation) only when a problem is reported.
type pathSeg struct {
	key     string
	index   int
	isIndex bool
	bracket bool // a map key, rendered as [key]
}

func renderPath(segs []pathSeg) string {
	var b strings.Builder
	for _, s := range segs {
		switch {
		case s.isIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case s.bracket:
			b.WriteString("[" + s.key + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		}
	}
	return b.String()
}

func (w *strictWalk) typeErr(segs []pathSeg, want string, got *node) {
	w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("must be %s, not %s", want, describe(got))})
}

func describe(n *node) string {
	switch n.Kind {
	case fastyaml.Map:
		return "an object"
	case fastyaml.List:
		return "a list"
	case fastyaml.String:
		return finding.DescribeString(n.Str)
	}
	switch x := n.Value.(type) {
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int64, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", n.Value)
}

func (w *strictWalk) unknown(t reflect.Type, si *structInfo, key string, segs []pathSeg) {
	path := renderPath(append(segs, pathSeg{key: key}))
	issue := inventory.FieldIssue{Kind: inventory.UnknownField, Path: path, Field: key, Parent: t.Name()}
	// A misspelling of a field of this level?
	if best := suggest.Closest(key, si.names); best != "" {
		issue.Suggestion = renderPath(append(segs, pathSeg{key: best}))
		issue.SuggestedField = best
	} else if homes := w.c.homesOf(w.root)[key]; len(homes) > 0 {
		// A field that exists, but at another level.
		issue.Suggestion = nearest(homes, path)
		issue.SuggestedField = key
		issue.WrongLevel = true
	}
	w.issues = append(w.issues, issue)
}

// homesOf indexes, for a root type, every field name with the paths (list items as []) where
// it exists, shallowest first. A struct type is visited at every place it appears (Container
// under initContainers and containers, ObjectMeta at metadata and spec.template.metadata),
// but never inside itself.
func (c *strictChecker) homesOf(root reflect.Type) map[string][]string {
	if v, ok := c.homes.Load(root); ok {
		return v.(map[string][]string)
	}
	homes := map[string][]string{}
	type item struct {
		t      reflect.Type
		path   string
		parent *item
	}
	inside := func(it *item, t reflect.Type) bool {
		for p := it.parent; p != nil; p = p.parent {
			if p.t == t {
				return true
			}
		}
		return false
	}
	queue := []*item{{t: root.Elem()}}
	for depth := 0; depth < 14 && len(queue) > 0; depth++ {
		var next []*item
		for _, it := range queue {
			t := it.t
			for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
				t = t.Elem()
			}
			if t.Kind() != reflect.Struct || inside(it, t) || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
				continue
			}
			it.t = t
			si := c.info(t)
			for _, n := range si.names {
				p := n
				if it.path != "" {
					p = it.path + "." + n
				}
				homes[n] = append(homes[n], p)
				ft := si.byName[n].typ
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8 {
					p += "[]"
				}
				next = append(next, &item{t: si.byName[n].typ, path: p, parent: it})
			}
		}
		queue = next
	}
	v, _ := c.homes.LoadOrStore(root, homes)
	return v.(map[string][]string)
}

// nearest picks the candidate path that shares the longest prefix with path, and of those the
// shortest (containers[] rather than initContainers[] or ephemeralContainers[]).
func nearest(candidates []string, path string) string {
	norm := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ".") {
			if i := strings.IndexByte(p, '['); i >= 0 {
				p = p[:i]
			}
			out = append(out, p)
		}
		return out
	}
	target := norm(path)
	best, bestN := "", -1
	for _, c := range candidates {
		parts := norm(c)
		n := 0
		for n < len(parts) && n < len(target) && parts[n] == target[n] {
			n++
		}
		if n > bestN || n == bestN && len(c) < len(best) {
			best, bestN = c, n
		}
	}
	return best
}
