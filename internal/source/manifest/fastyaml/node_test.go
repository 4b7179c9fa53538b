package fastyaml_test

import (
	"reflect"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

func TestNodesKeepTheLaterValueOfARepeatedKey(t *testing.T) {
	in := "a: 1\nb:\n  c: first\n  c: later\na: {d: [1, 2]}\n"
	var pos inventory.PositionsBuilder
	doc, err := fastyaml.Decode([]byte(in), 0, nil, &pos)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	a := fastyaml.Lookup(doc.Nodes, 0, "a")
	if a < 0 || doc.Nodes[a].Kind != fastyaml.Map {
		t.Fatalf("Lookup(a) = %d, want the later value, a map", a)
	}
	c := fastyaml.Lookup(doc.Nodes, fastyaml.Lookup(doc.Nodes, 0, "b"), "c")
	if s, ok := fastyaml.StringAt(doc.Nodes, c); !ok || s != "later" {
		t.Errorf("b.c = %q, %v; want the later value", s, ok)
	}
	want := map[string]any{"a": map[string]any{"d": []any{int64(1), int64(2)}}, "b": map[string]any{"c": "later"}}
	if got := doc.Content(); !reflect.DeepEqual(got, want) {
		t.Errorf("Content() = %#v, want %#v", got, want)
	}
	if fastyaml.Lookup(doc.Nodes, 0, "missing") != -1 || fastyaml.Lookup(doc.Nodes, a+1, "d") != -1 {
		t.Errorf("Lookup found a key that is not there, or looked inside a value that is not a map")
	}
}

func TestAppendValueLaysOutPlainDataAsNodes(t *testing.T) {
	for _, v := range []any{
		map[string]any{},
		map[string]any{"a": nil, "b": true, "c": int64(3), "d": 1.5, "e": "s"},
		map[string]any{"l": []any{}, "m": []any{map[string]any{"x": []any{"y", nil}}, "z"}},
	} {
		nodes := fastyaml.AppendValue(nil, "", v)
		if int(nodes[0].End) != len(nodes) {
			t.Errorf("%v: root ends at %d of %d nodes", v, nodes[0].End, len(nodes))
		}
		if got := fastyaml.Value(nodes, 0); !reflect.DeepEqual(got, v) {
			t.Errorf("Value(AppendValue(%#v)) = %#v", v, got)
		}
	}
}
