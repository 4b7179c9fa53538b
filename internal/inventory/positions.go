package inventory

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
)

// Positions maps field paths of one object to their line and column in the source document.
// It stores one 16-byte entry per mapping key and sequence item, keyed by a hash of the path,
// so that a large corpus keeps its positions without keeping its YAML trees.
type Positions struct {
	// entries are sorted by hash, equal hashes (a key written twice) earliest in the document
	// first; borrowed entries are in the order they were added.
	entries []posEntry
	root    posEntry
	// borrowed says the entries are a builder's room (PositionsBuilder.Borrow).
	borrowed bool
}

type posEntry struct {
	hash         uint64
	line, column uint32
}

// before orders entries by hash, then by place in the document.
func (e posEntry) before(o posEntry) bool {
	return e.hash < o.hash || e.hash == o.hash && e.place() < o.place()
}

// place orders entries by line, then column.
func (e posEntry) place() uint64 { return uint64(e.line)<<32 | uint64(e.column) }

// PathHash identifies a field path. Build it from RootHash with Key and Index, in the order the
// path is walked; equal paths give equal hashes.
type PathHash uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// RootHash is the hash of the empty path, the object itself.
const RootHash PathHash = fnvOffset

// Key is the hash of the field or map key k below h.
func (h PathHash) Key(k string) PathHash {
	x := uint64(h)
	x = (x ^ '.') * fnvPrime
	for i := 0; i < len(k); i++ {
		x = (x ^ uint64(k[i])) * fnvPrime
	}
	return PathHash((x ^ 0xff) * fnvPrime)
}

// Index is the hash of the list item i below h.
func (h PathHash) Index(i int) PathHash {
	x := uint64(h)
	x = (x ^ '[') * fnvPrime
	for u := uint64(i); ; u >>= 8 {
		x = (x ^ (u & 0xff)) * fnvPrime
		if u < 0x100 {
			break
		}
	}
	return PathHash((x ^ ']') * fnvPrime)
}

// PositionsBuilder collects positions while a document is walked.
type PositionsBuilder struct {
	p Positions
}

// SetRoot records where the object starts.
func (b *PositionsBuilder) SetRoot(line, column int) {
	b.p.root = posEntry{hash: uint64(RootHash), line: uint32(line), column: uint32(column)}
}

// Grow makes room for n more positions, for a walk that can estimate how many it adds.
func (b *PositionsBuilder) Grow(n int) {
	b.p.entries = slices.Grow(b.p.entries, n)
}

// Add records the position of the field whose path hashes to h.
func (b *PositionsBuilder) Add(h PathHash, line, column int) {
	b.p.entries = append(b.p.entries, posEntry{hash: uint64(h), line: uint32(line), column: uint32(column)})
}

// Build sorts the entries and returns the finished index, in a slice of its own of exactly
// the size needed. The builder may then be Reset and used for another object.
func (b *PositionsBuilder) Build() *Positions {
	p := &Positions{root: b.p.root}
	p.entries = owned(b.p.entries)
	return p
}

// Borrow returns the positions added so far without sorting or copying them: they stay the
// builder's room, valid until it is Reset, and only the goroutine that built them may read
// them. Before the builder is Reset, Own must make them their own, or Release replace them
// with the few a released object keeps: most objects are released, and never pay for
// sorting and copying every position.
func (b *PositionsBuilder) Borrow() *Positions {
	return &Positions{entries: b.p.entries, root: b.p.root, borrowed: true}
}

// Own makes borrowed positions their own, sorted, in place, so that every holder of p reads
// the same; it leaves other positions as they are. After Own, any goroutine may read them.
func (p *Positions) Own() {
	if p == nil || !p.borrowed {
		return
	}
	p.entries, p.borrowed = owned(p.entries), false
}

// owned returns entries sorted, in a slice of exactly their number (nil for none).
func owned(entries []posEntry) []posEntry {
	if len(entries) == 0 {
		return nil
	}
	out := make([]posEntry, len(entries))
	copy(out, entries)
	sortEntries(out, 2*bits.Len(uint(len(out))))
	return out
}

// sortEntries sorts entries by hash, then place (posEntry.before): a quicksort that compares
// entries directly (a generic sort calls a comparison function for every pair, and sorting is
// a good part of decoding a document), with insertion sort for short runs and the standard
// sort past depth levels.
func sortEntries(e []posEntry, depth int) {
	for len(e) > 12 {
		if depth == 0 {
			slices.SortFunc(e, func(a, b posEntry) int {
				return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.place(), b.place()))
			})
			return
		}
		depth--
		// The median of the first, middle and last hashes is the pivot.
		m := len(e) / 2
		if e[m].hash < e[0].hash {
			e[m], e[0] = e[0], e[m]
		}
		if e[len(e)-1].hash < e[m].hash {
			e[len(e)-1], e[m] = e[m], e[len(e)-1]
			if e[m].hash < e[0].hash {
				e[m], e[0] = e[0], e[m]
			}
		}
		pivot := e[m]
		i, j := 0, len(e)-1
		for i <= j {
			for e[i].before(pivot) {
				i++
			}
			for pivot.before(e[j]) {
				j--
			}
			if i <= j {
				e[i], e[j] = e[j], e[i]
				i++
				j--
			}
		}
		// Recurse into the shorter part, loop on the longer.
		if j+1 < len(e)-i {
			sortEntries(e[:j+1], depth)
			e = e[i:]
		} else {
			sortEntries(e[i:], depth)
			e = e[:j+1]
		}
	}
	for i := 1; i < len(e); i++ {
		for k := i; k > 0 && e[k].before(e[k-1]); k-- {
			e[k], e[k-1] = e[k-1], e[k]
		}
	}
}

// Reset empties the builder and keeps its room, for the next object.
func (b *PositionsBuilder) Reset() {
	b.p = Positions{entries: b.p.entries[:0]}
}

// find returns the entry of the path that hashes to h, the earliest in the document when the
// path was written twice.
func (p *Positions) find(h PathHash) (posEntry, bool) {
	if p.borrowed {
		var found posEntry
		ok := false
		for _, e := range p.entries {
			if e.hash == uint64(h) && (!ok || e.place() < found.place()) {
				found, ok = e, true
			}
		}
		return found, ok
	}
	i, ok := slices.BinarySearchFunc(p.entries, uint64(h), func(e posEntry, t uint64) int {
		switch {
		case e.hash < t:
			return -1
		case e.hash > t:
			return 1
		}
		return 0
	})
	if !ok {
		return posEntry{}, false
	}
	return p.entries[i], true
}

// Locate returns the line and column of the field at path (in the form field.Path renders:
// spec.containers[0].securityContext, metadata.annotations[some/key]). When the field does not
// exist it returns the position of its nearest existing parent, and exact is false.
func (p *Positions) Locate(path string) (line, column int, exact bool) {
	if p == nil {
		return 0, 0, false
	}
	if len(p.entries) == 0 {
		// Only the root is known (a JSON object read in one piece, as an admission review
		// carries it): every path is at the root, and hashing it would find nothing.
		return int(p.root.line), int(p.root.column), path == ""
	}
	var buf [16]PathHash
	hashes := appendPathHashes(buf[:0], path)
	for i := len(hashes) - 1; i >= 0; i-- {
		if e, ok := p.find(hashes[i]); ok {
			return int(e.line), int(e.column), i == len(hashes)-1
		}
	}
	return int(p.root.line), int(p.root.column), path == ""
}

// PathHashes returns the hash of every prefix of path, shortest first, the path itself last.
// The empty path yields nothing.
func PathHashes(path string) []PathHash {
	return appendPathHashes(nil, path)
}

// appendPathHashes appends the hashes of PathHashes(path) to out.
func appendPathHashes(out []PathHash, path string) []PathHash {
	return appendPathHashesFrom(out, RootHash, path)
}

// appendPathHashesFrom appends the hashes of the prefixes of path below the path that hashes
// to h.
func appendPathHashesFrom(out []PathHash, h PathHash, path string) []PathHash {
	for i := 0; i < len(path); {
		switch path[i] {
		case '.':
			i++
		case '[':
			end := i + 1
			for end < len(path) && path[end] != ']' {
				end++
			}
			h = bracketHash(h, path[i+1:end])
			out = append(out, h)
			i = end + 1
		default:
			end := i
			for end < len(path) && path[end] != '.' && path[end] != '[' {
				end++
			}
			h = h.Key(path[i:end])
			out = append(out, h)
			i = end
		}
	}
	return out
}

// bracketHash is the hash of [seg] below h: a list index when seg is a whole number, else a
// map key.
func bracketHash(h PathHash, seg string) PathHash {
	if n, err := strconv.Atoi(seg); err == nil && n >= 0 {
		return h.Index(n)
	}
	return h.Key(seg)
}
