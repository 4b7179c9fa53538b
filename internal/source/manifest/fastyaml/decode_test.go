package fastyaml_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// These tests pin what the fast path reads and what it leaves to yaml.v3. That it reads it
// exactly as the loader's yaml.v3 path does is checked by the loader's differential tests.

func TestDecodeReadsManifestYAML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{"nested maps", "a:\n  b:\n    c: d\n  e: f\n", map[string]any{"a": map[string]any{"b": map[string]any{"c": "d"}, "e": "f"}}},
		{"list at its key's indentation", "a:\n- 1\n- 2\nb: x\n", map[string]any{"a": []any{int64(1), int64(2)}, "b": "x"}},
		{"compact maps and lists in items", "a:\n  - name: x\n    args:\n    - v\n  - - z\n", map[string]any{
			"a": []any{map[string]any{"name": "x", "args": []any{"v"}}, []any{"z"}}}},
		{"item on the lines after its dash", "a:\n-\n  b: 1\n", map[string]any{"a": []any{map[string]any{"b": int64(1)}}}},
		{"document start marker and comments", "# head\n--- # start\na: b # tail\n  # indented\n# foot\n", map[string]any{"a": "b"}},
		{"empty value is null", "a:\nb: 1\n", map[string]any{"a": nil, "b": int64(1)}},
		{"quoted scalars stay strings", "a: \"1\"\nb: 'yes'\nc: 'it''s'\nd: \"\\t\\u00e9\\x41\"\n", map[string]any{"a": "1", "b": "yes", "c": "it's", "d": "\té" + "A"}},
		{"quoted keys", "\"a b\": 1\n'c': 2\n", map[string]any{"a b": int64(1), "c": int64(2)}},
		{"literal block", "a: |\n  x\n   y\n\n  z\nb: 1\n", map[string]any{"a": "x\n y\n\nz\n", "b": int64(1)}},
		{"folded block, stripped", "a: >-\n  x\n  y\n\n  z\n", map[string]any{"a": "x y\nz"}},
		{"kept block", "a: |+\n  x\n\n", map[string]any{"a": "x\n\n"}},
		{"block with indentation indicator", "a: |2\n   x\n  y\n", map[string]any{"a": " x\ny\n"}},
		{"flow collections", "a: [1, b, \"c\"]\nb: {}\nc: []\nd: {x: [v], \"z\":1}\n", map[string]any{
			"a": []any{int64(1), "b", "c"}, "b": map[string]any{}, "c": []any{}, "d": map[string]any{"x": []any{"v"}, "z": int64(1)}}},
		{"YAML 1.1 booleans as kubectl reads them", "a: yes\nb: Off\nc: y\nd: true\ne: NO\n", map[string]any{"a": true, "b": false, "c": true, "d": true, "e": false}},
		{"nulls", "a: ~\nb: null\nc: NULL\n", map[string]any{"a": nil, "b": nil, "c": nil}},
		{"ints in every base", "a: 0x1F\nb: 0o17\nc: 017\nd: -0b101\ne: +1_000\n", map[string]any{"a": int64(31), "b": int64(15), "c": int64(15), "d": int64(-5), "e": int64(1000)}},
		{"floats", "a: 1.5\nb: .5\nc: -1e3\nd: 9223372036854775808\n", map[string]any{"a": 1.5, "b": 0.5, "c": -1000.0, "d": 9223372036854775808.0}},
		{"infinities", "a: .inf\nb: -.Inf\n", map[string]any{"a": math.Inf(1), "b": math.Inf(-1)}},
		{"timestamps and quantities stay strings", "a: 2024-01-02\nb: 100m\nc: 1.27.0\nd: 12:30\ne: 1e999\n", map[string]any{
			"a": "2024-01-02", "b": "100m", "c": "1.27.0", "d": "12:30", "e": "1e999"}},
		{"plain scalars with indicators inside", "a: http://x:1/y\nb: x#y\nc: a, b]\nd: -x\n", map[string]any{"a": "http://x:1/y", "b": "x#y", "c": "a, b]", "d": "-x"}},
		{"repeated key, last wins", "a: 1\na: 2\n", map[string]any{"a": int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { decodesTo(t, tt.in, tt.want) })
	}
}

func TestDecodeLeavesTheRestToYAML(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty document", "# only a comment\n"},
		{"root list", "- a\n"},
		{"root scalar", "a\n"},
		{"tag", "a: !!str 1\n"},
		{"merge key of a map written in place", "<<: {a: 1}\nb: 2\n"},
		{"merge key of a block list", "x: &x {a: 1}\nm:\n  <<:\n  - *x\n"},
		{"merge key of a scalar", "x: &x 1\nm:\n  <<: *x\n"},
		{"merge key of a list", "x: &x [1]\nm:\n  <<: *x\n"},
		{"two merge keys in one map", "x: &x {a: 1}\nm:\n  <<: *x\n  <<: *x\n"},
		{"map that merges itself", "x: &x\n  <<: *x\n"},
		{"merged map that repeats a key", "x: &x {a: 1, a: 2}\nm:\n  <<: *x\n"},
		// yaml.v3 keeps b: 2, kubectl's yaml.v2 reader gives b: 1: the yaml.v3 path decides.
		{"key written before a merge key that merges it too", "x: &x {b: 1}\nm:\n  b: 2\n  <<: *x\n"},
		{"key written before a flow merge key that merges it too", "x: &x {b: 1}\nm: {b: 2, <<: [*x]}\n"},
		{"alias before its anchor", "a: *x\nb: &x 1\n"},
		{"alias inside its own anchor's value", "a: &x\n  b: [*x]\n"},
		{"alias of a value that repeats a key", "a: &x\n  k: 1\n  k: 2\nb: *x\n"},
		{"anchor on an empty value in a list", "a:\n- &x\n- b\n"},
		{"anchor on a key", "a:\n- &x b: 1\n"},
		{"anchor on an alias", "a: &x 1\nb: &y *x\n"},
		{"alias as a key", "a: &x k\n*x : 1\n"},
		{"anchor name followed by a character yaml.v3 does not allow", "a: &x# c\n"},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"},
		{"complex key", "? a\n: b\n"},
		{"multi-line plain scalar", "a: b\n  c\n"},
		{"multi-line quoted scalar", "a: \"b\n  c\"\n"},
		{"multi-line flow", "a: [b,\n  c]\n"},
		{"trailing comma", "a: [b, c,]\n"},
		{"empty list item", "a:\n-\n- b\n"},
		{"tab", "a:\t1\n"},
		{"carriage return", "a: 1\r\n"},
		{"byte order mark", "\ufeffa: 1\n"},
		{"second document", "a: 1\n---\nb: 2\n"},
		{"document end", "a: 1\n...\n"},
		{"directive", "%YAML 1.2\n---\na: 1\n"},
		{"escape yaml.v3 does not know", "a: \"\\/\"\n"},
		{"mapping value in a value", "a: b: c\n"},
		{"misindented key", "a:\n  b: 1\n c: 2\n"},
		{"list entry where a key belongs", "a: 1\n- b\n"},
		{"key longer than YAML allows", strings.Repeat("k", 1100) + ": 1\n"},
		{"invalid UTF-8", "a: \xff\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pos inventory.PositionsBuilder
			if _, err := fastyaml.Decode([]byte(tt.in), 0, nil, &pos); !errors.Is(err, fastyaml.ErrUnsupported) {
				t.Errorf("Decode = %v, want ErrUnsupported", err)
			}
		})
	}
}

func TestDecodeRecordsPositions(t *testing.T) {
	in := "# comment\n" + // line 11 with lineBase 10
		"apiVersion: v1\n" +
		"spec:\n" +
		"  containers:\n" +
		"  - name: app\n" +
		"    args: [a, \"é\", b]\n" +
		"  -   name: side\n" +
		"    # the same key again\n" +
		"spec: {}\n"
	var pos inventory.PositionsBuilder
	doc, err := fastyaml.Decode([]byte(in), 10, nil, &pos)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Line != 12 || doc.Column != 1 {
		t.Errorf("document at %d:%d, want 12:1", doc.Line, doc.Column)
	}
	wantDup := []fastyaml.DuplicateKey{{Path: "spec", Line: 19, Column: 1}}
	if !reflect.DeepEqual(doc.Duplicates, wantDup) {
		t.Errorf("duplicates %+v, want %+v", doc.Duplicates, wantDup)
	}
	positions := pos.Build()
	for path, want := range map[string][2]int{
		"apiVersion":                 {12, 1},
		"spec":                       {13, 1}, // a repeated key keeps its first position
		"spec.containers":            {14, 3},
		"spec.containers[0]":         {15, 5},
		"spec.containers[0].name":    {15, 5},
		"spec.containers[0].args[2]": {16, 20}, // columns count characters, not bytes
		"spec.containers[1]":         {17, 7},
	} {
		line, col, exact := positions.Locate(path)
		if !exact || line != want[0] || col != want[1] {
			t.Errorf("%s at %d:%d (exact %v), want %d:%d", path, line, col, exact, want[0], want[1])
		}
	}
}

// TestDecodeReadsAnchorsAliasesAndMergeKeys pins how aliases and merge keys expand, as the
// loader's yaml.v3 path expands them (convert.go).
func TestDecodeReadsAnchorsAliasesAndMergeKeys(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]any
	}{
		{"alias of a scalar keeps the value it was resolved to", "a: &x yes\nb: *x\nc: &y 'yes'\nd: *y\n",
			map[string]any{"a": true, "b": true, "c": "yes", "d": "yes"}},
		{"alias of a map", "a: &x\n  b: 1\n  c: [d]\ne: *x\n",
			map[string]any{"a": map[string]any{"b": int64(1), "c": []any{"d"}}, "e": map[string]any{"b": int64(1), "c": []any{"d"}}}},
		{"alias of a list", "a: &x\n- 1\n- 2\nb: [*x, *x]\n",
			map[string]any{"a": []any{int64(1), int64(2)}, "b": []any{[]any{int64(1), int64(2)}, []any{int64(1), int64(2)}}}},
		{"alias of a list item", "a:\n- &x\n  b: 1\n- *x\n", map[string]any{"a": []any{map[string]any{"b": int64(1)}, map[string]any{"b": int64(1)}}}},
		{"alias of an empty value", "a: &x\nb: *x\n", map[string]any{"a": nil, "b": nil}},
		{"alias in flow collections", "a: [&x 1, *x]\nb: {c: &y {d: 2}, e: *y}\n", map[string]any{
			"a": []any{int64(1), int64(1)}, "b": map[string]any{"c": map[string]any{"d": int64(2)}, "e": map[string]any{"d": int64(2)}}}},
		{"alias of a value with aliases inside", "a: &x 1\nb: &y [*x]\nc: *y\n",
			map[string]any{"a": int64(1), "b": []any{int64(1)}, "c": []any{int64(1)}}},
		{"anchor given again names the later value from there on", "a: &x 1\nb: *x\nc: &x 2\nd: *x\n",
			map[string]any{"a": int64(1), "b": int64(1), "c": int64(2), "d": int64(2)}},
		{"anchor given again inside the first one's value", "a: &x {b: &x 1, c: *x}\nd: *x\n",
			map[string]any{"a": map[string]any{"b": int64(1), "c": int64(1)}, "d": int64(1)}},
		{"merge key adds the keys the map does not have", "x: &x {a: 1, b: 2}\nm:\n  <<: *x\n  b: 3\n",
			map[string]any{"x": map[string]any{"a": int64(1), "b": int64(2)}, "m": map[string]any{"a": int64(1), "b": int64(3)}}},
		{"the map's own keys after the merge key win", "x: &x {a: 1, b: 2}\nm:\n  c: 3\n  <<: *x\n  a: 4\n",
			map[string]any{"x": map[string]any{"a": int64(1), "b": int64(2)}, "m": map[string]any{"a": int64(4), "b": int64(2), "c": int64(3)}}},
		{"a key written before and after the merge key", "x: &x {a: 1}\nm: {a: 2, <<: *x, a: 3}\n",
			map[string]any{"x": map[string]any{"a": int64(1)}, "m": map[string]any{"a": int64(3)}}},
		{"of merged maps the earlier one wins", "x: &x {a: 1, b: 2}\ny: &y {b: 3, c: 4}\nm: {<<: [*x, *y]}\nn: {<<: [*y, *x]}\n",
			map[string]any{"x": map[string]any{"a": int64(1), "b": int64(2)}, "y": map[string]any{"b": int64(3), "c": int64(4)},
				"m": map[string]any{"a": int64(1), "b": int64(2), "c": int64(4)}, "n": map[string]any{"a": int64(1), "b": int64(3), "c": int64(4)}}},
		{"merged map with a merge key of its own", "x: &x {a: 1}\ny: &y\n  <<: *x\n  b: 2\nm: {<<: *y}\n",
			map[string]any{"x": map[string]any{"a": int64(1)}, "y": map[string]any{"a": int64(1), "b": int64(2)}, "m": map[string]any{"a": int64(1), "b": int64(2)}}},
		{"merge key in a compact map in a list", "x: &x {a: 1}\nl:\n- <<: *x\n  b: 2\n",
			map[string]any{"x": map[string]any{"a": int64(1)}, "l": []any{map[string]any{"a": int64(1), "b": int64(2)}}}},
		{"a quoted << is an ordinary key", "x: &x {a: 1}\nm:\n  \"<<\": *x\n",
			map[string]any{"x": map[string]any{"a": int64(1)}, "m": map[string]any{"<<": map[string]any{"a": int64(1)}}}},
		{"a merge key at the document's root", "x: &x {a: 1}\n<<: *x\nb: 2\n",
			map[string]any{"x": map[string]any{"a": int64(1)}, "a": int64(1), "b": int64(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { decodesTo(t, tt.in, tt.want) })
	}
}

// TestDecodeGivesCopiesTheirPositions pins where the fields of an aliased or merged value
// are: the key or item an alias stands at is where the alias is; what it holds is where the
// anchored value wrote it; a merged key has no position of its own (its map's is found).
func TestDecodeGivesCopiesTheirPositions(t *testing.T) {
	in := "spec:\n" + // line 1
		"  containers:\n" +
		"  - name: a\n" +
		"    livenessProbe: &probe\n" +
		"      httpGet: {path: /healthz, port: 8080}\n" + // line 5
		"      periodSeconds: 10\n" +
		"    readinessProbe:\n" +
		"      <<: *probe\n" +
		"      periodSeconds: 5\n" +
		"  - &second\n" + // line 10
		"    name: b\n" +
		"    livenessProbe: *probe\n" +
		"  - *second\n"
	var pos inventory.PositionsBuilder
	if _, err := fastyaml.Decode([]byte(in), 0, nil, &pos); err != nil {
		t.Fatal(err)
	}
	positions := pos.Build()
	for _, tt := range []struct {
		path      string
		line, col int
		exact     bool
	}{
		{"spec.containers[0].livenessProbe.httpGet.path", 5, 17, true},
		{"spec.containers[0].readinessProbe", 7, 5, true},
		{"spec.containers[0].readinessProbe.periodSeconds", 9, 7, true},
		{"spec.containers[0].readinessProbe.httpGet", 7, 5, false}, // merged: its map's position
		{"spec.containers[0].readinessProbe.httpGet.path", 5, 17, true},
		{"spec.containers[1]", 10, 5, true}, // an anchored item is where its anchor is
		{"spec.containers[1].livenessProbe", 12, 5, true},
		{"spec.containers[1].livenessProbe.periodSeconds", 6, 7, true},
		{"spec.containers[2]", 13, 5, true},
		{"spec.containers[2].name", 11, 5, true},
		{"spec.containers[2].livenessProbe.httpGet.port", 5, 33, true},
	} {
		line, col, exact := positions.Locate(tt.path)
		if line != tt.line || col != tt.col || exact != tt.exact {
			t.Errorf("%s at %d:%d (exact %v), want %d:%d (exact %v)", tt.path, line, col, exact, tt.line, tt.col, tt.exact)
		}
	}
}

func TestDecodeSpansPlacesEveryNodeAndKey(t *testing.T) {
	in := "---\n" +
		"kind: Pod # a comment\n" +
		"\"spec\":\n" +
		"  containers:\n" +
		"  - name: app\n" +
		"    args: [a, 'b']\n" +
		"  - - 1\n" +
		"  script: |\n" +
		"    run\n" +
		"  none:\n" +
		"  labels: {é: x}\n"
	var pos inventory.PositionsBuilder
	var dec fastyaml.Decoder
	doc, err := dec.DecodeSpans([]byte(in), &pos)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Spans) != len(doc.Nodes) {
		t.Fatalf("%d spans for %d nodes", len(doc.Spans), len(doc.Nodes))
	}
	// Each node as what is written from its span's start (up to its end, for a plain scalar),
	// and its key's first character.
	var got []string
	for _, s := range doc.Spans {
		text := in[s.At:min(int(s.At)+2, len(in))]
		if s.End > s.At {
			text = in[s.At:s.End]
		}
		key := ""
		if s.Key >= 0 {
			key = in[s.Key : s.Key+1]
		}
		got = append(got, key+"="+text)
	}
	want := []string{
		"=ki",     // the document's map, at its first key
		"k=Pod",   // kind
		"\"=co",   // spec, under a quoted key
		"c=- ",    // containers: a list, at its first "-"
		"=na",     // its first item, a map
		"n=app",   // name
		"a=[a",    // args, a flow list
		"=a",      // a
		"='b",     // 'b'
		"=- ",     // the second item, a list
		"=1",      // 1
		"s=|\n",   // script, a block scalar
		"n=\n ",   // none, a null written as nothing: at the end of its ":"
		"l={\xc3", // labels, a flow map (the first byte of its key shown)
		"\xc3=x",  // x, under a key of two bytes
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spans\n%q\nwant\n%q", got, want)
	}
	plain, err := fastyaml.Decode([]byte(in), 0, nil, &pos)
	if err != nil || plain.Spans != nil || len(plain.Nodes) != len(doc.Nodes) {
		t.Errorf("Decode gives spans (%d) or reads the document otherwise (%v)", len(plain.Spans), err)
	}
}

// TestDecodeSpansLeavesAnchorsToYAML pins that a reader of spans, which edits the text in
// place, gets no copies: a document with an anchor, an alias or a merge key is left to yaml.v3
// for it, while Decode reads it.
func TestDecodeSpansLeavesAnchorsToYAML(t *testing.T) {
	for _, in := range []string{
		"kind: Pod\nspec: &s\n  hostPID: false\n",
		"kind: Pod\nbase: &b {hostPID: true}\nspec: *b\n",
		"kind: Pod\nbase: &b {hostPID: true}\nspec:\n  <<: *b\n",
	} {
		var pos inventory.PositionsBuilder
		var dec fastyaml.Decoder
		if _, err := dec.DecodeSpans([]byte(in), &pos); !errors.Is(err, fastyaml.ErrUnsupported) {
			t.Errorf("DecodeSpans(%q) = %v, want ErrUnsupported", in, err)
		}
		pos.Reset()
		if d, err := dec.Decode([]byte(in), 0, nil, &pos); err != nil || !d.Anchored {
			t.Errorf("Decode(%q): anchored %v, error %v; want it read, anchored", in, d.Anchored, err)
		}
	}
}

// decodesTo checks that in decodes to want.
func decodesTo(t *testing.T, in string, want map[string]any) {
	t.Helper()
	var pos inventory.PositionsBuilder
	doc, err := fastyaml.Decode([]byte(in), 0, nil, &pos)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !reflect.DeepEqual(doc.Content(), want) {
		t.Errorf("got %#v\nwant %#v", doc.Content(), want)
	}
}
