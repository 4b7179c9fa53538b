package spool_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/finding/spool"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/testcorpus"
	"palisade.dev/palisade/internal/testscan"
)

// TestAScansFindingsComeBackAsTheyWere spools the findings of a real scan of the generated
// corpus, remedies included, each file as a group, and reads them back: equal, in the same
// order, group by group, however the groups' writes interleave.
func TestAScansFindingsComeBackAsTheyWere(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := testcorpus.Ensure(dir, 300, 1); err != nil {
		t.Fatal(err)
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Manifests(context.Background(), scan.Request{Paths: []string{dir}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"}})
	byFile := map[string][]finding.Finding{}
	var files []string
	for _, f := range slices.Concat(testscan.Active(t, res), res.Suppressed) {
		if byFile[f.Location.File] == nil {
			files = append(files, f.Location.File)
		}
		byFile[f.Location.File] = append(byFile[f.Location.File], f)
	}
	if len(files) < 10 || !slices.ContainsFunc(testscan.Active(t, res), func(f finding.Finding) bool { return len(f.Fix) > 0 && f.Related != nil }) {
		t.Fatalf("the scan found too little to test with: %d files", len(files))
	}
	s, err := spool.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Every file's findings in pieces of three, the files' pieces written from several
	// goroutines at once.
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(files); i += 4 {
				fs := byFile[files[i]]
				for len(fs) > 0 {
					n := min(3, len(fs))
					s.Add(files[i], fs[:n])
					fs = fs[n:]
				}
			}
		})
	}
	wg.Wait()
	var buf []finding.Finding
	for _, file := range files {
		buf, err = s.Read(file, buf[:0])
		if err != nil {
			t.Fatal(err)
		}
		if s.Len(file) != len(buf) || !reflect.DeepEqual(buf, byFile[file]) {
			t.Fatalf("%s: read back %d findings, not the %d written, or not as written", file, len(buf), len(byFile[file]))
		}
	}
	if got, err := s.Read("no such group", nil); err != nil || len(got) != 0 {
		t.Errorf("a group never added = %d findings, %v; want none", len(got), err)
	}
}

// BenchmarkSpool writes the findings of the 10k corpus to a spool and reads them back,
// reporting the cost per finding and the spool's size per finding.
func BenchmarkSpool(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "corpus")
	if err := testcorpus.Ensure(dir, 10000, 1); err != nil {
		b.Fatal(err)
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	res := scan.Manifests(context.Background(), scan.Request{Paths: []string{dir}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest", Patches: rules.NoPatches}})
	fs := testscan.Active(b, res)
	var size int64
	var buf []finding.Finding
	for b.Loop() {
		s, err := spool.New(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(fs); i += 64 {
			s.Add(fmt.Sprint(i/1024), fs[i:min(i+64, len(fs))])
		}
		for g := 0; g*1024 < len(fs); g++ {
			if buf, err = s.Read(fmt.Sprint(g), buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		size = s.Size()
		s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(fs)), "ns/finding")
	b.ReportMetric(float64(size)/float64(len(fs)), "bytes/finding")
}
