package manifest

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
	"palisade.dev/palisade/internal/testcorpus"
)

// The fast path must be indistinguishable from the yaml.v3 path: for every document it
// accepts, the same data, positions and duplicate keys; and it must never accept a document
// that yaml.v3 rejects. These tests and FuzzDifferential hold it to that.

// reference is what the yaml.v3 path makes of one document.
type reference struct {
	parseErr  error // yaml.v3 rejected the document
	notMap    bool  // empty, or its root is not a map
	convErr   error // the converter rejected it (aliases expanding too far, bad merge keys)
	content   map[string]any
	positions *inventory.Positions
	dups      []duplicateKey
	line, col int
}

func yamlReference(data []byte, lineBase int, mapLine func(int) int) reference {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return reference{parseErr: err}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return reference{notMap: true}
	}
	body := root.Content[0]
	c := &converter{lineBase: lineBase, mapLine: mapLine}
	r := reference{line: c.line(body.Line), col: body.Column}
	c.pos.SetRoot(r.line, r.col)
	v, err := c.convert(body, inventory.RootHash, 0)
	if err != nil {
		r.convErr = err
		return r
	}
	r.content = v.(map[string]any)
	r.positions = c.pos.Build()
	r.dups = c.dups
	return r
}

// checkSame decodes data both ways and reports how they differ, if they do. It returns
// whether the fast path decoded the document.
func checkSame(t testing.TB, data []byte, lineBase int, mapLine func(int) int) bool {
	t.Helper()
	var pos inventory.PositionsBuilder
	fd, err := fastyaml.Decode(data, lineBase, mapLine, &pos)
	ref := yamlReference(data, lineBase, mapLine)
	if err != nil {
		if !errors.Is(err, fastyaml.ErrUnsupported) {
			t.Errorf("fast path failed with %v, not ErrUnsupported, on:\n%s", err, data)
		}
		return false
	}
	switch {
	case ref.parseErr != nil:
		t.Errorf("fast path accepted a document yaml.v3 rejects (%v):\n%s", ref.parseErr, data)
		return true
	case ref.notMap:
		t.Errorf("fast path accepted a document whose root is not a map for yaml.v3:\n%s", data)
		return true
	case ref.convErr != nil:
		t.Errorf("fast path accepted a document the converter rejects (%v):\n%s", ref.convErr, data)
		return true
	}
	if diff := valueDiff("", fd.Content(), ref.content); diff != "" {
		t.Errorf("content differs at %s on:\n%s", diff, data)
	}
	if fd.Line != ref.line || fd.Column != ref.col {
		t.Errorf("root at %d:%d, yaml.v3 path %d:%d, on:\n%s", fd.Line, fd.Column, ref.line, ref.col, data)
	}
	if got := pos.Build(); !reflect.DeepEqual(got, ref.positions) {
		t.Errorf("positions differ:\nfast   %v\nyaml.v3 %v\non:\n%s", got, ref.positions, data)
	}
	var dups []duplicateKey
	for _, d := range fd.Duplicates {
		dups = append(dups, duplicateKey{path: d.Path, line: d.Line, col: d.Column})
	}
	if !reflect.DeepEqual(dups, ref.dups) {
		t.Errorf("duplicate keys differ:\nfast    %v\nyaml.v3 %v\non:\n%s", dups, ref.dups, data)
	}
	return true
}

// valueDiff returns the path of the first difference between two decoded values, or "".
// Values must have the same dynamic types; NaN equals NaN, and 0.0 differs from -0.0.
func valueDiff(path string, got, want any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: %#v, want %#v", path, got, want)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing", path, k)
			}
			if d := valueDiff(path+"."+k, gv, wv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) || (g == nil) != (w == nil) {
			return fmt.Sprintf("%s: %#v, want %#v", path, got, want)
		}
		for i := range w {
			if d := valueDiff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); d != "" {
				return d
			}
		}
		return ""
	case float64:
		g, ok := got.(float64)
		if ok && (math.IsNaN(g) && math.IsNaN(w) || g == w && math.Signbit(g) == math.Signbit(w)) {
			return ""
		}
	default:
		if reflect.TypeOf(got) == reflect.TypeOf(want) && got == want {
			return ""
		}
	}
	return fmt.Sprintf("%s: %#v (%T), want %#v (%T)", path, got, got, want, want)
}

// seedDocuments gathers real manifests, one document each with the line it starts on: every
// YAML file under the repository's testdata folders and examples/, and the generated corpus of
// 1000 objects (package testcorpus), written into dir; with the corpus's summary.
func seedDocuments(t testing.TB, dir string) ([]Document, testcorpus.Summary) {
	t.Helper()
	root := filepath.Join("..", "..", "..")
	var files []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			if strings.HasPrefix(e.Name(), ".") && p != root {
				return filepath.SkipDir
			}
			return nil
		}
		if (strings.Contains(filepath.ToSlash(p), "/testdata/") || strings.HasPrefix(filepath.ToSlash(p), "../../../examples/")) &&
			(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := testcorpus.Generate(dir, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var docs []Document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := SplitDocuments(data, f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, ds...)
	}
	return docs, sum
}

// tricky are documents at the edges of the fast path's subset, each written to pin one rule
// of YAML that the fast path must follow exactly or leave to yaml.v3.
var tricky = []string{
	"a: 1\n",
	"---\na: 1\n",
	"--- # start\na: 1\n",
	"# head\n\na: b # tail\n# foot\n",
	"  a: 1\n  b: 2\n",
	"a:\n  b:\n    c: d\n  e: f\ng: h\n",
	"a:\n- 1\n- 2\nb: x\n",
	"a:\n  - 1\n  -  2\n",
	"a:\n- b: 1\n  c:\n  - d\n  e: f\n- - x\n  - y\n-\n  g: h\n",
	"a: [1, 2, 3]\nb: {}\nc: []\nd: {x: 1, \"y\": [a, 'b', {z: null}]}\n",
	"a: {\"k\":1}\n",
	"a: [a, b,]\n",
	"a: [a\n  , b]\n",
	"a: 'it''s'\nb: \"tab\\tnl\\n\\x41\\u00e9\\U0001F600\\\\\\\"\\0\\e\\N\\_\\L\\P\\ \"\n",
	"c: \"\\/\"\n",
	"c: \"\\uD800\"\n",
	"c: \"\\x4\"\n",
	"c: \"a\\\n  b\"\n",
	"a: \"multi\n  line\"\n",
	"a: plain\n  continued\n",
	"a: plain\n  # not a continuation\nb: 2\n",
	"a: |\n  line 1\n   line 2\n\n  line 3\n\n\nb: 1\n",
	"a: |-\n  x\n\nb: >\n  folded\n  text\n\n  para\n   more\n  end\n",
	"a: |+\n  keep\n\n\n",
	"a: >2-\n   indented\n  x\n",
	"a: |\nb: 1\n",
	"a: |\n    \n  x\n",
	"a: |\n  x\n  ",
	"a: |\n  x",
	"a: >\n\n  x\n  y\n",
	"- a\n",
	"just a scalar\n",
	"a: 1\n---\nb: 2\n",
	"a: !!str 1\n",
	"<<: {a: 1}\n",
	"? a\n: b\n",
	"a: yes\nb: No\nc: on\nd: 'yes'\ne: y\nf: ~\ng: null\nh: Null\ni: <<\n",
	"a: 0x1F\nb: 0o17\nc: 017\nd: 0b101\ne: -0b101\nf: 0b-101\ng: +12\nh: 1_000\ni: 9223372036854775808\nj: 18446744073709551616\n",
	"a: 1.5\nb: .5\nc: -.5e3\nd: 1e3\ne: 1.\nf: .inf\ng: -.Inf\nh: .NaN\ni: +.INF\nj: 1e999\nk: 0x1p3\nl: 1_0.5\n",
	"a: 2001-12-14\nb: 2001-12-14t21:59:43.10-05:00\nc: 1234-\nd: 12:30\ne: 1:2:3\n",
	"a: b: c\n",
	"a: - b\n",
	"a:\n  b: 1\n c: 2\n",
	"a: 1\na: 2\nb:\n  c: 1\n  c: 2\n",
	"a: [x, {b: 1, b: 2}]\n",
	"\"a\": 1\n'b': 2\n\"\": 3\n",
	"key with spaces : value with spaces   \n",
	"a: x#y\nb: x #y\n",
	"a: http://example.com:8080/path\n",
	"a: \t1\n",
	"a: \"x\"# c\n",
	"a:\n  - \"b\": 1\n    'c': 2\n",
	"é: ü\nlist: [é, ü]\nmap: {é: 1, ü: 2}\n",
	"a: -1\nb: -x\nc: -\n",
	"a: @x\n",
	"%YAML 1.2\n---\na: 1\n",
	"a: 1\n...\n",
	"a:\n\n\n  b: 1\n",
	"a:\n  - b\n  c: 1\n",
	"a: 1\n- b\n",
	// Found by the generated documents: empty keys repeated (the yaml.v3 path's duplicate
	// report once failed on them) and over-long flow keys (the fast path once accepted them).
	"x: {\"\": 1, \"\": 2}\n",
	"x:\n  \"\": 1\n  '': 2\n",
	// YAML limits simple keys to 1024 characters, in block and in flow collections.
	strings.Repeat("k", 1030) + ": 1\n",
	"- " + strings.Repeat("k", 1030) + ": 1\n",
	"a: {" + strings.Repeat("k", 1030) + ": 1}\n",
	"a: {\"" + strings.Repeat("k", 1030) + "\": 1}\n",
	"a: {" + strings.Repeat("é", 600) + ": 1}\n",
	"a: [" + strings.Repeat("v", 1030) + "]\n",
	// Anchors, aliases and merge keys: every copy has the data, positions and duplicate keys
	// the yaml.v3 path gives it.
	"a: &x 1\nb: *x\n",
	"a: &x yes\nb: *x\nc: &y 'yes'\nd: *y\ne: &z |\n  text\nf: *z\ng: &w \"q\"\nh: [*w, *x]\n",
	"a: &x\n  b: 1\n  c: [1, 2]\n  d:\n  - e: f\n    g: h\nz: *x\ny:\n  w: *x\n",
	"a: &x\n- 1\n- b: 2\nc: *x\n",
	"a: &x\n  - 1\n  - [2, 3]\nc:\n- *x\n- *x\n",
	"a:\n- &x\n  b: 1\n  c: 2\n- *x\n- &y v\n- *y\n- &z [1]\n- *z\n",
	"a: &x # comment\n  b: 1\nc: *x # comment\n",
	"a: &x\nb: *x\n",
	"a: &x-1_B 1\nb: *x-1_B\n",
	"a: &x 1\nb: *x\na: &x 2\nc: *x\n",
	"a: &x 1\nb: &x 2\nc: *x\nd: &x {e: 3}\nf: *x\n",
	"a: &x {b: &x 1, c: *x}\nd: *x\n",
	"a: [&x 1, *x, &y {b: c}, *y]\nd: {e: &z [1, 2], f: *z, g: *y}\n",
	"a: *x\nb: &x 1\n",
	"a: &x\n  b: *x\n",
	"a: &x {b: *x}\n",
	"a: & 1\n",
	"a: &x\n- &x\n",
	"a: &x 1\nb: *x y\n",
	"a: &x &y 1\n",
	"a: &x *y\n",
	"a: &x# c\n",
	"a: *x: 1\n",
	"- &x a: 1\n",
	"a:\n- &x b: 1\n- *x\n",
	"a: &x\n  k: 1\n  k: 2\nb: *x\n",
	"a: &x\n  k: {l: 1, l: 2}\nb: *x\n",
	"a: &x 1\na: 2\nb: *x\n",
	"a: &x\n  k: 1\na: 2\nb: *x\n",
	"base: &base\n  a: 1\n  b:\n    c: 2\n    d: [3, 4]\nm:\n  <<: *base\n  a: 5\n",
	"base: &base\n  a: 1\n  b: 2\nm:\n  a: 5\n  <<: *base\n  c: 6\n",
	"x: &x {a: 1, b: 2}\ny: &y {b: 3, c: 4}\nm:\n  <<: [*x, *y]\n  c: 5\nn:\n  <<: [*y, *x]\n",
	"x: &x {a: 1, b: {c: 2}}\nm: {<<: *x, a: 3}\nn: {c: 3, <<: [*x]}\n",
	"x: &x {a: 1, b: {c: 2}}\nn: {a: 3, <<: [*x]}\n",
	"x: &x {a: 1}\nm: {a: 2, <<: *x, a: 3}\n",
	"x: &x {a: 1}\ny: &y\n  <<: *x\n  b: 2\nm:\n  <<: *y\n  c: 3\nn: *y\n",
	"x: &x {a: 1}\nm:\n  <<: *x\n  b: &x {c: 2}\nn:\n  <<: *x\n",
	"x: &x {a: 1}\nl:\n- <<: *x\n  b: 2\n- b: 3\n  <<: *x\n",
	"x: &x {a: 1}\nm:\n  \"<<\": *x\n",
	"x: &x {a: 1}\nm:\n  <<: *x\n  <<: *x\n",
	"x: &x 1\nm:\n  <<: *x\n",
	"x: &x [1]\nm:\n  <<: *x\n",
	"x: &x {a: 1}\nm:\n  <<:\n  - *x\n",
	"x: &x {a: 1}\nm:\n  <<: [*x,]\n",
	"x: &x {a: 1}\nm:\n  <<: {a: 2}\n",
	"x: &x {a: 1}\nm:\n  <<: *y\n",
	"x: &x {a: 1, a: 2}\nm:\n  <<: *x\n",
	"x: &x\n  <<: *x\n",
	"x: &x {a: 1}\n<<: *x\nb: 2\n",
	"a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nd: &d [*c, *c, *c, *c]\ne: &e [*d, *d, *d, *d]\nf: [*e, *e, *e, *e]\n",
	"spec:\n  containers:\n  - name: a\n    resources: &res\n      limits: {cpu: 1}\n    livenessProbe: &probe\n      httpGet: {path: /healthz, port: 8080}\n      periodSeconds: 10\n" +
		"    readinessProbe:\n      <<: *probe\n      periodSeconds: 5\n  - name: b\n    resources: *res\n    livenessProbe: *probe\n",
}

func TestFastPathMatchesYAML(t *testing.T) {
	for _, doc := range tricky {
		checkSame(t, []byte(doc), 0, nil)
		checkSame(t, []byte(doc), 41, func(l int) int { return 1000 - l }) // as a chart template's lines map
	}
	corpus := t.TempDir()
	docs, sum := seedDocuments(t, corpus)
	t.Run("same data", func(t *testing.T) {
		// The documents the corpus writes as JSON over several lines may fall back; those it
		// writes with anchors, aliases and merge keys take the fast path too.
		general := map[string]bool{}
		for _, g := range sum.General {
			if strings.HasSuffix(g.File, ".json") {
				general[fmt.Sprintf("%s#%d", filepath.Join(corpus, filepath.FromSlash(g.File)), g.Index)] = true
			}
		}
		var fallbacks []string
		fromCorpus, fellBack := 0, 0
		for _, d := range docs {
			fast := checkSame(t, d.Data, d.Line-1, nil)
			ref := fmt.Sprintf("%s#%d", d.File, d.Index)
			if strings.HasPrefix(d.File, corpus) {
				fromCorpus++
				if !fast {
					fellBack++
				}
			}
			if !fast && plainManifest(d.File, corpus) && !general[ref] {
				fallbacks = append(fallbacks, ref)
			}
		}
		// The generated corpus and the examples are plain manifests: all the rest take the
		// fast path.
		if len(fallbacks) > 0 {
			t.Errorf("%d of %d documents fell back to yaml.v3: %v", len(fallbacks), len(docs), fallbacks)
		}
		t.Logf("corpus: %d documents, %d fell back to yaml.v3 (%d written with anchors or as JSON, %d as JSON)", fromCorpus, fellBack, len(sum.General), len(general))
	})
	t.Run("same objects", func(t *testing.T) { sameObjects(t, docs) })
}

// plainManifest reports whether a seed file is an ordinary manifest (from the generated
// corpus or examples/, not a chart template nor a test's deliberately odd input).
func plainManifest(file, corpus string) bool {
	file = filepath.ToSlash(file)
	return strings.HasPrefix(file, filepath.ToSlash(corpus)) ||
		strings.HasPrefix(file, "../../../examples/") && !strings.Contains(file, "/templates/")
}

// sameObjects checks the whole hook: the objects the loader builds through the fast path
// equal those it builds through yaml.v3, typed values, issues and positions included.
func sameObjects(t *testing.T, docs []Document) {
	d := newDecoder("default")
	for _, doc := range docs {
		objs, errs, ok := d.fast(doc, nil)
		if !ok {
			continue
		}
		var root yaml.Node
		if err := yaml.Unmarshal(doc.Data, &root); err != nil {
			t.Fatalf("%s#%d: %v", doc.File, doc.Index, err)
		}
		o, wantErrs := d.object(doc, root.Content[0], 0, new(int))
		var want []*inventory.Object
		if o != nil {
			want = append(want, o)
		}
		// The strict walk reports unknown fields in map order: compare the issues as sets.
		for _, o := range append(slices.Clip(objs), want...) {
			slices.SortFunc(o.Issues(), func(a, b inventory.FieldIssue) int {
				return strings.Compare(a.Path+string(a.Kind), b.Path+string(b.Kind))
			})
		}
		if !reflect.DeepEqual(objs, want) || !reflect.DeepEqual(errs, wantErrs) {
			t.Errorf("%s#%d: fast path built\n%+v %v\nyaml.v3 path\n%+v %v", doc.File, doc.Index, objs, errs, want, wantErrs)
		}
	}
}

// TestFastPathLeavesListsToYAML pins the documents the hook hands to the yaml.v3 path even
// though fastyaml reads them: Lists, whose items become objects of their own, and documents
// that repeat their kind (the yaml.v3 path looks at the first to spot a List).
func TestFastPathLeavesListsToYAML(t *testing.T) {
	d := newDecoder("default")
	tests := []struct {
		name, data string
		objects    int
	}{
		{"List", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n", 1},
		{"typed list", "apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n", 1},
		// The first kind makes it a List (of no items) for the yaml.v3 path.
		{"kind written twice", "apiVersion: v1\nkind: List\nkind: ConfigMap\nitems: []\nmetadata:\n  name: a\n", 0},
	}
	for _, tt := range tests {
		doc := Document{File: "list.yaml", Index: 1, Line: 1, Data: []byte(tt.data)}
		if _, _, ok := d.fast(doc, nil); ok {
			t.Errorf("%s: took the fast path", tt.name)
		}
		if out := d.decode(doc, nil); len(out.objects) != tt.objects || len(out.errs) != 0 {
			t.Errorf("%s: decoded %d objects, errors %v; want %d objects", tt.name, len(out.objects), out.errs, tt.objects)
		}
	}
}

func FuzzDifferential(f *testing.F) {
	for _, doc := range tricky {
		f.Add([]byte(doc))
	}
	// Real manifests seed the fuzzer; a plain test run has checked them in TestFastPathMatchesYAML.
	if fuzzing := flag.Lookup("test.fuzz"); fuzzing != nil && fuzzing.Value.String() != "" {
		docs, _ := seedDocuments(f, f.TempDir())
		for _, d := range docs {
			f.Add(d.Data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Count(data, []byte("\n")) > 2000 {
			return // keep each input cheap for yaml.v3
		}
		checkSame(t, data, 10, nil)
	})
}

// BenchmarkDecodeDocument compares the two paths on the documents of the generated corpus
// (1000 objects) that both decode, leaving out the few written with anchors or as JSON:
// parsing and conversion to plain data with positions, per document.
func BenchmarkDecodeDocument(b *testing.B) {
	corpus := b.TempDir()
	var docs []Document
	var size int64
	seeds, sum := seedDocuments(b, corpus)
	general := map[string]bool{}
	for _, g := range sum.General {
		general[fmt.Sprintf("%s#%d", filepath.Join(corpus, filepath.FromSlash(g.File)), g.Index)] = true
	}
	for _, d := range seeds {
		if strings.HasPrefix(d.File, corpus) && !general[fmt.Sprintf("%s#%d", d.File, d.Index)] {
			docs = append(docs, d)
			size += int64(len(d.Data))
		}
	}
	b.Run("path=fastyaml", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				var pos inventory.PositionsBuilder
				if _, err := fastyaml.Decode(d.Data, d.Line-1, nil, &pos); err != nil {
					b.Fatalf("%s#%d: %v", d.File, d.Index, err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
	})
	b.Run("path=yaml.v3", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				yamlReference(d.Data, d.Line-1, nil)
			}
		}
		b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
	})
}

var (
	randomDocuments = flag.Int("fastyaml.random", 5000, "random documents each of TestFastPathRandomDocuments and TestFastPathGeneratedDocuments compares")
	randomSeed      = flag.Uint64("fastyaml.seed", 1, "seed of the random documents")
)

// fragments are the pieces random documents are made of: the indicators, scalars and
// whitespace where the fast path and yaml.v3 could part ways.
var fragments = []string{
	"a", "b", "key", "x y", "é", "-", "- ", "-x", ": ", ":", " ", "  ", "#c", " #c", "'", "''", "\"",
	"\\", "\\n", "\\x41", "\\u00e9", "|", "|-", "|+", ">", ">2", "|1", "[", "]", "{", "}", ", ", ",",
	"1", "-1", "+1", "0x1F", "0o7", "0b1", "1_0", "1.5", ".5", "1e3", ".inf", "-.Inf", ".nan", "yes",
	"No", "on", "null", "~", "true", "2001-01-01", "12:30", "&a", "*a", "!t", "!!str", "?", "? ",
	"---", "...", "%", "@", "<<", "- a: ", "a: ", "a:", "- - ", "\"a\": ", "'b': ", "[a, b]", "{a: 1}",
	"{}", "[]", "http://x:1/y",
}

// TestFastPathRandomDocuments compares both paths on random documents built from fragments,
// which reach the corners of the grammar much faster than mutations of real manifests.
func TestFastPathRandomDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(*randomSeed, 2))
	var b strings.Builder
	accepted := 0
	for range *randomDocuments {
		b.Reset()
		for range 1 + rng.IntN(8) {
			b.WriteString(strings.Repeat(" ", rng.IntN(7)))
			for range 1 + rng.IntN(4) {
				b.WriteString(fragments[rng.IntN(len(fragments))])
			}
			b.WriteByte('\n')
		}
		if checkSame(t, []byte(b.String()), 3, nil) {
			accepted++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("fast path decoded %d of %d random documents", accepted, *randomDocuments)
}

// TestFastPathGeneratedDocuments compares both paths on random trees written in random
// styles (block, compact, indentless and flow collections; plain, quoted and block scalars;
// comments and blank lines), a third of them then damaged by one random edit.
func TestFastPathGeneratedDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(*randomSeed, 4))
	accepted := 0
	for range *randomDocuments {
		w := &docWriter{rng: rng}
		if rng.IntN(4) == 0 {
			w.b.WriteString("---\n")
		}
		w.mapping(rng.IntN(2)*rng.IntN(3), 0)
		data := []byte(w.b.String())
		if rng.IntN(3) == 0 {
			data = damage(rng, data)
		}
		var mapLine func(int) int
		if rng.IntN(2) == 0 {
			mapLine = func(l int) int { return 3*l - 1 }
		}
		if checkSame(t, data, 3, mapLine) {
			accepted++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("fast path decoded %d of %d generated documents", accepted, *randomDocuments)
}

func damage(rng *rand.Rand, data []byte) []byte {
	if len(data) == 0 {
		return data
	}
	i := rng.IntN(len(data))
	switch rng.IntN(3) {
	case 0:
		f := fragments[rng.IntN(len(fragments))]
		return append(data[:i:i], append([]byte(f), data[i:]...)...)
	case 1:
		j := min(len(data), i+1+rng.IntN(4))
		return append(data[:i:i], data[j:]...)
	}
	const chars = " \n-:#'\"[]{},|>a1"
	data[i] = chars[rng.IntN(len(chars))]
	return data
}

// docWriter writes a random document.
type docWriter struct {
	rng *rand.Rand
	b   strings.Builder
	// anchors are the anchor names given so far (some given again, some whose value is
	// still being written, so that aliases reach every case the fast path must refuse).
	anchors []string
}

// anchor writes an anchor before a value, now and then: a new name or one given before.
func (w *docWriter) anchor() {
	if w.rng.IntN(8) != 0 {
		return
	}
	name := fmt.Sprintf("a%d", len(w.anchors))
	if len(w.anchors) > 0 && w.rng.IntN(4) == 0 {
		name = w.anchors[w.rng.IntN(len(w.anchors))]
	}
	w.anchors = append(w.anchors, name)
	w.b.WriteString(" &" + name)
}

// alias returns an alias of an anchor given so far, or of one never given, now and then; ""
// otherwise.
func (w *docWriter) alias() string {
	if w.rng.IntN(8) != 0 {
		return ""
	}
	if len(w.anchors) == 0 || w.rng.IntN(10) == 0 {
		return "*none"
	}
	return "*" + w.anchors[w.rng.IntN(len(w.anchors))]
}

// merge returns the value of a merge key: an alias or a flow list of them.
func (w *docWriter) merge() string {
	a := w.alias()
	for a == "" {
		a = w.alias()
	}
	if w.rng.IntN(3) > 0 {
		return a
	}
	list := []string{a}
	for range w.rng.IntN(3) {
		if b := w.alias(); b != "" {
			list = append(list, b)
		}
	}
	return "[" + strings.Join(list, ", ") + "]"
}

var (
	genKeys   = []string{"a", "b", "name", "key with space", "x.y/z", "-k", "é", "1", "yes", "null", "\"q\"", "'s'", "\"\"", "a#b", strings.Repeat("long", 256)}
	genPlains = []string{"v", "two words", "yes", "No", "on", "1", "-1", "+2", "0x1F", "0o17", "017", "0b11", "1_000",
		"1.5", ".5", "1e3", "1.", ".inf", "-.Inf", ".NaN", "null", "~", "2001-01-01", "12:30", "x#y", "http://a:1/b",
		"é ü", "-x", "a'b", "a\"b", "9223372036854775808", "<<", "true", "FALSE", "a,b", "a]b", "a}b", "[x]"}
	genQuoted = []string{"'v'", "'it''s'", "''", "\"v\"", "\"\"", "\"a\\tb\\n\"", "\"\\x41\\u00e9\"", "\"q\\\"\"", "' a '", "\"#\""}
)

func (w *docWriter) pad(n int) { w.b.WriteString(strings.Repeat(" ", n)) }

func (w *docWriter) extras(indent int) {
	switch w.rng.IntN(8) {
	case 0:
		w.b.WriteString("\n")
	case 1:
		w.pad(w.rng.IntN(indent + 3))
		w.b.WriteString("# comment\n")
	case 2:
		w.pad(w.rng.IntN(indent + 3))
		w.b.WriteString("\n")
	}
}

func (w *docWriter) mapping(indent, depth int) {
	for i := range 1 + w.rng.IntN(4) {
		if i > 0 {
			w.pad(indent)
		}
		if w.rng.IntN(10) == 0 {
			w.b.WriteString("<<: " + w.merge() + "\n")
			w.extras(indent)
			continue
		}
		w.b.WriteString(genKeys[w.rng.IntN(len(genKeys))])
		w.b.WriteString(":")
		w.value(indent, depth, true)
		w.extras(indent)
	}
}

func (w *docWriter) sequence(indent, depth int) {
	for i := range 1 + w.rng.IntN(3) {
		if i > 0 {
			w.pad(indent)
		}
		w.b.WriteString("-")
		w.value(indent, depth, false)
		w.extras(indent)
	}
}

// value writes a value after "key:" or "-", ending with a line break.
func (w *docWriter) value(indent, depth int, inMap bool) {
	if a := w.alias(); a != "" {
		w.b.WriteString(" " + a + "\n")
		return
	}
	w.anchor()
	r := w.rng.IntN(10)
	if depth > 3 {
		r = 0
	}
	switch r {
	case 0, 1:
		w.b.WriteString(" " + genPlains[w.rng.IntN(len(genPlains))])
	case 2:
		w.b.WriteString(" " + genQuoted[w.rng.IntN(len(genQuoted))])
	case 3:
		w.blockScalar(indent)
		return
	case 4:
		w.b.WriteString(" " + w.flow(depth))
	case 5, 6:
		w.b.WriteString("\n")
		w.extras(indent)
		in := indent + 1 + w.rng.IntN(3)
		w.pad(in)
		w.mapping(in, depth+1)
		return
	case 7:
		w.b.WriteString("\n")
		w.extras(indent)
		in := indent + w.rng.IntN(3)
		if !inMap && in == indent {
			in++
		}
		w.pad(in)
		w.sequence(in, depth+1)
		return
	case 8:
		if inMap {
			w.b.WriteString("\n")
			return // null
		}
		w.b.WriteString(" ")
		w.mapping(indent+2, depth+1) // a compact map in a list item
		return
	case 9:
		if inMap {
			w.b.WriteString(" # c")
			break
		}
		if w.rng.IntN(2) == 0 {
			// The item's content on the next lines.
			w.b.WriteString([]string{"\n", " # c\n", "\n\n"}[w.rng.IntN(3)])
			in := indent + 1 + w.rng.IntN(3)
			w.pad(in)
			if w.rng.IntN(2) == 0 {
				w.mapping(in, depth+1)
			} else {
				w.sequence(in, depth+1)
			}
			return
		}
		w.b.WriteString(" ")
		w.sequence(indent+2, depth+1) // a compact list in a list item
		return
	}
	if w.rng.IntN(5) == 0 {
		w.b.WriteString(" # c")
	}
	w.b.WriteString("\n")
}

func (w *docWriter) blockScalar(indent int) {
	w.b.WriteString(" " + []string{"|", ">", "|-", ">+", "|2", ">-1", "|+"}[w.rng.IntN(7)])
	w.b.WriteString("\n")
	in := indent + 1 + w.rng.IntN(3)
	for range 1 + w.rng.IntN(4) {
		switch w.rng.IntN(5) {
		case 0:
			w.b.WriteString("\n")
		case 1:
			w.pad(in + 1 + w.rng.IntN(2))
			w.b.WriteString("more indented\n")
		default:
			w.pad(in)
			w.b.WriteString([]string{"text", "# not a comment", "a: b", "- x"}[w.rng.IntN(4)] + "\n")
		}
	}
}

func (w *docWriter) flow(depth int) string {
	var items []string
	isMap := w.rng.IntN(2) == 0
	for range w.rng.IntN(4) {
		var v string
		switch {
		case depth < 3 && w.rng.IntN(4) == 0:
			v = w.flow(depth + 1)
		case w.rng.IntN(3) == 0:
			v = genQuoted[w.rng.IntN(len(genQuoted))]
		default:
			v = genPlains[w.rng.IntN(len(genPlains))]
		}
		switch w.rng.IntN(12) {
		case 0:
			name := fmt.Sprintf("a%d", len(w.anchors))
			w.anchors = append(w.anchors, name)
			v = "&" + name + " " + v
		case 1:
			if a := w.alias(); a != "" {
				v = a
			}
		case 2:
			if isMap {
				items = append(items, "<<: "+w.merge())
				continue
			}
		}
		if isMap {
			sep := []string{": ", ":", " : ", ":  "}[w.rng.IntN(4)]
			if k := genKeys[w.rng.IntN(len(genKeys))]; w.rng.IntN(3) == 0 {
				v = `"` + k + `"` + sep + v // JSON style
			} else {
				v = k + sep + v
			}
		}
		items = append(items, v)
	}
	sep := []string{", ", ",", " , "}[w.rng.IntN(3)]
	if isMap {
		return "{" + strings.Join(items, sep) + "}"
	}
	return "[" + strings.Join(items, sep) + "]"
}
