package netpol

// indexEgress records what Reaching reads of the egress side: the classes nothing
// restricts for egress, those admin policies judge, and per class the NetworkPolicy egress
// rules whose peers name it.
func (a *Analysis) indexEgress() {
	a.egressAt = make([][]*rule, len(a.classes))
	for i, cl := range a.classes {
		switch t := cl.tiers(Egress); {
		case t.open():
			a.egressOpen = append(a.egressOpen, int32(i))
		case !t.plain():
			a.egressTiered = append(a.egressTiered, int32(i))
		}
	}
	for _, cp := range a.policies {
		if !cp.isolates[Egress] || len(cp.selected) == 0 {
			continue
		}
		for _, r := range cp.rules[Egress] {
			m := &a.matches[r.id]
			if m.all {
				a.egressAny = append(a.egressAny, r)
				continue
			}
			for _, c := range m.members {
				a.egressAt[c] = append(a.egressAt[c], r)
			}
		}
	}
}

// allows reports whether the rule allows protocol p on port towards a destination with
// these container ports, as connsTo(ports).Contains(p, port) does, without building the set.
func (r *rule) allows(ports []ContainerPort, p Protocol, port int32) bool {
	if r.anyPort || r.numbered.Contains(p, port) {
		return true
	}
	for _, n := range r.named {
		for _, cp := range ports {
			if n.resolves(&cp) && cp.Protocol == p && cp.Port == port {
				return true
			}
		}
	}
	return false
}

// Reaching calls yield with every class whose workloads may open protocol p on port to
// workload dst (Between(s, dst).Contains(p, port) for the workloads s of the class, dst's
// own class included), each once and in no particular order. It answers from the policies
// that select dst for ingress and from the egress rules that name dst's class, so its cost
// follows the classes it yields rather than every class pair.
func (a *Analysis) Reaching(dst int, p Protocol, port int32) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		open, rest := a.ReachingSplit(dst, p, port)
		if open {
			for _, s := range a.egressOpen {
				if !yield(int(s)) {
					return
				}
			}
		}
		rest(yield)
	}
}

// EgressOpen returns the classes no policy restricts for egress, ascending.
func (a *Analysis) EgressOpen() []int32 { return a.egressOpen }

// ReachingSplit is Reaching for a caller that sums over EgressOpen once for many
// destinations: open says whether every class of EgressOpen reaches dst, and rest yields the
// classes that reach it beside those (all of them when open is false).
func (a *Analysis) ReachingSplit(dst int, p Protocol, port int32) (open bool, rest func(yield func(int) bool)) {
	d := a.classOf[dst]
	dc := a.classes[d]
	if t := dc.tiers(Ingress); !t.plain() {
		// Admin policies judge dst's ingress: each class is asked on both sides.
		return false, func(yield func(int) bool) {
			for s := range a.classes {
				ok, _, _ := t.decide(dc.ports, p, port, func(r *rule) bool { return a.matches[r.id].has(s) })
				if ok && a.egressAllows(int32(s), d, p, port) && !yield(s) {
					return
				}
			}
		}
	}
	// The ingress side: every class, or the peers of the rules that allow the port.
	every := !dc.isolated[Ingress]
	var admitting []*classSet
	for _, r := range dc.rules[Ingress] {
		if every {
			break
		}
		if !r.allows(dc.ports, p, port) {
			continue
		}
		if m := &a.matches[r.id]; m.all {
			every = true
		} else {
			admitting = append(admitting, m)
		}
	}
	return every, func(yield func(int) bool) {
		seen := a.marks()
		defer a.unmark(seen)
		first := seen.first
		if !every {
			for _, m := range admitting {
				for _, s := range m.members {
					if first(s) && a.egressAllows(s, d, p, port) && !yield(int(s)) {
						return
					}
				}
			}
			return
		}
		// Beside the classes nothing restricts for egress, those admin policies judge
		// for egress that allow the port to dst, and those selected by an egress-isolating
		// NetworkPolicy with a rule allowing it.
		for _, s := range a.egressTiered {
			if first(s) && a.egressAllows(s, d, p, port) && !yield(int(s)) {
				return
			}
		}
		for _, s := range a.anyReachingFor(dc, p, port) {
			if first(s) && !yield(int(s)) {
				return
			}
		}
		for _, r := range a.egressAt[d] {
			if !r.allows(dc.ports, p, port) {
				continue
			}
			for _, s := range r.policy.selected {
				if first(s) && !yield(int(s)) {
					return
				}
			}
		}
	}
}

// anyReachingKey is what the egress rules that match every peer are asked about a
// destination: its container ports (named ports resolve against them), protocol and port.
type anyReachingKey struct {
	ports int32
	p     Protocol
	port  int32
}

// anyReachingFor returns the classes selected by a policy with an egress rule of egressAny
// that allows protocol p on port to the destination class dc, each once, in the order the
// rules and their policies' selections give them. The answer depends only on dc's ports, so
// it is worked out once per ports, protocol and port: a scan asks it for every destination
// of a port, and the rules that match every peer grow with the input.
func (a *Analysis) anyReachingFor(dc *class, p Protocol, port int32) []int32 {
	key := anyReachingKey{dc.portsID, p, port}
	a.anyReachingMu.Lock()
	defer a.anyReachingMu.Unlock()
	if got, ok := a.anyReaching[key]; ok {
		return got
	}
	var out []int32
	seen := a.marks()
	defer a.unmark(seen)
	for _, r := range a.egressAny {
		if !r.allows(dc.ports, p, port) {
			continue
		}
		for _, s := range r.policy.selected {
			if seen.first(s) {
				out = append(out, s)
			}
		}
	}
	if a.anyReaching == nil {
		a.anyReaching = map[anyReachingKey][]int32{}
	}
	a.anyReaching[key] = out
	return out
}

// egressAllows reports whether the egress of class s allows protocol p on port to class d.
func (a *Analysis) egressAllows(s, d int32, p Protocol, port int32) bool {
	sc, dc := a.classes[s], a.classes[d]
	t := sc.tiers(Egress)
	ok, _, _ := t.decide(dc.ports, p, port, func(r *rule) bool { return a.matches[r.id].has(int(d)) })
	return ok
}

// Members returns the workloads of class c (indexes into Workloads), ascending.
func (a *Analysis) Members(c int) []int32 { return a.classes[c].members }

// classMarks marks classes, each once: a bitmap over every class that is cleared word by word
// where it was marked, so that a destination's reaching classes cost what they mark, not the
// number of classes.
type classMarks struct {
	words   []uint64
	touched []int32 // the words marked
}

// first marks class c and reports whether it was not marked yet.
func (m *classMarks) first(c int32) bool {
	w, bit := c/64, uint64(1)<<(c%64)
	if m.words[w]&bit != 0 {
		return false
	}
	if m.words[w] == 0 {
		m.touched = append(m.touched, w)
	}
	m.words[w] |= bit
	return true
}

// marks returns cleared marks for the analysis's classes, from its pool; unmark gives them
// back.
func (a *Analysis) marks() *classMarks {
	m, _ := a.marksFree.Get().(*classMarks)
	if m == nil {
		m = &classMarks{words: make([]uint64, (len(a.classes)+63)/64)}
	}
	return m
}

// unmark clears the marks where they were marked and keeps them for the next question.
func (a *Analysis) unmark(m *classMarks) {
	for _, w := range m.touched {
		m.words[w] = 0
	}
	m.touched = m.touched[:0]
	a.marksFree.Put(m)
}
