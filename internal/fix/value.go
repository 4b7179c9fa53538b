package fix

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// kv is one key of a mapping value, in the order it is written.
type kv struct {
	key string
	val any
}

// asMapping reads a patch value that is a mapping as keys in sorted order.
func asMapping(v any) ([]kv, bool) {
	switch m := v.(type) {
	case []kv:
		return m, true
	case map[string]any:
		out := make([]kv, 0, len(m))
		for k, x := range m {
			out = append(out, kv{k, x})
		}
		slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.key, b.key) })
		return out, true
	case map[string]string:
		out := make([]kv, 0, len(m))
		for k, x := range m {
			out = append(out, kv{k, x})
		}
		slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.key, b.key) })
		return out, true
	}
	return nil, false
}

// normalize turns a patch value into the few shapes the editor writes: bool, int64, float64,
// string, []any, []kv (a mapping, keys sorted; a mapping with a "name" key writes it first).
func normalize(v any) any {
	if m, ok := asMapping(v); ok {
		out := make([]kv, len(m))
		for i, x := range m {
			out[i] = kv{x.key, normalize(x.val)}
		}
		if i := slices.IndexFunc(out, func(x kv) bool { return x.key == "name" }); i > 0 {
			name := out[i]
			out = append(out[:i], out[i+1:]...)
			out = append([]kv{name}, out...)
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.String:
		return rv.String()
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	}
	return fmt.Sprint(v)
}

// equalScalar compares a decoded YAML scalar with a normalized patch value.
func equalScalar(got, want any) bool {
	switch w := want.(type) {
	case int64:
		switch g := got.(type) {
		case int:
			return int64(g) == w
		case int64:
			return g == w
		case uint64:
			return w >= 0 && g == uint64(w)
		case float64:
			return g == float64(w)
		}
		return false
	case float64:
		switch g := got.(type) {
		case int:
			return float64(g) == w
		case float64:
			return g == w
		}
		return false
	}
	return got == want
}

// sameItem reports whether a list item is the patch item it: an equal scalar, or a mapping
// with the same name when it has one.
func sameItem(n *yaml.Node, it any) bool {
	if kvs, ok := it.([]kv); ok {
		if n.Kind != yaml.MappingNode {
			return false
		}
		for _, x := range kvs {
			if x.key != "name" {
				continue
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "name" {
					return n.Content[i+1].Value == fmt.Sprint(x.val)
				}
			}
			return false
		}
		return false
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	var got any
	if err := n.Decode(&got); err != nil {
		return false
	}
	return equalScalar(got, it)
}

// scalarText writes a scalar value: plain where YAML reads it back as the same value,
// double-quoted otherwise (always for a string in JSON).
func scalarText(v any, asJSON bool) string {
	switch x := v.(type) {
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		if asJSON || !plainSafe(x) {
			return jsonQuote(x)
		}
		return x
	}
	return jsonQuote(fmt.Sprint(v))
}

// jsonQuote is a JSON string, which YAML reads as a double-quoted scalar.
func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// singleQuote is a YAML single-quoted scalar.
func singleQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// plainSafe reports whether s can be written as a plain scalar, in block and flow context,
// and read back as the same string. A word of ASCII letters, digits and "-_./" that begins
// with a letter (a field name, most values a remedy writes) is one unless yaml.v3 resolves it
// to a boolean or a null, which plainTag tells as yaml.v3 does; anything else is read back by
// yaml.v3 (yamlPlainSafe).
func plainSafe(s string) bool {
	if plainWord(s) {
		return plainTag(&yaml.Node{Kind: yaml.ScalarNode, Value: s}) == "!!str"
	}
	return yamlPlainSafe(s)
}

// plainWord reports whether s is an ASCII letter followed by ASCII letters, digits and "-_./".
func plainWord(s string) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}

// yamlPlainSafe is plainSafe through yaml.v3: s written plain is read back.
func yamlPlainSafe(s string) bool {
	if s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, ",[]{}#&*!|>'\"%@`\n\r\t") ||
		strings.Contains(s, ": ") || strings.HasSuffix(s, ":") || strings.ContainsAny(s[:1], "-?:") {
		return false
	}
	var got any
	if err := yaml.Unmarshal([]byte(s), &got); err != nil {
		return false
	}
	str, ok := got.(string)
	return ok && str == s
}

// keyText writes a mapping key.
func keyText(k string, asJSON bool) string {
	if asJSON || !plainSafe(k) {
		return jsonQuote(k)
	}
	return k
}

// flowText writes a value in flow style ({a: 1}, [x, y]; JSON in a JSON document).
func flowText(v any, asJSON bool) string {
	switch x := v.(type) {
	case []kv:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = keyText(p.key, asJSON) + ": " + flowText(p.val, asJSON)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = flowText(it, asJSON)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return scalarText(v, asJSON)
}

// inlineInBlock reports whether a value is written on its key's line in block style: a
// scalar, an empty mapping, or a list of scalars ([ALL]).
func inlineInBlock(v any) bool {
	switch x := v.(type) {
	case []kv:
		return len(x) == 0
	case []any:
		for _, it := range x {
			if _, ok := it.([]kv); ok {
				return false
			}
			if _, ok := it.([]any); ok {
				return false
			}
		}
		return true
	}
	return true
}

// blockPair writes "key: value" lines at indent, each ending in eol. The comment goes on the
// line of the value's leaf: this line for a value written on it, else the last field of a
// mapping or the first item of a list.
func (d *doc) blockPair(key string, v any, indent int, comment string) string {
	if n, ok := v.(noted); ok {
		v, comment = n.val, n.comment
	}
	head := strings.Repeat(" ", indent) + keyText(key, false) + ":"
	if inlineInBlock(v) {
		return head + " " + flowText(v, false) + trailing(comment) + d.eol
	}
	return head + d.eol + d.blockValue(v, indent, comment)
}

// blockValue writes the lines of a mapping or list value below a key at indent.
func (d *doc) blockValue(v any, indent int, comment string) string {
	var b strings.Builder
	switch x := v.(type) {
	case []kv:
		for i, p := range x {
			c := ""
			if i == len(x)-1 {
				c = comment
			}
			b.WriteString(d.blockPair(p.key, p.val, indent+d.step, c))
		}
	case []any:
		for i, it := range x {
			c := ""
			if i == 0 {
				c = comment
			}
			b.WriteString(d.blockItem(it, indent+d.seqStep, c))
		}
	}
	return b.String()
}

// blockItem writes one list item ("- ...") at indent.
func (d *doc) blockItem(v any, indent int, comment string) string {
	pad := strings.Repeat(" ", indent)
	kvs, ok := v.([]kv)
	if !ok || len(kvs) == 0 {
		if inlineInBlock(v) {
			return pad + "- " + flowText(v, false) + trailing(comment) + d.eol
		}
		return pad + "-" + d.eol + d.blockValue(v, indent, comment)
	}
	first := d.blockPair(kvs[0].key, kvs[0].val, indent+2, comment)
	var b strings.Builder
	b.WriteString(pad + "- " + first[indent+2:])
	for _, p := range kvs[1:] {
		b.WriteString(d.blockPair(p.key, p.val, indent+2, ""))
	}
	return b.String()
}

func trailing(comment string) string {
	if comment == "" {
		return ""
	}
	return " # " + strings.ReplaceAll(strings.ReplaceAll(comment, "\n", " "), "\r", " ")
}

// noted is a value of a mapping being written with the comment that goes beside it: the
// fields of several patches written as one new mapping each keep their own comment.
type noted struct {
	val     any
	comment string
}

// nest wraps a value in the mappings of the missing keys segs (a.b.c = v is {a: {b: {c: v}}}).
func nest(segs []segment, v any) any {
	for i := len(segs) - 1; i >= 0; i-- {
		v = []kv{{segs[i].key, v}}
	}
	return v
}
