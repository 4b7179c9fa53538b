package manifest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/suggest"
)

// strictChecker finds what the API server would drop or reject in a document of a known kind:
// fields the type does not have (with the field probably meant, at the same level or at the
// level where that name does exist) and values of the wrong JSON type. It caches what it
// learns about Go types; one checker serves one load and is safe for concurrent use.
type strictChecker struct {
	fields sync.Map // reflect.Type -> *structInfo
	homes  sync.Map // reflect.Type (root) -> map[string][]string: field name -> paths where it exists
}

type structInfo struct {
	byName map[string]fieldInfo
	names  []string
}

type fieldInfo struct {
	typ reflect.Type
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
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
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
					add(ft)
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
			si.byName[name] = fieldInfo{typ: f.Type}
		}
	}
	add(t)
	v, _ := c.fields.LoadOrStore(t, si)
	return v.(*structInfo)
}

// check walks content against root (a pointer to a k8s.io/api struct) and returns the unknown
// fields and the type errors it finds.
func (c *strictChecker) check(root reflect.Type, content map[string]any) ([]inventory.FieldIssue, []typeError) {
	w := &strictWalk{c: c, root: root}
	w.value(root.Elem(), content, nil)
	return w.issues, w.errs
}

type strictWalk struct {
	c      *strictChecker
	root   reflect.Type
	issues []inventory.FieldIssue
	errs   []typeError
}

func renderPath(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		if b.Len() > 0 && s[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func (w *strictWalk) value(t reflect.Type, v any, segs []string) {
	if v == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		w.special(t, v, segs)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			w.typeErr(segs, "an object", v)
			return
		}
		si := w.c.info(t)
		for k, child := range m {
			f, ok := si.byName[k]
			if !ok {
				w.unknown(t, si, k, segs)
				continue
			}
			w.value(f.typ, child, append(segs, k))
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			w.typeErr(segs, "an object", v)
			return
		}
		for k, child := range m {
			w.value(t.Elem(), child, append(segs, "["+k+"]"))
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if _, ok := v.(string); !ok {
				w.typeErr(segs, "a base64 string", v)
			}
			return
		}
		l, ok := v.([]any)
		if !ok {
			w.typeErr(segs, "a list", v)
			return
		}
		for i, item := range l {
			w.value(t.Elem(), item, append(segs, "["+strconv.Itoa(i)+"]"))
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			w.typeErr(segs, "a string", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			w.typeErr(segs, "true or false", v)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		switch n := v.(type) {
		case int64:
		case float64:
			if n != float64(int64(n)) {
				w.typeErr(segs, "a whole number", v)
			}
		default:
			w.typeErr(segs, "a number", v)
		}
	case reflect.Float32, reflect.Float64:
		switch v.(type) {
		case int64, float64:
		default:
			w.typeErr(segs, "a number", v)
		}
	}
}

// special checks the JSON shape of types with their own decoding (quantities, int-or-string,
// times, raw extensions) only as far as the shape goes.
func (w *strictWalk) special(t reflect.Type, v any, segs []string) {
	switch t.Name() {
	case "Quantity", "IntOrString":
		switch v.(type) {
		case string, int64, float64:
		default:
			w.typeErr(segs, "a number or a string", v)
		}
	case "Time", "MicroTime", "Duration":
		if _, ok := v.(string); !ok {
			w.typeErr(segs, "a string", v)
		}
	}
}

func (w *strictWalk) typeErr(segs []string, want string, got any) {
	w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("must be %s, not %s", want, describe(got))})
}

func describe(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", truncate(x, 40))
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case int64, float64:
		return fmt.Sprintf("the number %v", x)
	}
	return fmt.Sprintf("%T", v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (w *strictWalk) unknown(t reflect.Type, si *structInfo, key string, segs []string) {
	path := renderPath(append(segs, key))
	issue := inventory.FieldIssue{Kind: inventory.UnknownField, Path: path, Field: key, Parent: t.Name()}
	// A misspelling of a field of this level?
	if best := suggest.Closest(key, si.names); best != "" {
		issue.Suggestion = renderPath(append(segs, best))
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
// it exists, each struct type visited once at its shallowest place.
func (c *strictChecker) homesOf(root reflect.Type) map[string][]string {
	if v, ok := c.homes.Load(root); ok {
		return v.(map[string][]string)
	}
	homes := map[string][]string{}
	type item struct {
		t    reflect.Type
		path string
	}
	seen := map[reflect.Type]bool{}
	queue := []item{{root.Elem(), ""}}
	for depth := 0; depth < 14 && len(queue) > 0; depth++ {
		var next []item
		for _, it := range queue {
			t := it.t
			for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
				t = t.Elem()
			}
			if t.Kind() != reflect.Struct || seen[t] || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
				continue
			}
			seen[t] = true
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
				next = append(next, item{si.byName[n].typ, p})
			}
		}
		queue = next
	}
	v, _ := c.homes.LoadOrStore(root, homes)
	return v.(map[string][]string)
}

// nearest picks the candidate path that shares the longest prefix with path.
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
		if n > bestN {
			best, bestN = c, n
		}
	}
	return best
}
