package netpol

import (
	"cmp"
	"net/netip"
	"slices"
)

// Change is what a change of the input does to reachability: the connections it opens and
// closes between workloads present before and after (and between them and the address
// ranges outside the cluster), and the workloads it adds or removes.
//
// A workload that appears is not a policy change: its connections are listed with it
// (Added[i].Connections) rather than as opened, so a reviewer can tell a new deployment
// from a policy that opens a path between existing ones. A removed workload takes its
// connections with it; they are not listed as closed.
type Change struct {
	// Opened and Closed hold only the difference: a pair that goes from TCP 80 to TCP
	// 80,443 opens TCP 443. Ordered as Connections orders them: workload to workload (by
	// source, then destination), workload to address ranges, address ranges to workloads.
	Opened, Closed []Connection
	// Added are the workloads only the new input has, by name, each with every connection
	// it has there, in both directions.
	Added []ChangedWorkload
	// Removed are the workloads only the old input has, by name.
	Removed []ChangedWorkload
}

// ChangedWorkload is a workload that appears or disappears, with its origin (file:line).
type ChangedWorkload struct {
	ID, Where   string
	Connections []Connection
}

// pairKey is a pair of classes, one of each analysis.
type pairKey struct{ old, cur int32 }

// classEdge is one non-empty cell of the class matrix.
type classEdge struct {
	dst   int32
	conns ConnSet
}

// classRows returns, per source class, the destination classes it reaches (sorted).
func (a *Analysis) classRows() [][]classEdge {
	a.pairsOnce.Do(func() { a.matrix(a.matches) })
	rows := make([][]classEdge, len(a.classes))
	for s, row := range a.pairs {
		for _, p := range row {
			rows[s] = append(rows[s], classEdge{p.dst, a.conns[p.conns]})
		}
	}
	return rows
}

// lookup returns the connections of a sorted row to class d.
func lookup(row []classEdge, d int32) ConnSet {
	if i, ok := slices.BinarySearchFunc(row, d, func(e classEdge, d int32) int { return cmp.Compare(e.dst, d) }); ok {
		return row[i].conns
	}
	return NoConns()
}

// Diff compares the reachability of two inputs. The work is done per pair of joint classes
// (a workload's class before and after), over the class matrices' non-empty cells, so it
// grows with the classes and the connections that change, not with the pods squared.
func Diff(old, cur *Analysis) *Change {
	ch := &Change{}
	// Workloads are sorted by ID on both sides: walk them together.
	var commonOld, commonCur []int32
	for i, j := 0, 0; i < len(old.ids) || j < len(cur.ids); {
		switch {
		case j >= len(cur.ids) || (i < len(old.ids) && old.ids[i] < cur.ids[j]):
			ch.Removed = append(ch.Removed, ChangedWorkload{ID: old.ids[i], Where: old.Workloads[i].Where})
			i++
		case i >= len(old.ids) || cur.ids[j] < old.ids[i]:
			ch.Added = append(ch.Added, ChangedWorkload{ID: cur.ids[j], Where: cur.Workloads[j].Where})
			j++
		default:
			commonOld, commonCur = append(commonOld, int32(i)), append(commonCur, int32(j))
			i, j = i+1, j+1
		}
	}
	// Joint classes of the common workloads, with their members (indexes into common*).
	jointOf := map[pairKey]int32{}
	var joints []pairKey
	var members [][]int32
	byOld, byCur := map[int32][]int32{}, map[int32][]int32{}
	for k := range commonOld {
		key := pairKey{old.classOf[commonOld[k]], cur.classOf[commonCur[k]]}
		id, ok := jointOf[key]
		if !ok {
			id = int32(len(joints))
			jointOf[key] = id
			joints = append(joints, key)
			members = append(members, nil)
			byOld[key.old] = append(byOld[key.old], id)
			byCur[key.cur] = append(byCur[key.cur], id)
		}
		members[id] = append(members[id], int32(k))
	}
	oldRows, curRows := old.classRows(), cur.classRows()
	type changedPair struct {
		src, dst       int32 // indexes into common*
		opened, closed ConnSet
	}
	var pairs []changedPair
	seen := make([]int32, len(joints))
	for a, ja := range joints {
		var candidates []int32
		add := func(row []classEdge, by map[int32][]int32) {
			for _, e := range row {
				for _, b := range by[e.dst] {
					if seen[b] != int32(a+1) {
						seen[b] = int32(a + 1)
						candidates = append(candidates, b)
					}
				}
			}
		}
		add(oldRows[ja.old], byOld)
		add(curRows[ja.cur], byCur)
		for _, b := range candidates {
			jb := joints[b]
			before, after := lookup(oldRows[ja.old], jb.old), lookup(curRows[ja.cur], jb.cur)
			if before.Equal(after) {
				continue
			}
			opened, closed := difference(before, after)
			for _, s := range members[a] {
				for _, d := range members[b] {
					if s != d {
						pairs = append(pairs, changedPair{s, d, opened, closed})
					}
				}
			}
		}
	}
	slices.SortFunc(pairs, func(x, y changedPair) int { return cmp.Or(cmp.Compare(x.src, y.src), cmp.Compare(x.dst, y.dst)) })
	for _, p := range pairs {
		src, dst := cur.ids[commonCur[p.src]], cur.ids[commonCur[p.dst]]
		if !p.opened.IsEmpty() {
			ch.Opened = append(ch.Opened, Connection{Src: src, Dst: dst, Conns: p.opened})
		}
		if !p.closed.IsEmpty() {
			ch.Closed = append(ch.Closed, Connection{Src: src, Dst: dst, Conns: p.closed})
		}
	}
	ch.rangeChanges(old, cur, commonOld, commonCur, joints, jointOf)
	ch.addedConnections(cur, curRows)
	return ch
}

// rangeDiff is, per segment of the refined address space, what a joint class opens and
// closes towards it (to) and from it (from).
type rangeDiff struct{ toOpened, toClosed, fromOpened, fromClosed []ConnSet }

// rangeChanges adds the connections between common workloads and address ranges that
// change. Both analyses cut the address space differently, so the comparison is made on
// the ranges of both cuts together, then adjacent ranges with the same change are merged.
func (ch *Change) rangeChanges(old, cur *Analysis, commonOld, commonCur []int32, joints []pairKey, jointOf map[pairKey]int32) {
	segs := refine(old.Ranges, cur.Ranges)
	diffs := make([]*rangeDiff, len(joints))
	for k := range commonOld {
		o, c := commonOld[k], commonCur[k]
		j := jointOf[pairKey{old.classOf[o], cur.classOf[c]}]
		if diffs[j] == nil {
			d := &rangeDiff{}
			for _, s := range segs {
				to0, to1 := old.ToAddress(int(o), s.Lo), cur.ToAddress(int(c), s.Lo)
				from0, from1 := old.FromAddress(s.Lo, int(o)), cur.FromAddress(s.Lo, int(c))
				opened, closed := difference(to0, to1)
				d.toOpened, d.toClosed = append(d.toOpened, opened), append(d.toClosed, closed)
				opened, closed = difference(from0, from1)
				d.fromOpened, d.fromClosed = append(d.fromOpened, opened), append(d.fromClosed, closed)
			}
			diffs[j] = d
		}
	}
	id := func(k int) (string, *rangeDiff) {
		o, c := commonOld[k], commonCur[k]
		return cur.ids[c], diffs[jointOf[pairKey{old.classOf[o], cur.classOf[c]}]]
	}
	for k := range commonOld {
		w, d := id(k)
		for r, c := range merged(segs, d.toOpened) {
			ch.Opened = append(ch.Opened, Connection{Src: w, Dst: r.String(), Conns: c})
		}
		for r, c := range merged(segs, d.toClosed) {
			ch.Closed = append(ch.Closed, Connection{Src: w, Dst: r.String(), Conns: c})
		}
	}
	for k := range commonOld {
		w, d := id(k)
		for r, c := range merged(segs, d.fromOpened) {
			ch.Opened = append(ch.Opened, Connection{Src: r.String(), Dst: w, Conns: c})
		}
		for r, c := range merged(segs, d.fromClosed) {
			ch.Closed = append(ch.Closed, Connection{Src: r.String(), Dst: w, Conns: c})
		}
	}
}

// difference is what after allows and before does not, and the reverse; most sets are
// equal, and comparing them allocates nothing.
func difference(before, after ConnSet) (opened, closed ConnSet) {
	if before.Equal(after) {
		return NoConns(), NoConns()
	}
	return after.Subtract(before), before.Subtract(after)
}

// refine cuts the address space at the starts of the ranges of both cuts.
func refine(x, y []AddressRange) []AddressRange {
	starts := make([]netip.Addr, 0, len(x)+len(y))
	for _, r := range x {
		starts = append(starts, r.Lo)
	}
	for _, r := range y {
		starts = append(starts, r.Lo)
	}
	return rangesFrom(starts)
}

// merged yields the non-empty sets of a row over segs, adjacent segments of one family
// with equal sets merged.
func merged(segs []AddressRange, row []ConnSet) func(yield func(AddressRange, ConnSet) bool) {
	return func(yield func(AddressRange, ConnSet) bool) {
		for j := 0; j < len(row); {
			k := j
			for k+1 < len(row) && row[k+1].Equal(row[j]) && segs[k+1].Lo.BitLen() == segs[j].Lo.BitLen() {
				k++
			}
			if !row[j].IsEmpty() && !yield(AddressRange{segs[j].Lo, segs[k].Hi}, row[j]) {
				return
			}
			j = k + 1
		}
	}
}

// addedConnections lists, for every added workload, its connections in the new input:
// ordered as Connections orders them.
func (ch *Change) addedConnections(cur *Analysis, rows [][]classEdge) {
	if len(ch.Added) == 0 {
		return
	}
	incoming := make([][]classEdge, len(rows))
	for s, row := range rows {
		for _, e := range row {
			incoming[e.dst] = append(incoming[e.dst], classEdge{int32(s), e.conns})
		}
	}
	type edge struct {
		src, dst int32
		conns    ConnSet
	}
	for i := range ch.Added {
		w := int32(cur.Workload(ch.Added[i].ID))
		c := cur.classOf[w]
		var edges []edge
		for _, e := range rows[c] {
			for _, m := range cur.classes[e.dst].members {
				if m != w {
					edges = append(edges, edge{w, m, e.conns})
				}
			}
		}
		for _, e := range incoming[c] {
			for _, m := range cur.classes[e.dst].members {
				if m != w {
					edges = append(edges, edge{m, w, e.conns})
				}
			}
		}
		slices.SortFunc(edges, func(x, y edge) int { return cmp.Or(cmp.Compare(x.src, y.src), cmp.Compare(x.dst, y.dst)) })
		conns := make([]Connection, 0, len(edges))
		for _, e := range edges {
			conns = append(conns, Connection{Src: cur.ids[e.src], Dst: cur.ids[e.dst], Conns: e.conns})
		}
		for r, cs := range cur.mergedRanges(cur.toRange[c]) {
			conns = append(conns, Connection{Src: cur.ids[w], Dst: r.String(), Conns: cs})
		}
		for r, cs := range cur.mergedRanges(cur.fromRange[c]) {
			conns = append(conns, Connection{Src: r.String(), Dst: cur.ids[w], Conns: cs})
		}
		ch.Added[i].Connections = conns
	}
}
