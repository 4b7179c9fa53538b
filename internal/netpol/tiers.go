package netpol

// tiers are the rules one direction of a pod is judged by, in the order the API evaluates
// them (policy.networking.k8s.io v1alpha1, AdminNetworkPolicySpec.Priority and the rule
// actions): the AdminNetworkPolicy rules first, the first that matches deciding (Allow and
// Deny are final, Pass hands the connection on); then the NetworkPolicies, when one isolates
// the pod; otherwise the BaselineAdminNetworkPolicy rules, first match deciding; otherwise
// the connection is allowed.
type tiers struct {
	// admin are the AdminNetworkPolicy rules, by priority, policy name and rule order.
	admin    []*rule
	isolated bool
	np       []*rule
	// baseline are the BaselineAdminNetworkPolicy rules; empty when isolated, where they
	// never apply.
	baseline []*rule
}

// plain reports whether only NetworkPolicies govern the direction.
func (t *tiers) plain() bool { return len(t.admin) == 0 && len(t.baseline) == 0 }

// open reports whether nothing restricts the direction.
func (t *tiers) open() bool { return !t.isolated && t.plain() }

// conns is what the tiers allow with one peer, match telling whose peers match it,
// towards a destination with these container ports. Each admin rule takes the connections
// it matches out of those still undecided, so a rule denying TCP 80 leaves TCP 443 to the
// rules after it.
func (t *tiers) conns(ports []ContainerPort, match func(*rule) bool) ConnSet {
	if t.open() {
		return AllConns()
	}
	allowed, passed, rest := firstMatches(t.admin, ports, match)
	lower := passed.Union(rest)
	if lower.IsEmpty() {
		return allowed
	}
	return allowed.Union(lower.Intersect(t.lowerConns(ports, match)))
}

// lowerConns is what the NetworkPolicies allow, or the baseline when none isolates.
func (t *tiers) lowerConns(ports []ContainerPort, match func(*rule) bool) ConnSet {
	if t.isolated {
		var allowed ConnSet
		for _, r := range t.np {
			if match(r) {
				allowed = allowed.Union(r.connsTo(ports))
			}
		}
		return allowed
	}
	allowed, _, rest := firstMatches(t.baseline, ports, match)
	return allowed.Union(rest)
}

// firstMatches hands each connection to the first of the rules that matches it, and returns
// what Allow rules took, what Pass rules took, and what no rule matched.
func firstMatches(rules []*rule, ports []ContainerPort, match func(*rule) bool) (allowed, passed, rest ConnSet) {
	rest = AllConns()
	for _, r := range rules {
		if rest.IsEmpty() {
			break
		}
		if !match(r) {
			continue
		}
		c := r.connsTo(ports).Intersect(rest)
		rest = rest.Subtract(c)
		switch r.action {
		case actAllow:
			allowed = allowed.Union(c)
		case actPass:
			passed = passed.Union(c)
		}
	}
	return allowed, passed, rest
}

// decide is the verdict on protocol p on port, with the admin rule that decides or passes
// it and the baseline rule that decides it (nil when none does).
func (t *tiers) decide(ports []ContainerPort, p Protocol, port int32, match func(*rule) bool) (allowed bool, admin, baseline *rule) {
	for _, r := range t.admin {
		if match(r) && r.allows(ports, p, port) {
			if r.action != actPass {
				return r.action == actAllow, r, nil
			}
			admin = r
			break
		}
	}
	if t.isolated {
		for _, r := range t.np {
			if match(r) && r.allows(ports, p, port) {
				return true, admin, nil
			}
		}
		return false, admin, nil
	}
	for _, r := range t.baseline {
		if match(r) && r.allows(ports, p, port) {
			return r.action == actAllow, admin, r
		}
	}
	return true, admin, nil
}
