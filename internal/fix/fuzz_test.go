package fix

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/manifest"
)

// fuzzPatches are the patch shapes the fuzz target applies: each remedy kind once.
var fuzzPatches = []func(path string) finding.Patch{
	func(p string) finding.Patch { return finding.Patch{Path: p, Value: true} },
	func(p string) finding.Patch { return finding.Patch{Path: p, Value: "Runtime Default: x"} },
	func(p string) finding.Patch { return finding.Patch{Path: p, Remove: true} },
	func(p string) finding.Patch { return finding.Patch{Path: p, Value: []string{"ALL"}} },
	func(p string) finding.Patch { return finding.Patch{Path: p, Value: int64(10001), Comment: "a note"} },
	func(p string) finding.Patch {
		return finding.Patch{Path: p, Value: []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}}}
	},
	func(p string) finding.Patch { return finding.Patch{Path: p, Rename: "renamed key"} },
}

// FuzzApply pins that an edit either is refused or yields a file whose documents still read,
// whose patched field reads back as the patch meant, and whose other documents are byte for
// byte what they were.
func FuzzApply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.in.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "spec.containers[0].securityContext.runAsNonRoot", uint8(0), uint8(1))
		f.Add(data, "spec.hostPID", uint8(2), uint8(1))
		f.Add(data, "spec.containers[1].securityContext.capabilities.drop", uint8(3), uint8(1))
		f.Add(data, "spec.template.spec.volumes", uint8(5), uint8(1))
		f.Add(data, "metadata.annotation", uint8(6), uint8(1))
	}
	f.Add([]byte("a: &x {b: 1}\nc: *x\n---\nd: 1\n"), "c.b", uint8(0), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, path string, shape, document uint8) {
		p := fuzzPatches[int(shape)%len(fuzzPatches)](path)
		docIndex := int(document%4) + 1
		out, n, err := Apply(data, []Edit{{Document: docIndex, Patches: []finding.Patch{p}}})
		if err != nil || n == 0 {
			return
		}
		before, err1 := manifest.SplitDocuments(data, "")
		after, err2 := manifest.SplitDocuments(out, "")
		if err1 != nil || err2 != nil || len(before) != len(after) {
			t.Fatalf("the edit changed the documents: %d then %d (%v, %v)", len(before), len(after), err1, err2)
		}
		for i := range before {
			if before[i].Index == docIndex {
				var was, got any
				if yaml.Unmarshal(before[i].Data, &was) != nil {
					continue // a document that did not decode (duplicate keys, say) is not judged
				}
				if err := yaml.Unmarshal(after[i].Data, &got); err != nil {
					t.Fatalf("the edited document does not read: %v", err)
				}
				checkReadsBack(t, got, p)
				continue
			}
			if !bytes.Equal(before[i].Data, after[i].Data) {
				t.Fatalf("document %d changed though it was not edited", before[i].Index)
			}
		}
	})
}

// checkReadsBack walks a decoded document along the patch's path, independently of the editor.
func checkReadsBack(t *testing.T, doc any, p finding.Patch) {
	t.Helper()
	segs, err := parsePath(p.Path)
	if err != nil {
		t.Fatalf("an invalid path applied: %v", err)
	}
	cur, ok, comparable := lookup(doc, segs)
	if !comparable {
		return
	}
	if p.Rename != "" {
		segs[len(segs)-1] = segment{key: p.Rename}
		_, renamed, _ := lookup(doc, segs)
		if ok || !renamed {
			t.Fatalf("the field is not renamed: old key there %v, new key there %v", ok, renamed)
		}
		return
	}
	switch want := normalize(p.Value); {
	case p.Remove:
		if ok {
			t.Fatalf("the removed field is still there")
		}
	case !ok:
		t.Fatalf("the set field is not there")
	default:
		if items, isList := want.([]any); isList {
			list, _ := cur.([]any)
			if len(list) < len(items) {
				t.Fatalf("the list holds %d items, want at least %d", len(list), len(items))
			}
			return
		}
		if !equalScalar(cur, want) && !reflect.DeepEqual(cur, want) {
			t.Fatalf("the field reads %T, want %T", cur, want)
		}
	}
}

// lookup follows segs in a decoded document: the value, whether it is there, and whether the
// document can be judged at all (keys that are not strings, such as 0 and 00, read alike; no
// manifest has them).
func lookup(doc any, segs []segment) (cur any, ok, comparable bool) {
	cur, ok = doc, true
	for _, s := range segs {
		switch c := cur.(type) {
		case map[string]any:
			cur, ok = c[s.key]
		case map[any]any:
			return nil, false, false
		case []any:
			if !s.isIndex || s.index >= len(c) {
				ok = false
			} else {
				cur = c[s.index]
			}
		default:
			ok = false
		}
		if !ok {
			break
		}
	}
	return cur, ok, true
}
