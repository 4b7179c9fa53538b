package manifest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"palisade.dev/palisade/internal/source/manifest"
)

// peakHeap runs f while sampling the heap, and returns the largest heap in use seen, above
// what was in use before. The garbage collector runs more eagerly meanwhile, so that the
// figure measures what the loader holds rather than how lazily garbage is collected.
func peakHeap(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(20))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	<-sampled
	if p := peak.Load(); p > before.HeapAlloc {
		return p - before.HeapAlloc
	}
	return 0
}

// writeLarge writes a file of at least size bytes: head, then line(i) for i = 0, 1, ... until
// the size is reached, then tail. It returns how many lines it wrote.
func writeLarge(t *testing.T, path, head string, line func(i int) string, size int, tail string) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	b.WriteString(head)
	n, i := 0, 0
	for ; n < size; i++ {
		s := line(i)
		b.WriteString(s)
		n += len(s)
		if b.Len() > 1<<20 {
			if _, err := f.Write(b.Bytes()); err != nil {
				t.Fatal(err)
			}
			b.Reset()
		}
	}
	b.WriteString(tail)
	if _, err := f.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	return i
}

const hundredMB = 100 << 20

// TestHugeDocumentIsRefusedInBoundedMemory reads 100 MB files holding one document far above
// the document size limit, written over many lines or on a single line: the document is
// refused with one error, the small document after it is loaded, and the heap never grows
// anywhere near the file's size.
func TestHugeDocumentIsRefusedInBoundedMemory(t *testing.T) {
	// Four times the 16 MiB document limit: a document just under the limit is held whole,
	// and its buffer grows by doubling.
	const limit = 64 << 20
	after := "---\n" + configMap("after-the-huge-one")
	tests := []struct {
		name, file string
		write      func(t *testing.T, path string)
	}{
		{"many lines", "huge.yaml", func(t *testing.T, path string) {
			writeLarge(t, path, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n",
				func(i int) string { return fmt.Sprintf("  key%d: %s\n", i, strings.Repeat("x", 100)) }, hundredMB, after)
		}},
		{"one line", "huge.json", func(t *testing.T, path string) {
			writeLarge(t, path, `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "huge"}, "data": {"k": "`,
				func(int) string { return strings.Repeat("x", 4096) }, hundredMB, "\"}}\n"+after)
		}},
		{"one line after a marker", "marker.yaml", func(t *testing.T, path string) {
			writeLarge(t, path, `--- {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "huge"}, "data": {"k": "`,
				func(int) string { return strings.Repeat("x", 4096) }, hundredMB, "\"}}\n"+after)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			tt.write(t, path)
			var res *manifest.Result
			peak := peakHeap(func() {
				res = manifest.Load(context.Background(), []string{path}, manifest.Options{})
			})
			t.Logf("peak heap %d MiB for a %d MiB file", peak>>20, hundredMB>>20)
			if peak > limit {
				t.Errorf("peak heap %d MiB, want under %d MiB", peak>>20, limit>>20)
			}
			assertOneError(t, res.Errors, path, 1, "larger than")
			if got := names(res.Inventory.Objects()); !slices.Equal(got, []string{"after-the-huge-one"}) {
				t.Errorf("objects %v, want the document after the huge one", got)
			}
		})
	}
}

// TestManySmallDocumentsInOneHugeFile reads 100 MB of Secrets: all of them are loaded, and
// since their values are dropped as soon as each is decoded, memory stays far below the size
// of the file.
func TestManySmallDocumentsInOneHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.yaml")
	value := strings.Repeat("s", 10_000)
	n := writeLarge(t, path, "", func(i int) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s%d\nstringData:\n  key: %s\n---\n", i, value)
	}, hundredMB, "")
	var res *manifest.Result
	peak := peakHeap(func() {
		res = loadClean(t, []string{path}, manifest.Options{})
	})
	t.Logf("%d secrets, peak heap %d MiB", res.Inventory.Len(), peak>>20)
	if res.Inventory.Len() != n {
		t.Errorf("%d objects, want %d", res.Inventory.Len(), n)
	}
	if peak > hundredMB/2 {
		t.Errorf("peak heap %d MiB, want under half the file", peak>>20)
	}
}

// TestErrorFloodIsGrouped reads 100,000 small documents that are not objects, with good
// objects among them: identical errors of the file are one error at the first occurrence,
// which says how many more there were; the objects are all judged; memory stays bounded, as
// errors are grouped as they are produced, not gathered first.
func TestErrorFloodIsGrouped(t *testing.T) {
	const n = 100_000
	var b strings.Builder
	for i := range n {
		switch {
		case i%25_000 == 7:
			b.WriteString(configMap(fmt.Sprintf("good%d", i)) + "---\n")
		case i%2 == 0:
			b.WriteString("GITHUB_TOKEN=x\n---\n")
		default:
			b.WriteString("- 1\n---\n")
		}
	}
	input := b.String()
	var res *manifest.Result
	peak := peakHeap(func() {
		res = manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)})
	})
	t.Logf("%d errors, peak heap %d MiB for %d documents", len(res.Errors), peak>>20, n)
	var got []string
	for _, e := range res.Errors {
		got = append(got, fmt.Sprintf("%d: %s", e.Location.Line, e.Message))
	}
	want := []string{
		"1: document is not an object (it is a string of 14 characters); a manifest must be a map with apiVersion and kind (and 49,999 more with the same error in this file)",
		"3: document is not an object (it is a list); a manifest must be a map with apiVersion and kind (and 49,995 more with the same error in this file)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors\n%q\nwant\n%q", got, want)
	}
	if names := names(res.Inventory.Objects()); len(names) != 4 || names[0] != "good7" {
		t.Errorf("objects %v, want the 4 good ones", names)
	}
	if res.Documents != n {
		t.Errorf("%d documents, want %d", res.Documents, n)
	}
	// Gathering the errors first took tens of MiB here; grouping them as they come, a few.
	if peak > 16<<20 {
		t.Errorf("peak heap %d MiB, want under 16 MiB", peak>>20)
	}
}
