package fix

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
)

// A chart's rendered objects are never edited; the advice names the values.yaml line to
// change when the template line of the field reads a value: `key: {{ .Values.a.b }}` (the
// field is the value a.b) or `{{- toYaml .Values.a | nindent 8 }}` under `key:` (the field
// is under the value a, at the rest of its path).

// valuesRef is a reference to a chart value in a template expression.
var valuesRef = regexp.MustCompile(`\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`)

// ValuesAdvice says where the chart's values.yaml sets what the patch p of a finding about a
// rendered template changes: "DIR/values.yaml:LINE: set a.b: v". false when the template
// line of the finding reads no value (or several), or values.yaml lacks it; the advice is
// then the template line's.
func ValuesAdvice(f *finding.Finding, p finding.Patch) (string, bool) {
	if f.Location.Template == "" || f.Location.Line < 1 || p.IsNote() || p.Rename != "" {
		return "", false
	}
	tmpl, err := os.ReadFile(f.Location.File)
	if err != nil {
		return "", false
	}
	key, ref, whole, ok := templateValue(bytes.Split(tmpl, []byte("\n")), f.Location.Line-1)
	if !ok {
		return "", false
	}
	segs, err := parsePath(p.Path)
	if err != nil {
		return "", false
	}
	at := -1
	for i, s := range segs {
		if !s.isIndex && s.key == key {
			at = i
		}
	}
	if at < 0 || !whole && at != len(segs)-1 {
		return "", false
	}
	path := append([]string{}, ref...)
	for _, s := range segs[at+1:] {
		if s.isIndex {
			return "", false
		}
		path = append(path, s.key)
	}
	valuesFile, ok := chartValues(f.Location.File)
	if !ok {
		return "", false
	}
	line, full, ok := valuesLine(valuesFile, path, len(ref))
	if !ok || p.Remove && !full {
		return "", false
	}
	what := "set " + strings.Join(path, ".") + ": " + flowText(normalize(p.Value), false)
	if p.Remove {
		what = "remove " + strings.Join(path, ".")
	}
	return valuesFile + ":" + strconv.Itoa(line) + ": " + what, true
}

// templateValue finds the value the template line l (0-based) reads: the key the line sets
// (or the line above, for an expression on a line of its own), the value's path and whether
// the expression writes a whole mapping (toYaml).
func templateValue(lines [][]byte, l int) (key string, ref []string, whole, ok bool) {
	if l >= len(lines) {
		return "", nil, false, false
	}
	text := string(lines[l])
	if !strings.Contains(text, "{{") {
		// A "key:" line whose value is the expression on the next line.
		key, ok = bareKey(text)
		if !ok || l+1 >= len(lines) {
			return "", nil, false, false
		}
		next := string(lines[l+1])
		if k, _, _ := strings.Cut(next, "{{"); strings.TrimSpace(k) != "" {
			return "", nil, false, false
		}
		text = next
	} else if before, _, _ := strings.Cut(text, "{{"); strings.TrimSpace(before) == "" {
		// An expression on a line of its own: its key is on the line above.
		if l == 0 {
			return "", nil, false, false
		}
		if key, ok = bareKey(string(lines[l-1])); !ok {
			return "", nil, false, false
		}
	} else {
		key = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(before), "- ")), ":")
		if !strings.HasSuffix(strings.TrimSpace(before), ":") {
			return "", nil, false, false
		}
	}
	refs := valuesRef.FindAllStringSubmatch(text, -1)
	if len(refs) != 1 || strings.Count(text, "{{") != 1 {
		return "", nil, false, false
	}
	_, expr, _ := strings.Cut(text, "{{")
	key = strings.Trim(key, `"'`)
	return key, strings.Split(refs[0][1][1:], "."), strings.Contains(expr, "toYaml"), key != ""
}

// bareKey is the key of a line that holds only "key:" (or "- key:").
func bareKey(line string) (string, bool) {
	t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
	if !strings.HasSuffix(t, ":") || strings.ContainsAny(t, "{}#") {
		return "", false
	}
	return strings.Trim(strings.TrimSuffix(t, ":"), `"'`), true
}

// chartValues is the values.yaml of the chart that holds a template file.
func chartValues(template string) (string, bool) {
	dir := filepath.Dir(template)
	for range 8 {
		if info, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil && info.Mode().IsRegular() {
			v := filepath.Join(dir, "values.yaml")
			_, err := os.Stat(v)
			return v, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", false
}

// valuesLine is the line of values.yaml that holds path, or the deepest part of it that
// holds at least the first need keys (the value the template reads); full says whether the
// whole path is there.
func valuesLine(file string, path []string, need int) (line int, full, ok bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, false, false
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) != 1 {
		return 0, false, false
	}
	n := root.Content[0]
	for i, k := range path {
		if n.Kind != yaml.MappingNode {
			return line, false, i >= need
		}
		var key, next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == k {
				key, next = n.Content[j], n.Content[j+1]
			}
		}
		if next == nil {
			return line, false, i >= need
		}
		line, n = key.Line, next
	}
	return line, true, true
}
