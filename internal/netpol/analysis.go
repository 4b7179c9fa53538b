package netpol

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/labels"
)

// Analysis is the reachability of one input: every workload's allowed connections to every
// other workload and to the address ranges outside the cluster.
type Analysis struct {
	// Workloads are sorted by ID.
	Workloads []Workload
	// Ranges partition the address space outside the cluster into ranges every ipBlock
	// treats alike.
	Ranges []AddressRange
	// Problems are what the policies say that the engine cannot read (an unparsable
	// selector or CIDR, an out-of-range port); each is taken as matching nothing.
	Problems []string
	// Services are sorted by ID.
	Services []Service

	// ids are the workloads' names, computed once for output.
	ids      []string
	nsLabels map[string]labels.Set
	policies []*compiledPolicy
	byNS     map[string][]*compiledPolicy
	// admins are the AdminNetworkPolicies in evaluation order, baselines the
	// BaselineAdminNetworkPolicies by name.
	admins, baselines []*compiledAdmin
	classes           []*class
	classOf           []int32
	// matches are, per rule, the classes its peers match.
	matches []classSet
	// egressOpen lists the classes nothing restricts for egress, egressTiered those an
	// AdminNetworkPolicy or the baseline judges for egress; egressAt lists, per
	// class, the egress rules whose peers match it by name (not every peer), and egressAny
	// the egress rules that match every peer. Reaching answers from them.
	egressOpen   []int32
	egressTiered []int32
	egressAt     [][]*rule
	egressAny    []*rule
	// anyReaching caches, per destination ports, protocol and port, the classes that the
	// rules of egressAny let open it (anyReachingFor).
	anyReachingMu sync.Mutex
	anyReaching   map[anyReachingKey][]int32
	// marksFree keeps the class marks of Reaching for the next destination (classMarks).
	marksFree sync.Pool
	// conns interns the connection sets of the matrix; 0 is none, 1 is all.
	conns []ConnSet
	// pairs lists, per source class, the destination classes it reaches (sorted) and how;
	// only Connections needs it, so it is built on its first call.
	pairs     [][]pairConns
	pairsOnce sync.Once
	// toRange and fromRange are, per class and range, the connections of its egress to the
	// range and of its ingress from it.
	toRange, fromRange [][]int32
}

type pairConns struct{ dst, conns int32 }

// class is a set of workloads that no policy tells apart: same namespace, pod labels,
// named ports and address range.
type class struct {
	view    endpointView
	ports   []ContainerPort
	portsID int32
	members []int32
	// isolated and rules are, per direction, whether a policy isolates the class and the
	// rules of the policies that do; admin and baseline the rules of the AdminPolicies that
	// select it (baseline only where no NetworkPolicy isolates it).
	isolated [2]bool
	rules    [2][]*rule
	admin    [2][]*rule
	baseline [2][]*rule
	rulesID  [2]int32
}

func (cl *class) tiers(d Direction) tiers {
	return tiers{admin: cl.admin[d], isolated: cl.isolated[d], np: cl.rules[d], baseline: cl.baseline[d]}
}

// lists are the rule lists of direction d in evaluation order.
func (cl *class) lists(d Direction) [3][]*rule {
	return [3][]*rule{cl.admin[d], cl.rules[d], cl.baseline[d]}
}

const (
	connsNone int32 = 0
	connsAll  int32 = 1
)

// Analyze computes the reachability of in.
func Analyze(in Input) *Analysis {
	a := &Analysis{nsLabels: map[string]labels.Set{}, byNS: map[string][]*compiledPolicy{}, conns: []ConnSet{NoConns(), AllConns()}}
	var order []int
	a.ids, order = byID(len(in.Workloads), func(i int) string { return in.Workloads[i].ID() })
	a.Workloads = make([]Workload, len(order))
	for j, i := range order {
		a.Workloads[j] = in.Workloads[i]
	}
	for _, ns := range in.Namespaces {
		a.namespace(ns.Name, ns.Labels)
	}
	_, order = byID(len(in.Services), func(i int) string { return in.Services[i].ID() })
	a.Services = make([]Service, len(order))
	for j, i := range order {
		a.Services[j] = in.Services[i]
	}
	c := &compiler{}
	var rules []*rule
	for i := range in.Policies {
		cp := c.compile(&in.Policies[i])
		a.policies = append(a.policies, cp)
		a.byNS[cp.Namespace] = append(a.byNS[cp.Namespace], cp)
		a.namespace(cp.Namespace, nil)
		rules = append(append(rules, cp.rules[Ingress]...), cp.rules[Egress]...)
	}
	for i := range in.AdminPolicies {
		cp := c.compileAdmin(&in.AdminPolicies[i])
		if cp.Kind == BaselineAdminNetworkPolicy {
			a.baselines = append(a.baselines, cp)
		} else {
			a.admins = append(a.admins, cp)
		}
		rules = append(append(rules, cp.rules[Ingress]...), cp.rules[Egress]...)
	}
	sortAdmin(a.admins)
	slices.SortStableFunc(a.baselines, func(x, y *compiledAdmin) int { return strings.Compare(x.Name, y.Name) })
	var prefixes []netip.Prefix
	for _, r := range rules {
		for _, pe := range r.peers {
			if pe.block != nil {
				prefixes = append(prefixes, pe.block.cidr)
				prefixes = append(prefixes, pe.block.except...)
			}
		}
	}
	v6 := false
	for i := range a.Workloads {
		w := &a.Workloads[i]
		w.IP = w.IP.Unmap()
		v6 = v6 || w.IP.Is6()
		a.namespace(w.Namespace, nil)
	}
	a.Ranges = partition(prefixes, v6)
	a.group()
	a.Problems = slices.Concat(in.Problems, c.problems, samePriority(a.admins))
	a.matches = a.ruleMatches(rules, c.nextID)
	a.indexEgress()
	a.external()
	return a
}

// byID orders n items by their IDs, the first of each ID only: it returns the IDs in order and
// the index of the item of each. Each ID is written once, not once per comparison.
func byID(n int, id func(i int) string) (ids []string, order []int) {
	type keyed struct {
		id string
		i  int
	}
	ks := make([]keyed, n)
	for i := range ks {
		ks[i] = keyed{id(i), i}
	}
	slices.SortFunc(ks, func(x, y keyed) int { return cmp.Or(strings.Compare(x.id, y.id), cmp.Compare(x.i, y.i)) })
	ks = slices.CompactFunc(ks, func(x, y keyed) bool { return x.id == y.id })
	ids, order = make([]string, len(ks)), make([]int, len(ks))
	for j, k := range ks {
		ids[j], order[j] = k.id, k.i
	}
	return ids, order
}

// namespace records a namespace's labels, with the name label the API server sets.
func (a *Analysis) namespace(name string, l map[string]string) {
	if _, seen := a.nsLabels[name]; seen && l == nil {
		return
	}
	set := make(labels.Set, len(l)+1)
	for k, v := range l {
		set[k] = v
	}
	set[NamespaceNameLabel] = name
	a.nsLabels[name] = set
}

// view is how peers see a workload.
func (a *Analysis) view(w *Workload) endpointView {
	return endpointView{pod: true, namespace: w.Namespace, nsLabels: a.nsLabels[w.Namespace], labels: labels.Set(w.Labels), ip: w.IP}
}

// group puts workloads into classes and finds the policies that select each class.
func (a *Analysis) group() {
	index := map[string]int32{}
	portIDs := map[string]int32{}
	ruleIDs := map[string]int32{}
	a.classOf = make([]int32, len(a.Workloads))
	// A workload's class key, in one buffer reused from workload to workload: a map lookup
	// by it allocates nothing, and only a new class keeps a copy.
	var key []byte
	var names []string
	for i := range a.Workloads {
		w := &a.Workloads[i]
		key = appendKeyPart(key[:0], w.Namespace)
		key, names = appendLabelsKey(key, w.Labels, names)
		ports := portsKey(w.Ports)
		key = appendKeyPart(key, ports)
		if w.IP.IsValid() {
			key = a.Ranges[rangeOf(a.Ranges, w.IP)].Lo.AppendTo(key)
		}
		id, ok := index[string(key)]
		if !ok {
			id = int32(len(a.classes))
			index[string(key)] = id
			pid, ok := portIDs[ports]
			if !ok {
				pid = int32(len(portIDs))
				portIDs[ports] = pid
			}
			a.classes = append(a.classes, &class{view: a.view(w), ports: w.Ports, portsID: pid})
		}
		a.classOf[i] = id
		a.classes[id].members = append(a.classes[id].members, int32(i))
	}
	for ci, cl := range a.classes {
		for _, cp := range a.byNS[cl.view.namespace] {
			if !cp.selects(&cl.view) {
				continue
			}
			cp.selected = append(cp.selected, int32(ci))
			for d := range cl.isolated {
				if cp.isolates[d] {
					cl.isolated[d] = true
					cl.rules[d] = append(cl.rules[d], cp.rules[d]...)
				}
			}
		}
		for _, cp := range a.admins {
			if cp.selects(&cl.view) {
				cp.selected = append(cp.selected, int32(ci))
				for d := range cl.admin {
					cl.admin[d] = append(cl.admin[d], cp.rules[d]...)
				}
			}
		}
		for _, cp := range a.baselines {
			if cp.selects(&cl.view) {
				cp.selected = append(cp.selected, int32(ci))
				for d := range cl.baseline {
					if !cl.isolated[d] {
						cl.baseline[d] = append(cl.baseline[d], cp.rules[d]...)
					}
				}
			}
		}
		for d := range cl.rules {
			cl.rulesID[d] = -1
			if t := cl.tiers(Direction(d)); t.open() {
				continue
			}
			key = key[:0]
			if cl.isolated[d] {
				key = append(key, 1) // an isolated class with no rules differs from an open one
			}
			for _, rs := range cl.lists(Direction(d)) {
				for _, r := range rs {
					key = append(key, byte(r.id), byte(r.id>>8), byte(r.id>>16), byte(r.id>>24))
				}
				key = append(key, "\xff\xff\xff\xff"...)
			}
			id, ok := ruleIDs[string(key)]
			if !ok {
				id = int32(len(ruleIDs))
				ruleIDs[string(key)] = id
			}
			cl.rulesID[d] = id
		}
	}
}

// appendKeyPart appends s to a class key with its length first, so that no two sequences of
// parts make the same key, whatever bytes they hold.
func appendKeyPart(key []byte, s string) []byte {
	key = binary.AppendUvarint(key, uint64(len(s)))
	return append(key, s...)
}

// appendLabelsKey appends labels to a class key: the number of labels, then each key and value,
// in the order of the keys. Unlike labels.Set.String, it tells apart sets whose values hold
// commas or equals signs (a manifest may hold labels the API server would refuse). names is a
// buffer for the keys, returned for reuse.
func appendLabelsKey(key []byte, l map[string]string, names []string) ([]byte, []string) {
	names = names[:0]
	for k := range l {
		names = append(names, k)
	}
	slices.Sort(names)
	key = binary.AppendUvarint(key, uint64(len(names)))
	for _, k := range names {
		key = appendKeyPart(appendKeyPart(key, k), l[k])
	}
	clear(names)
	return key, names
}

func portsKey(ports []ContainerPort) string {
	var b strings.Builder
	for _, p := range ports {
		if p.Name == "" {
			continue
		}
		b.WriteString(p.Name)
		b.WriteByte('/')
		b.WriteString(p.Protocol.String())
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(int(p.Port)))
		b.WriteByte(',')
	}
	return b.String()
}

// classSet is a set of classes: every class, or a sorted list of them. Peers mostly match
// few classes (a namespace's, a team's), so lists keep the cost linear in the classes.
type classSet struct {
	all     bool
	members []int32
}

func (c *classSet) has(i int) bool {
	if c.all {
		return true
	}
	_, ok := slices.BinarySearch(c.members, int32(i))
	return ok
}

// ruleMatches computes, for every rule, the classes its peers match. Namespace selectors
// are evaluated once per namespace and distinct selector; pod selectors only on the classes
// of the namespaces that match.
func (a *Analysis) ruleMatches(rules []*rule, nRules int) []classSet {
	byNS := map[string][]int32{}
	var withIP []int32
	for i, cl := range a.classes {
		byNS[cl.view.namespace] = append(byNS[cl.view.namespace], int32(i))
		if cl.view.ip.IsValid() {
			withIP = append(withIP, int32(i))
		}
	}
	namespaces := make([]string, 0, len(byNS))
	for ns := range byNS {
		namespaces = append(namespaces, ns)
	}
	slices.Sort(namespaces)
	nsCache := map[string][]string{}
	selected := func(sel labels.Selector) []string {
		k := sel.String()
		if got, ok := nsCache[k]; ok {
			return got
		}
		var out []string
		for _, ns := range namespaces {
			if sel.Matches(a.nsLabels[ns]) {
				out = append(out, ns)
			}
		}
		nsCache[k] = out
		return out
	}
	out := make([]classSet, nRules)
	for _, r := range rules {
		m := &out[r.id]
		if r.anyPeer {
			m.all = true
			continue
		}
		for _, pe := range r.peers {
			switch {
			case pe.none:
			case pe.block != nil:
				for _, c := range withIP {
					if pe.block.contains(a.classes[c].view.ip) {
						m.members = append(m.members, c)
					}
				}
			default:
				nss := []string{r.namespace}
				if !pe.sameNamespace {
					nss = selected(pe.namespaces)
				}
				for _, ns := range nss {
					for _, c := range byNS[ns] {
						if pe.pods == nil || pe.pods.Matches(a.classes[c].view.labels) {
							m.members = append(m.members, c)
						}
					}
				}
			}
		}
	}
	for i := range out {
		slices.Sort(out[i].members)
		out[i].members = slices.Compact(out[i].members)
	}
	return out
}

// memoKey identifies the computation of one pair's connections: the rules that match on
// each side (as a mask over the side's rule list) and the destination's named ports.
type memoKey struct {
	egList, inList int32
	egMask, inMask uint64
	ports          int32
}

// matrix computes the connections between every two classes: for each source, the
// classes its egress reaches, each kept when the destination's ingress admits the source.
func (a *Analysis) matrix(matches []classSet) {
	n := len(a.classes)
	memo := map[memoKey]int32{}
	interned := map[string]int32{a.conns[0].String(): connsNone, a.conns[1].String(): connsAll}
	a.pairs = make([][]pairConns, n)
	seen := make([]int32, n) // seen[d] == s+1 when d is already a candidate of s
	var candidates []int32
	for s, src := range a.classes {
		candidates = candidates[:0]
		// Beside every class when no NetworkPolicy isolates the source, only the peers of
		// its NetworkPolicy rules and of its AdminNetworkPolicy Allow rules can be reached.
		every := !src.isolated[Egress]
		for _, r := range granting(src, Egress) {
			m := &matches[r.id]
			if every = every || m.all; every {
				break
			}
			for _, d := range m.members {
				if seen[d] != int32(s+1) {
					seen[d] = int32(s + 1)
					candidates = append(candidates, d)
				}
			}
		}
		if every {
			candidates = candidates[:0]
			for d := range n {
				candidates = append(candidates, int32(d))
			}
		} else {
			slices.Sort(candidates)
		}
		var row []pairConns
		for _, d := range candidates {
			dst := a.classes[d]
			if !admits(dst, s, matches) {
				continue
			}
			if id := a.pairConns(src, dst, s, int(d), matches, memo, interned); id != connsNone {
				row = append(row, pairConns{d, id})
			}
		}
		a.pairs[s] = row
	}
}

// admits reports whether dst's ingress admits class s on some port or rule.
func admits(dst *class, s int, matches []classSet) bool {
	if !dst.isolated[Ingress] {
		return true
	}
	return slices.ContainsFunc(granting(dst, Ingress), func(r *rule) bool { return matches[r.id].has(s) })
}

// granting are the rules of an isolated direction that can allow a connection: its
// NetworkPolicy rules and its AdminNetworkPolicy Allow rules.
func granting(cl *class, d Direction) []*rule {
	if len(cl.admin[d]) == 0 {
		return cl.rules[d]
	}
	out := slices.Clone(cl.rules[d])
	for _, r := range cl.admin[d] {
		if r.action == actAllow {
			out = append(out, r)
		}
	}
	return out
}

// pairConns computes (or finds in memo) the connections from class src to class dst.
func (a *Analysis) pairConns(src, dst *class, s, d int, matches []classSet, memo map[memoKey]int32, interned map[string]int32) int32 {
	key := memoKey{egList: src.rulesID[Egress], inList: dst.rulesID[Ingress], ports: -1}
	egMask, egN, egNamed := ruleMask(src, Egress, d, matches)
	inMask, inN, inNamed := ruleMask(dst, Ingress, s, matches)
	key.egMask, key.inMask = egMask, inMask
	named := egNamed || inNamed
	usable := egN <= 64 && inN <= 64
	if named {
		key.ports = dst.portsID
	}
	if usable {
		if id, ok := memo[key]; ok {
			return id
		}
	}
	c := sideConns(src, Egress, d, dst.ports, matches).Intersect(sideConns(dst, Ingress, s, dst.ports, matches))
	id := a.intern(c, interned)
	if usable {
		memo[key] = id
	}
	return id
}

// ruleMask marks which of cl's rules of direction d match the peer class, over its rule
// lists in evaluation order; n counts the rules and named tells whether a matching rule
// has named ports.
func ruleMask(cl *class, d Direction, peer int, matches []classSet) (mask uint64, n int, named bool) {
	for _, rs := range cl.lists(d) {
		for _, r := range rs {
			if matches[r.id].has(peer) {
				mask |= 1 << (n % 64)
				named = named || len(r.named) > 0
			}
			n++
		}
	}
	return mask, n, named
}

// sideConns is what cl's rules of direction dir allow with the peer class peer (-1 for an
// address outside the cluster), towards a destination with these ports.
func sideConns(cl *class, dir Direction, peer int, ports []ContainerPort, matches []classSet) ConnSet {
	if t := cl.tiers(dir); !t.plain() {
		return t.conns(ports, func(r *rule) bool { return matches[r.id].has(peer) })
	}
	// NetworkPolicies alone, without building the admin tiers' closure.
	if !cl.isolated[dir] {
		return AllConns()
	}
	var c ConnSet
	for _, r := range cl.rules[dir] {
		if matches[r.id].has(peer) {
			c = c.Union(r.connsTo(ports))
		}
	}
	return c
}

func (a *Analysis) intern(c ConnSet, interned map[string]int32) int32 {
	k := c.String()
	if id, ok := interned[k]; ok {
		return id
	}
	id := int32(len(a.conns))
	a.conns = append(a.conns, c)
	interned[k] = id
	return id
}

// external computes the connections between classes and the address ranges.
func (a *Analysis) external() {
	interned := map[string]int32{}
	for i, c := range a.conns {
		interned[c.String()] = int32(i)
	}
	a.toRange = make([][]int32, len(a.classes))
	a.fromRange = make([][]int32, len(a.classes))
	for i, cl := range a.classes {
		to, from := make([]int32, len(a.Ranges)), make([]int32, len(a.Ranges))
		for j, rg := range a.Ranges {
			view := endpointView{ip: rg.Lo}
			to[j] = a.intern(a.rangeSide(cl, Egress, &view, nil), interned)
			from[j] = a.intern(a.rangeSide(cl, Ingress, &view, cl.ports), interned)
		}
		a.toRange[i], a.fromRange[i] = to, from
	}
}

func (a *Analysis) rangeSide(cl *class, dir Direction, v *endpointView, ports []ContainerPort) ConnSet {
	if t := cl.tiers(dir); !t.plain() {
		return t.conns(ports, func(r *rule) bool { return r.matchesPeer(v) })
	}
	if !cl.isolated[dir] {
		return AllConns()
	}
	var c ConnSet
	for _, r := range cl.rules[dir] {
		if r.matchesPeer(v) {
			c = c.Union(r.connsTo(ports))
		}
	}
	return c
}

// Connection is what a source may open to a destination.
type Connection struct {
	// Src and Dst name workloads (namespace/kind/name) or address ranges (lo-hi).
	Src, Dst string
	Conns    ConnSet
}

// Connections calls yield with every non-empty connection: workload to workload (by
// source, then destination), then workload to address ranges, then address ranges to
// workloads. Adjacent ranges with the same connections are merged.
func (a *Analysis) Connections(yield func(Connection) bool) {
	a.pairsOnce.Do(func() { a.matrix(a.matches) })
	var dsts []pairConns
	for i := range a.Workloads {
		dsts = dsts[:0]
		for _, p := range a.pairs[a.classOf[i]] {
			for _, m := range a.classes[p.dst].members {
				if int(m) != i {
					dsts = append(dsts, pairConns{m, p.conns})
				}
			}
		}
		slices.SortFunc(dsts, func(x, y pairConns) int { return cmp.Compare(x.dst, y.dst) })
		for _, p := range dsts {
			if !yield(Connection{Src: a.ids[i], Dst: a.ids[p.dst], Conns: a.conns[p.conns]}) {
				return
			}
		}
	}
	for i, id := range a.ids {
		for r, c := range a.mergedRanges(a.toRange[a.classOf[i]]) {
			if !yield(Connection{Src: id, Dst: r.String(), Conns: c}) {
				return
			}
		}
	}
	for i, id := range a.ids {
		for r, c := range a.mergedRanges(a.fromRange[a.classOf[i]]) {
			if !yield(Connection{Src: r.String(), Dst: id, Conns: c}) {
				return
			}
		}
	}
}

// mergedRanges yields the non-empty connections of a row over the ranges, adjacent ranges
// of one family with the same connections merged.
func (a *Analysis) mergedRanges(row []int32) func(yield func(AddressRange, ConnSet) bool) {
	return func(yield func(AddressRange, ConnSet) bool) {
		for j := 0; j < len(row); {
			k := j
			for k+1 < len(row) && row[k+1] == row[j] && a.Ranges[k+1].Lo.BitLen() == a.Ranges[j].Lo.BitLen() {
				k++
			}
			if row[j] != connsNone && !yield(AddressRange{a.Ranges[j].Lo, a.Ranges[k].Hi}, a.conns[row[j]]) {
				return
			}
			j = k + 1
		}
	}
}

// Between returns the connections from workload src to workload dst (indexes into
// Workloads): the egress of src's class towards dst's, intersected with the ingress of
// dst's class from src's. It reads the rules of the two classes only, not the matrix.
func (a *Analysis) Between(src, dst int) ConnSet {
	s, d := int(a.classOf[src]), int(a.classOf[dst])
	sc, dc := a.classes[s], a.classes[d]
	return sideConns(sc, Egress, d, dc.ports, a.matches).Intersect(sideConns(dc, Ingress, s, dc.ports, a.matches))
}

// ToAddress and FromAddress return the connections between workload w and the address ip
// outside the cluster.
func (a *Analysis) ToAddress(w int, ip netip.Addr) ConnSet {
	cl := a.classes[a.classOf[w]]
	if r := rangeOf(a.Ranges, ip.Unmap()); r >= 0 {
		return a.conns[a.toRange[a.classOf[w]][r]]
	}
	return a.rangeSide(cl, Egress, &endpointView{ip: ip.Unmap()}, nil)
}

// FromAddress returns the connections the address ip may open to workload w.
func (a *Analysis) FromAddress(ip netip.Addr, w int) ConnSet {
	cl := a.classes[a.classOf[w]]
	if r := rangeOf(a.Ranges, ip.Unmap()); r >= 0 {
		return a.conns[a.fromRange[a.classOf[w]][r]]
	}
	return a.rangeSide(cl, Ingress, &endpointView{ip: ip.Unmap()}, cl.ports)
}

// Workload returns the index of the workload named id (namespace/kind/name), or -1.
func (a *Analysis) Workload(id string) int {
	i, ok := slices.BinarySearch(a.ids, id)
	if !ok {
		return -1
	}
	return i
}

// Class returns the class of workload w (an index into Workloads), from 0 to Classes()-1:
// workloads of one class have the same connections to and from every workload of another
// class and every address, so a caller that asks the same question of many workloads may
// answer it once per class.
func (a *Analysis) Class(w int) int { return int(a.classOf[w]) }

// Classes returns the number of classes.
func (a *Analysis) Classes() int { return len(a.classes) }
