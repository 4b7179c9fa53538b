package inventory

import (
	"cmp"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPathHashesMatchTheWalkOfTheSamePath(t *testing.T) {
	cases := []struct {
		path string
		walk PathHash
	}{
		{"spec", RootHash.Key("spec")},
		{"spec.containers[1].securityContext", RootHash.Key("spec").Key("containers").Index(1).Key("securityContext")},
		{"metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]", RootHash.Key("metadata").Key("annotations").Key("container.apparmor.security.beta.kubernetes.io/app")},
		{"items[300].spec", RootHash.Key("items").Index(300).Key("spec")},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			hs := PathHashes(c.path)
			if len(hs) == 0 || hs[len(hs)-1] != c.walk {
				t.Errorf("PathHashes(%q) ends in %x, want %x", c.path, hs, c.walk)
			}
		})
	}
}

func TestKeysAndIndexesHashApart(t *testing.T) {
	if RootHash.Key("0") == RootHash.Index(0) {
		t.Error("key \"0\" and index 0 hash alike")
	}
	if RootHash.Key("ab").Key("c") == RootHash.Key("a").Key("bc") {
		t.Error("a.bc and ab.c hash alike")
	}
	if RootHash.Index(1).Index(0) == RootHash.Index(256) {
		t.Error("[1][0] and [256] hash alike")
	}
}

func TestLocateFallsBackToTheNearestParent(t *testing.T) {
	var b PositionsBuilder
	b.SetRoot(1, 1)
	spec := RootHash.Key("spec")
	b.Add(spec, 5, 1)
	b.Add(spec.Key("containers"), 6, 3)
	b.Add(spec.Key("containers").Index(0), 7, 5)
	b.Add(spec.Key("containers").Index(0).Key("name"), 7, 7)
	p := b.Build()
	cases := []struct {
		path      string
		line, col int
		exact     bool
	}{
		{"spec.containers[0].name", 7, 7, true},
		{"spec.containers[0].securityContext.runAsNonRoot", 7, 5, false},
		{"spec.containers[1]", 6, 3, false},
		{"status.phase", 1, 1, false},
		{"", 1, 1, true},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			line, col, exact := p.Locate(c.path)
			if line != c.line || col != c.col || exact != c.exact {
				t.Errorf("Locate(%q) = %d:%d exact=%v, want %d:%d exact=%v", c.path, line, col, exact, c.line, c.col, c.exact)
			}
		})
	}
	var none *Positions
	if line, _, _ := none.Locate("spec"); line != 0 {
		t.Errorf("nil positions located a field at line %d", line)
	}
}

func TestTrimKeepsTheGivenPathsAndTheirParents(t *testing.T) {
	var b PositionsBuilder
	b.SetRoot(1, 1)
	meta := RootHash.Key("metadata")
	b.Add(meta, 3, 1)
	b.Add(meta.Key("annotations"), 4, 3)
	b.Add(meta.Key("annotations").Key("a"), 5, 5)
	b.Add(RootHash.Key("spec"), 6, 1)
	p := b.Build().trim([]string{"metadata.annotations[a]"})
	if line, _, exact := p.Locate("metadata.annotations[a]"); line != 5 || !exact {
		t.Errorf("kept path located at %d (exact %v), want 5", line, exact)
	}
	if line, _, exact := p.Locate("spec"); line != 1 || exact {
		t.Errorf("trimmed path located at %d (exact %v), want the root", line, exact)
	}
}

func TestSortEntriesOrdersByHashThenPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		name  string
		n     int
		hash  func(i int) uint64
		depth int // levels of quicksort before the standard sort; -1 for the usual
	}{
		{"empty", 0, func(int) uint64 { return 0 }, -1},
		{"short run", 7, func(int) uint64 { return rng.Uint64() }, -1},
		{"random", 1000, func(int) uint64 { return rng.Uint64() }, -1},
		{"ascending", 500, func(i int) uint64 { return uint64(i) }, -1},
		{"descending", 500, func(i int) uint64 { return uint64(1000 - i) }, -1},
		{"few distinct", 700, func(i int) uint64 { return uint64(i % 3) }, -1},
		{"all equal", 300, func(int) uint64 { return 42 }, -1},
		{"depth exhausted", 1000, func(int) uint64 { return rng.Uint64() % 50 }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := make([]posEntry, tt.n)
			for i := range e {
				e[i] = posEntry{hash: tt.hash(i), line: uint32(rng.IntN(100)), column: uint32(rng.IntN(10))}
			}
			want := slices.Clone(e)
			slices.SortFunc(want, func(a, b posEntry) int {
				return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.line, b.line), cmp.Compare(a.column, b.column))
			})
			depth := tt.depth
			if depth < 0 {
				depth = 2 * bits.Len(uint(len(e)))
			}
			sortEntries(e, depth)
			if !slices.Equal(e, want) {
				t.Fatalf("not sorted by hash, then line and column")
			}
		})
	}
}

// TestBorrowedPositionsAnswerAsOwnedOnes pins that positions read straight from a builder's
// room, unsorted, locate every path (a key written twice at its earliest place), and keep the
// paths a released object keeps, exactly as the sorted positions that Build gives.
func TestBorrowedPositionsAnswerAsOwnedOnes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 12, 13, 200} {
		t.Run(fmt.Sprint(n, " positions"), func(t *testing.T) {
			var b PositionsBuilder
			b.SetRoot(1, 1)
			var hashes []PathHash
			for i := range n {
				h := RootHash.Key(fmt.Sprint("k", rng.IntN(max(n/2, 1)))) // some written twice
				hashes = append(hashes, h)
				b.Add(h, 2+rng.IntN(n+1), 1+i%7)
			}
			built := b.Build()
			borrowed := b.Borrow()
			absent := RootHash.Key("absent")
			for _, h := range append(hashes, absent) {
				got, gotOK := borrowed.find(h)
				want, wantOK := built.find(h)
				if got != want || gotOK != wantOK {
					t.Fatalf("find %x: borrowed %v %v, built %v %v", h, got, gotOK, want, wantOK)
				}
			}
			var want []PathHash
			for _, h := range hashes {
				if rng.IntN(3) == 0 {
					want = append(want, h)
				}
			}
			want = append(want, absent)
			if k1, k2 := borrowed.keep(slices.Clone(want)), built.keep(slices.Clone(want)); !slices.Equal(k1.entries, k2.entries) || k1.borrowed {
				t.Fatalf("keep: borrowed %v, built %v", k1.entries, k2.entries)
			}
			borrowed.Own()
			if !slices.Equal(borrowed.entries, built.entries) || borrowed.borrowed {
				t.Fatalf("Own gave %v, Build %v", borrowed.entries, built.entries)
			}
			if n > 0 && &borrowed.entries[0] == &b.p.entries[0] {
				t.Fatal("Own kept the builder's room")
			}
		})
	}
}

// BenchmarkReleasePositions measures what releasing an object of 80 positions costs when its
// positions were built whole (sorted and copied at their exact size, then trimmed) and when
// they are borrowed from the builder (only the few kept are picked, sorted and copied).
func BenchmarkReleasePositions(b *testing.B) {
	var src PositionsBuilder
	src.SetRoot(1, 1)
	meta := RootHash.Key("metadata")
	src.Add(meta, 2, 1)
	for i, k := range []string{"name", "namespace", "labels", "annotations"} {
		src.Add(meta.Key(k), 3+i, 3)
	}
	spec := RootHash.Key("spec").Key("template").Key("spec").Key("containers")
	for i := range 75 {
		src.Add(spec.Index(i/15).Key(fmt.Sprint("field", i%15)), 10+i, 7)
	}
	release := func(p *Positions) {
		o := &Object{Positions: p}
		o.ReleaseKeeping([]string{"spec.template.spec.containers[0].securityContext"}, Keep{})
	}
	for _, mode := range []string{"built", "borrowed"} {
		b.Run("positions="+mode, func(b *testing.B) {
			b.ReportAllocs()
			var pos PositionsBuilder
			for b.Loop() {
				pos.Reset()
				pos.SetRoot(1, 1)
				pos.Grow(len(src.p.entries))
				pos.p.entries = append(pos.p.entries, src.p.entries...)
				if mode == "built" {
					release(pos.Build())
				} else {
					release(pos.Borrow())
				}
			}
		})
	}
}
