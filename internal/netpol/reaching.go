package netpol

// indexEgress records what Reaching reads of the egress side: the classes no policy
// isolates for egress, and per class the egress rules whose peers name it.
func (a *Analysis) indexEgress() {
	a.egressAt = make([][]*rule, len(a.classes))
	for i, cl := range a.classes {
		if !cl.isolated[Egress] {
			a.egressOpen = append(a.egressOpen, int32(i))
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
			if cp.Name == n.name && cp.Protocol == n.protocol && cp.Protocol == p && cp.Port == port {
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

// EgressOpen returns the classes no policy isolates for egress, ascending.
func (a *Analysis) EgressOpen() []int32 { return a.egressOpen }

// ReachingSplit is Reaching for a caller that sums over EgressOpen once for many
// destinations: open says whether every class of EgressOpen reaches dst, and rest yields the
// classes that reach it beside those (all of them when open is false).
func (a *Analysis) ReachingSplit(dst int, p Protocol, port int32) (open bool, rest func(yield func(int) bool)) {
	d := a.classOf[dst]
	dc := a.classes[d]
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
		seen := make([]uint64, (len(a.classes)+63)/64)
		first := func(c int32) bool {
			if seen[c/64]&(1<<(c%64)) != 0 {
				return false
			}
			seen[c/64] |= 1 << (c % 64)
			return true
		}
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
		// Beside the classes no policy isolates for egress, those selected by an
		// egress-isolating policy with a rule allowing the port to dst.
		for _, rs := range [][]*rule{a.egressAny, a.egressAt[d]} {
			for _, r := range rs {
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
}

// egressAllows reports whether the egress of class s allows protocol p on port to class d.
func (a *Analysis) egressAllows(s, d int32, p Protocol, port int32) bool {
	sc, dc := a.classes[s], a.classes[d]
	if !sc.isolated[Egress] {
		return true
	}
	for _, r := range sc.rules[Egress] {
		if a.matches[r.id].has(int(d)) && r.allows(dc.ports, p, port) {
			return true
		}
	}
	return false
}

// Members returns the workloads of class c (indexes into Workloads), ascending.
func (a *Analysis) Members(c int) []int32 { return a.classes[c].members }
