package manifest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
	"palisade.dev/palisade/internal/testcorpus"
)

// typedDocument is one document of the corpus whose kind has a Go type, read by the fast path.
type typedDocument struct {
	gvk   schema.GroupVersionKind
	nodes []node
}

// typedCorpus reads the generated corpus of n objects with the fast path and keeps the
// documents of built-in kinds (not Lists), with their nodes.
func typedCorpus(tb testing.TB, n int) []typedDocument {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := testcorpus.Generate(dir, n, 1); err != nil {
		tb.Fatal(err)
	}
	var docs []typedDocument
	var dec fastyaml.Decoder
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !isManifestName(path) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ds, err := SplitDocuments(data, path)
		if err != nil {
			return err
		}
		for _, d := range ds {
			var pos inventory.PositionsBuilder
			fd, err := dec.Decode(d.Data, d.Line-1, nil, &pos)
			if err != nil {
				continue // left to yaml.v3
			}
			b := &body{nodes: fd.Nodes}
			apiVersion, kind := b.str("apiVersion"), b.str("kind")
			if strings.HasSuffix(kind, "List") {
				continue
			}
			gv, err := schema.ParseGroupVersion(apiVersion)
			if err != nil {
				continue
			}
			gvk := gv.WithKind(kind)
			if !scheme.Scheme.Recognizes(gvk) {
				continue
			}
			docs = append(docs, typedDocument{gvk: gvk, nodes: slices.Clone(fd.Nodes)})
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(docs) == 0 {
		tb.Fatal("the corpus has no document of a built-in kind")
	}
	return docs
}

// BenchmarkTypedDecoding fills the Go types of the corpus's built-in objects from their nodes,
// as the loader does after parsing: one op decodes every document once. Beside it, what making
// the same values costs with nothing to read (their generated DeepCopy): the floor that
// allocating the objects themselves sets.
func BenchmarkTypedDecoding(b *testing.B) {
	docs := typedCorpus(b, 1000)
	b.Run("op=decode", func(b *testing.B) {
		var c strictChecker
		b.ReportAllocs()
		for b.Loop() {
			for _, d := range docs {
				obj, err := scheme.Scheme.New(d.gvk)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.decodeTyped(obj, d.nodes); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
	})
	b.Run("op=deepcopy", func(b *testing.B) {
		var c strictChecker
		objs := make([]runtime.Object, len(docs))
		for i, d := range docs {
			obj, err := scheme.Scheme.New(d.gvk)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.decodeTyped(obj, d.nodes); err != nil {
				b.Fatal(err)
			}
			objs[i] = obj
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, o := range objs {
				_ = o.DeepCopyObject()
			}
		}
		b.ReportMetric(float64(b.N*len(docs))/b.Elapsed().Seconds(), "docs/s")
	})
}
