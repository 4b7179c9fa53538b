package manifest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// TestTypedDecodingAgreesWithAPIMachinery decodes a generated corpus of realistic manifests
// twice: with Palisade's one-pass typed decoder, and the way kubectl and the API server do it
// (sigs.k8s.io/yaml to JSON, then the scheme's universal deserializer). Every object must come
// out identical.
func TestTypedDecodingAgreesWithAPIMachinery(t *testing.T) {
	gen, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "shared", "bench", "gen-corpus"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if out, err := exec.Command(gen, "1000", dir).CombinedOutput(); err != nil {
		t.Fatalf("generating the corpus with %s: %v\n%s", gen, err, out)
	}
	res := Load(context.Background(), []string{dir}, Options{})
	if len(res.Errors) > 0 {
		t.Fatalf("load errors: %v", res.Errors)
	}
	byOrigin := map[[2]any]runtime.Object{}
	for _, o := range res.Inventory.Objects() {
		byOrigin[[2]any{o.Origin.File, o.Origin.Document}] = o.Typed
	}
	decoder := scheme.Codecs.UniversalDeserializer()
	compared := 0
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
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
			want, _, err := decoder.Decode(js, nil, nil)
			if err != nil {
				t.Fatalf("%s document %d: %v", path, doc.Index, err)
			}
			got, ok := byOrigin[[2]any{path, doc.Index}]
			if !ok {
				t.Fatalf("%s document %d: not loaded", path, doc.Index)
			}
			clearTypeMeta(want)
			clearTypeMeta(got)
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%s document %d: typed decoding differs:\nwant %#v\ngot  %#v", path, doc.Index, want, got)
			}
			compared++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if compared != res.Inventory.Len() {
		t.Fatalf("compared %d documents, loaded %d objects", compared, res.Inventory.Len())
	}
}

func clearTypeMeta(o runtime.Object) {
	o.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
}
