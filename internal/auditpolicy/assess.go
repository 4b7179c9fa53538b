package auditpolicy

import (
	"slices"
)

// Identities and namespaces a probe uses when the policy does not name them.
const (
	anyUser      = "palisade:any-user"
	anyNamespace = "palisade-any-namespace"
	anyName      = "palisade-any-name"
	authGroup    = "system:authenticated"
	unauthGroup  = "system:unauthenticated"
)

// Outcome is the level one request got and the rule that decided it (-1: none matched).
type Outcome struct {
	Level   Level
	Rule    int
	Request Request
}

// Range is what a policy does to one kind of request over every requester: the least and
// most it logs, and what it logs for an ordinary user in an ordinary namespace.
type Range struct {
	// What names the requests ("secrets", "pods/exec").
	What                 string
	Least, Most, Typical Outcome
	// Leak is the first request found whose log entry holds the object's data: a read
	// (get, list, watch) at RequestResponse, or a write (create, update, patch) at Request or
	// above. Its Rule is -1 when none does.
	Leak Outcome
}

// Assessment is what Assess finds.
type Assessment struct {
	// Secrets, ConfigMaps and TokenReviews should be logged at Metadata only: above it, their
	// values (or the tokens reviewed) are written into the audit log.
	Secrets, ConfigMaps, TokenReviews Range
	// Exec, Attach, PortForward and Proxy are the requests that reach into a running pod.
	Exec, Attach, PortForward, Proxy Range
	// Workloads are writes to pods and the controllers that make them.
	Workloads Range
	// CatchAll is the first rule that matches every request, -1 when there is none; rules
	// after it are never reached.
	CatchAll int
	// Other is what a request no rule names gets (a custom resource created by an ordinary
	// user): None means such requests are not logged at all.
	Other Outcome
	// OmitsRequestReceived is true when the policy omits the RequestReceived stage for every
	// rule, which halves the volume of the log without losing anything.
	OmitsRequestReceived bool
}

// Assess evaluates the policy over every requester that it can tell apart. Matching is by
// equality with the users, groups, namespaces and resource names a rule lists, so the first
// rule a request matches can only depend on which of those it carries: probing each value the
// policy names, plus one it does not, reaches every level the policy can give. A user's groups
// are probed one at a time beside system:authenticated, since a rule matching any of a user's
// groups matches when it matches one.
func (p *Policy) Assess() Assessment {
	space := p.probeSpace()
	reads, writes := []string{"get", "list", "watch"}, []string{"create", "update", "patch"}
	a := Assessment{
		Secrets:      space.rangeOf(p, "secrets", "", "secrets", "", true, reads, writes, []string{"delete"}),
		ConfigMaps:   space.rangeOf(p, "configmaps", "", "configmaps", "", true, reads, writes, []string{"delete"}),
		TokenReviews: space.rangeOf(p, "tokenreviews", "authentication.k8s.io", "tokenreviews", "", false, nil, []string{"create"}, nil),
		Exec:         space.rangeOf(p, "pods/exec", "", "pods", "exec", true, nil, nil, []string{"create", "get"}),
		Attach:       space.rangeOf(p, "pods/attach", "", "pods", "attach", true, nil, nil, []string{"create", "get"}),
		PortForward:  space.rangeOf(p, "pods/portforward", "", "pods", "portforward", true, nil, nil, []string{"create", "get"}),
		CatchAll:     -1,
	}
	a.Proxy = space.rangeOf(p, "pods/proxy", "", "pods", "proxy", true, nil, nil, []string{"get", "create"})
	a.Proxy.merge(space.rangeOf(p, "services/proxy", "", "services", "proxy", true, nil, nil, []string{"get", "create"}))
	a.Proxy.What = "pods/proxy and services/proxy"
	a.Workloads = space.rangeOf(p, "pods", "", "pods", "", true, nil, nil, []string{"create", "update", "patch", "delete"})
	for _, w := range []struct{ group, resource string }{{"apps", "deployments"}, {"apps", "daemonsets"}, {"apps", "statefulsets"}, {"batch", "jobs"}, {"batch", "cronjobs"}} {
		a.Workloads.merge(space.rangeOf(p, w.resource, w.group, w.resource, "", true, nil, nil, []string{"create", "update", "patch", "delete"}))
	}
	a.Workloads.What = "writes to pods, deployments, daemonsets, statefulsets, jobs and cronjobs"
	for i := range p.Rules {
		if p.Rules[i].matchesEverything() {
			a.CatchAll = i
			break
		}
	}
	other := Request{User: anyUser, Groups: []string{authGroup}, Verb: "create", APIGroup: "example.com", Resource: "widgets", Namespace: anyNamespace}
	lvl, rule := p.Evaluate(other)
	a.Other = Outcome{Level: lvl, Rule: rule, Request: other}
	a.OmitsRequestReceived = slices.Contains(p.OmitStages, RequestReceived)
	return a
}

// probeSpace holds the values probes take.
type probeSpace struct {
	users      []string
	groupSets  [][]string
	namespaces []string
	names      []string
}

func (p *Policy) probeSpace() probeSpace {
	s := probeSpace{users: []string{anyUser}, namespaces: []string{anyNamespace}, names: []string{anyName}}
	groups := map[string]bool{}
	s.groupSets = [][]string{{authGroup}, {unauthGroup}}
	for _, r := range p.Rules {
		for _, u := range r.Users {
			if !slices.Contains(s.users, u) {
				s.users = append(s.users, u)
			}
		}
		for _, g := range r.UserGroups {
			if g != authGroup && g != unauthGroup && !groups[g] {
				groups[g] = true
				s.groupSets = append(s.groupSets, []string{g, authGroup})
			}
		}
		for _, n := range r.Namespaces {
			if n != "" && !slices.Contains(s.namespaces, n) {
				s.namespaces = append(s.namespaces, n)
			}
		}
		for _, gr := range r.Resources {
			for _, n := range gr.ResourceNames {
				if !slices.Contains(s.names, n) {
					s.names = append(s.names, n)
				}
			}
		}
	}
	return s
}

// rangeOf probes one resource with the verbs given: reads and writes are also checked for
// leaks, other verbs only for their level.
func (s probeSpace) rangeOf(p *Policy, what, group, resource, sub string, namespaced bool, reads, writes, others []string) Range {
	r := Range{What: what, Leak: Outcome{Rule: -1}}
	first := true
	namespaces := s.namespaces
	if !namespaced {
		namespaces = []string{""}
	}
	verbs := slices.Concat(reads, writes, others)
	for _, verb := range verbs {
		names := s.names
		if verb == "list" || verb == "watch" || verb == "create" && sub == "" {
			names = []string{""}
		}
		for _, user := range s.users {
			for _, groups := range s.groupSets {
				for _, ns := range namespaces {
					for _, name := range names {
						req := Request{User: user, Groups: groups, Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Namespace: ns, Name: name}
						lvl, rule := p.Evaluate(req)
						o := Outcome{Level: lvl, Rule: rule, Request: req}
						if first || lvl.Rank() < r.Least.Level.Rank() {
							r.Least = o
						}
						if first || lvl.Rank() > r.Most.Level.Rank() {
							r.Most = o
						}
						first = false
						if r.Typical.Request.Verb == "" && user == anyUser && ns == namespaces[0] && len(groups) == 1 && groups[0] == authGroup {
							r.Typical = o
						}
						leaks := slices.Contains(reads, verb) && lvl == LevelRequestResponse ||
							slices.Contains(writes, verb) && lvl.Rank() >= LevelRequest.Rank()
						if leaks && !r.Leaks() {
							r.Leak = o
						}
					}
				}
			}
		}
	}
	return r
}

// merge widens r by o: the least of both, the most of both, the first leak, the typical
// outcome that logs less.
func (r *Range) merge(o Range) {
	if o.Least.Level.Rank() < r.Least.Level.Rank() {
		r.Least = o.Least
	}
	if o.Most.Level.Rank() > r.Most.Level.Rank() {
		r.Most = o.Most
	}
	if o.Typical.Level.Rank() < r.Typical.Level.Rank() {
		r.Typical = o.Typical
	}
	if r.Leak.Request.Verb == "" {
		r.Leak = o.Leak
	}
}

// Leaks reports whether some request of the range writes the object's data to the log.
func (r Range) Leaks() bool { return r.Leak.Request.Verb != "" }
