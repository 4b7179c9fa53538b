package manifest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/testcorpus"
)

// TestTypedDecodingAgreesWithAPIMachinery decodes a generated corpus of realistic manifests
// (package testcorpus) twice: with Palisade's one-pass typed decoder, and the way kubectl and
// the API server do it (sigs.k8s.io/yaml to JSON, then the scheme's universal deserializer).
// Every object must come out identical; the items of a List are objects of their own, and
// custom resources, which the scheme does not know, have no typed value.
func TestTypedDecodingAgreesWithAPIMachinery(t *testing.T) {
	dir := t.TempDir()
	if _, err := testcorpus.Generate(dir, 1000, 1); err != nil {
		t.Fatal(err)
	}
	res := Load(context.Background(), []string{dir}, Options{})
	if len(res.Errors) > 0 {
		t.Fatalf("load errors: %v", res.Errors)
	}
	type origin struct {
		file           string
		document, item int
	}
	byOrigin := map[origin]runtime.Object{}
	for _, o := range res.Inventory.Objects() {
		byOrigin[origin{o.Origin.File, int(o.Origin.Document), int(o.Origin.Item)}] = o.Typed
	}
	decoder := scheme.Codecs.UniversalDeserializer()
	compared, custom := 0, 0
	compare := func(at origin, js []byte) {
		got, ok := byOrigin[at]
		if !ok {
			t.Fatalf("%+v: not loaded", at)
		}
		want, _, err := decoder.Decode(js, nil, nil)
		switch {
		case runtime.IsNotRegisteredError(err):
			if got != nil {
				t.Errorf("%+v: a kind the scheme does not know was decoded as %T", at, got)
			}
			custom++
		case err != nil:
			t.Fatalf("%+v: %v", at, err)
		default:
			clearTypeMeta(want)
			clearTypeMeta(got)
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%+v: typed decoding differs:\nwant %#v\ngot  %#v", at, want, got)
			}
		}
		compared++
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isManifestName(path) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return splitStream(bytes.NewReader(data), path, DefaultMaxDocumentSize, func(doc Document) error {
			js, err := yaml.YAMLToJSON(doc.Data)
			if err != nil {
				t.Fatalf("%s document %d: %v", path, doc.Index, err)
			}
			var list struct {
				Kind  string            `json:"kind"`
				Items []json.RawMessage `json:"items"`
			}
			if err := json.Unmarshal(js, &list); err != nil {
				t.Fatalf("%s document %d: %v", path, doc.Index, err)
			}
			if list.Kind != "List" {
				compare(origin{path, doc.Index, 0}, js)
				return nil
			}
			for i, item := range list.Items {
				compare(origin{path, doc.Index, i + 1}, item)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if compared != res.Inventory.Len() {
		t.Fatalf("compared %d objects, loaded %d", compared, res.Inventory.Len())
	}
	if custom == 0 || custom == compared {
		t.Errorf("%d of %d objects are custom resources; the corpus has some among many built-in kinds", custom, compared)
	}
}

func clearTypeMeta(o runtime.Object) {
	o.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
}
