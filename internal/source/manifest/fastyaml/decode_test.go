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
		t.Run(tt.name, func(t *testing.T) {
			var pos inventory.PositionsBuilder
			doc, err := fastyaml.Decode([]byte(tt.in), 0, nil, &pos)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(doc.Content(), tt.want) {
				t.Errorf("got %#v\nwant %#v", doc.Content(), tt.want)
			}
		})
	}
}

func TestDecodeLeavesTheRestToYAML(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty document", "# only a comment\n"},
		{"root list", "- a\n"},
		{"root scalar", "a\n"},
		{"anchor and alias", "a: &x 1\nb: *x\n"},
		{"tag", "a: !!str 1\n"},
		{"merge key", "<<: {a: 1}\nb: 2\n"},
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
