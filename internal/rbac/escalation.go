package rbac

// Escalation paths: for every subject that is not cluster-admin-equivalent already, the
// shortest sequence of steps, each allowed by a grant of the Index, that ends with rights
// equal to cluster-admin's.
//
// The graph's vertices are identities (users, groups, ServiceAccounts, a node's credentials)
// and three kinds of places that are not identities: the pods of a namespace, a role's rules
// bound where a subject may bind it, and cluster-admin itself. Its edges are the steps below,
// each documented with why it escalates; a subject's groups are reached at no cost (a member
// holds whatever its groups hold). The graph is built once from the Index, and one 0-1
// breadth-first search from the cluster-admin-equivalent vertices over the reversed edges
// gives every vertex its distance and its next step at once.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Path is how a subject reaches cluster-admin-equivalent rights.
type Path struct {
	// Subject is where the path starts, as ParseSubject reads it (user:alice, group:dev,
	// sa:ns/name).
	Subject string `json:"subject"`
	Steps   []Step `json:"steps"`
	// Admin is the grant that makes the last identity of the path cluster-admin-equivalent;
	// nil when it is a member of system:masters (Masters) or the last step itself is admin.
	Admin   *Grant `json:"admin,omitempty"`
	Masters bool   `json:"masters,omitempty"`
	// Assumptions name what the path takes for granted because the input does not say (a
	// namespace not in the input, assumed to admit privileged pods).
	Assumptions []string `json:"assumptions,omitempty"`
}

// Step is one move of a path: what the subject does, the grant that allows it (nil for a move
// no RBAC grant decides, such as using a node's credentials), and the identity it acts as
// afterwards ("cluster-admin" when the move itself gives every right).
type Step struct {
	Action string `json:"action"`
	Grant  *Grant `json:"grant,omitempty"`
	To     string `json:"to"`
}

// ClusterAdmin names the rights a path ends with.
const ClusterAdmin = "cluster-admin"

// nodeIdentity is the user a node's credentials authenticate as, for any node: the kubelet's
// client certificate names system:node:<node name> in group system:nodes.
const nodeIdentity = "system:node:*"

// workloadKinds are the kinds whose creation runs a pod as a ServiceAccount of the namespace
// the creator chooses: pods themselves and every controller with a pod template.
var workloadKinds = []Attributes{
	{Verb: "create", Resource: "pods"},
	{Verb: "create", APIGroup: "apps", Resource: "deployments"},
	{Verb: "create", APIGroup: "apps", Resource: "daemonsets"},
	{Verb: "create", APIGroup: "apps", Resource: "statefulsets"},
	{Verb: "create", APIGroup: "apps", Resource: "replicasets"},
	{Verb: "create", APIGroup: "batch", Resource: "jobs"},
	{Verb: "create", APIGroup: "batch", Resource: "cronjobs"},
	{Verb: "create", Resource: "replicationcontrollers"},
}

// everything is the request a rule of "*" verbs on "*" resources of "*" groups allows, and
// nothing less: asked with these attributes, the matcher finds only such rules.
var everything = Attributes{Verb: rbacv1.VerbAll, APIGroup: rbacv1.APIGroupAll, Resource: rbacv1.ResourceAll}

const rbacGroup = rbacv1.GroupName

type vertexKind uint8

const (
	vUser vertexKind = iota
	vGroup
	vServiceAccount
	vNode  // a node's credentials
	vHub   // what one grant reaches at once: a hub* of a namespace, or of every one ("")
	vRole  // a role's rules, bound in a namespace or cluster-wide
	vAdmin // cluster-admin
)

// Hubs stand for everything of a kind a grant without resourceNames reaches, so that a
// ClusterRoleBinding that creates pods everywhere is one edge, not one per ServiceAccount of
// the cluster. A hub of every namespace fans out to the hub of each, and that to the
// identities, at no cost.
const (
	hubPods              = "pods"
	hubTokens            = "tokens"
	hubImpersonateSAs    = "impersonate-serviceaccounts"
	hubImpersonateUsers  = "impersonate-users"
	hubImpersonateGroups = "impersonate-groups"
	hubBindClusterRoles  = "bind-clusterroles"
	hubBindRoles         = "bind-roles"
)

type vertexKey struct {
	kind            vertexKind
	namespace, name string
	role            *role
}

type vertex struct {
	vertexKey
	subject Subject // for identities
}

func (v *vertex) identity() bool { return v.kind <= vNode }

// String names the vertex as a path shows it.
func (v *vertex) String() string {
	switch v.kind {
	case vUser:
		return "user:" + v.name
	case vGroup:
		return "group:" + v.name
	case vServiceAccount:
		return "sa:" + v.namespace + "/" + v.name
	case vNode:
		return "node credentials (" + nodeIdentity + ")"
	case vHub:
		return v.name + " of namespace " + v.namespace
	case vRole:
		if v.namespace == "" {
			return v.role.ref.String() + " cluster-wide"
		}
		return v.role.ref.String() + " in namespace " + v.namespace
	}
	return ClusterAdmin
}

type edgeKind uint8

const (
	eMember      edgeKind = iota // an identity's group: no cost
	ePods                        // create a pod or workload in a namespace
	eFan                         // a hub reaches what it stands for: no cost
	ePrivileged                  // a privileged hostPath pod of the namespace reads the node's credentials: no cost
	eNodeSecret                  // the node's credentials read a mounted ServiceAccount's token
	eToken                       // create serviceaccounts/token
	eImpersonate                 // impersonate a user, group or ServiceAccount
	eBind                        // bind a role and create a binding to it
	eEscalate                    // escalate and update ClusterRoles
)

// edge is one move. Its grant is binding's subject subj through rule of role; binding is -1
// for a role's rules reached by binding it (no binding exists yet), and role is nil for moves
// no grant decides.
type edge struct {
	from, to int32
	kind     edgeKind
	attrs    int32 // the request the move makes, in escalationGraph.requests
	binding  int32
	subj     int32
	role     *role
	rule     int32
}

func (e *edge) cost() int32 {
	switch e.kind {
	case eMember, eFan, ePrivileged:
		return 0
	}
	return 1
}

// capabilities are the rules of a role that make escalation moves, by index; -1 or empty
// when it has none.
type capabilities struct {
	pods                        int32 // creates a pod or workload
	podKind                     Attributes
	token, impersonate, bind    []int32
	escalate, everythingAllowed int32
}

func (c *capabilities) any() bool {
	return c.pods >= 0 || len(c.token) > 0 || len(c.impersonate) > 0 || len(c.bind) > 0 || c.escalate >= 0 || c.everythingAllowed >= 0
}

// anyName is rule without its resourceNames: whether it would allow a request for some name.
func anyName(rule *rbacv1.PolicyRule) *rbacv1.PolicyRule {
	if len(rule.ResourceNames) == 0 {
		return rule
	}
	r := *rule
	r.ResourceNames = nil
	return &r
}

func capabilitiesOf(r *role) capabilities {
	c := capabilities{pods: -1, escalate: -1, everythingAllowed: -1}
	for i := range r.rules {
		rule := &r.rules[i]
		named := anyName(rule)
		if c.pods < 0 {
			for _, k := range workloadKinds {
				if ruleAllows(rule, &k) {
					c.pods, c.podKind = int32(i), k
					break
				}
			}
		}
		if ruleAllows(named, &Attributes{Verb: "create", Resource: "serviceaccounts", Subresource: "token"}) {
			c.token = append(c.token, int32(i))
		}
		for _, res := range []string{"users", "groups", "serviceaccounts"} {
			if ruleAllows(named, &Attributes{Verb: "impersonate", Resource: res}) {
				c.impersonate = append(c.impersonate, int32(i))
				break
			}
		}
		for _, res := range []string{"clusterroles", "roles"} {
			if ruleAllows(named, &Attributes{Verb: "bind", APIGroup: rbacGroup, Resource: res}) {
				c.bind = append(c.bind, int32(i))
				break
			}
		}
		if c.escalate < 0 && ruleAllows(rule, &Attributes{Verb: "escalate", APIGroup: rbacGroup, Resource: "clusterroles"}) {
			c.escalate = int32(i)
		}
		if c.everythingAllowed < 0 && ruleAllows(rule, &everything) {
			c.everythingAllowed = int32(i)
		}
	}
	return c
}

// escalationGraph is built once per Escalations call.
type escalationGraph struct {
	x        *Index
	sur      *Surroundings
	vertices []vertex
	ids      map[vertexKey]int32
	edges    []edge
	caps     map[*role]*capabilities
	// namespaces, sorted; serviceAccounts by namespace, sorted, default included.
	namespaces      []string
	serviceAccounts map[string][]string
	// bindable are the roles with a capability, for bind without resourceNames: ClusterRoles
	// under "", Roles under their namespace.
	bindable map[string][]*role
	// pending are role vertices whose moves are still to add.
	pending []int32
	// requests are the requests moves make, each once; requestIDs finds them.
	requests   []Attributes
	requestIDs map[Attributes]int32
	// mayCreateBindings remembers whether a vertex may create bindings in a namespace.
	mayCreateBindings map[vertexKey]bool
	// admins are the identities a ClusterRoleBinding makes cluster-admin-equivalent, each with
	// the first grant that does.
	admins map[int32]Grant
}

func (g *escalationGraph) vertex(k vertexKey) int32 {
	if id, ok := g.ids[k]; ok {
		return id
	}
	id := int32(len(g.vertices))
	v := vertex{vertexKey: k}
	switch k.kind {
	case vUser:
		v.subject = User(k.name)
	case vGroup:
		v.subject = Group(k.name)
	case vServiceAccount:
		v.subject = ServiceAccount(k.namespace, k.name)
	case vNode:
		v.subject = Subject{User: nodeIdentity, Groups: []string{"system:nodes", Authenticated}}
	case vRole:
		g.pending = append(g.pending, id)
	}
	g.vertices = append(g.vertices, v)
	g.ids[k] = id
	return id
}

// request is the number of request a among the graph's requests.
func (g *escalationGraph) request(a Attributes) int32 {
	if id, ok := g.requestIDs[a]; ok {
		return id
	}
	id := int32(len(g.requests))
	g.requests = append(g.requests, a)
	g.requestIDs[a] = id
	return id
}

// existing is the vertex of k when the graph has it.
func (g *escalationGraph) existing(k vertexKey) (int32, bool) {
	id, ok := g.ids[k]
	return id, ok
}

func (g *escalationGraph) capabilities(r *role) *capabilities {
	if c, ok := g.caps[r]; ok {
		return c
	}
	c := capabilitiesOf(r)
	g.caps[r] = &c
	return &c
}

// subjectVertex is the vertex of a binding subject, or false for one that names no one.
func subjectVertex(s *rbacv1.Subject, bindingNamespace string) (vertexKey, bool) {
	switch s.Kind {
	case rbacv1.UserKind:
		if ns, name, ok := splitServiceAccountUser(s.Name); ok {
			return vertexKey{kind: vServiceAccount, namespace: ns, name: name}, true
		}
		return vertexKey{kind: vUser, name: s.Name}, true
	case rbacv1.GroupKind:
		return vertexKey{kind: vGroup, name: s.Name}, true
	case rbacv1.ServiceAccountKind:
		if ns := serviceAccountNamespace(s, bindingNamespace); ns != "" {
			return vertexKey{kind: vServiceAccount, namespace: ns, name: s.Name}, true
		}
	}
	return vertexKey{}, false
}

// Escalations returns, for every subject the input names (binding subjects and the
// ServiceAccounts of sur) that is not cluster-admin-equivalent, the shortest path to
// cluster-admin-equivalent rights, sorted by subject. Cluster-admin-equivalent is what the
// authorizer allows every verb on every resource of every group, cluster-wide (a rule of "*"
// on "*" through a ClusterRoleBinding), or membership of system:masters.
//
// The moves, and why each escalates:
//
//   - Creating pods, or a workload that creates them (Deployment, DaemonSet, StatefulSet,
//     ReplicaSet, Job, CronJob, ReplicationController), in namespace N: the pod may name any
//     ServiceAccount of N, and its mounted token authenticates as that ServiceAccount. The
//     ServiceAccounts of N are those of sur, those bindings name, and default.
//   - Creating serviceaccounts/token for ServiceAccount X (resourceNames respected): the
//     TokenRequest API returns a token of X.
//   - Impersonating a user, group or ServiceAccount (resourceNames respected): every request
//     is made as that identity. Impersonating a group is honoured only beside a user, so it is
//     a move only when the same role also impersonates users or ServiceAccounts; impersonating
//     system:masters is cluster-admin.
//   - bind on a role R (resourceNames respected) together with creating RoleBindings (in the
//     binding's namespace) or ClusterRoleBindings: the subject binds R to itself and holds its
//     rules there; bind on a ClusterRole that allows everything, with ClusterRoleBindings,
//     is cluster-admin. escalate on ClusterRoles with update or patch on them: the subject
//     writes any rule into a ClusterRole bound to it, so it is cluster-admin.
//   - A node's credentials: creating a pod in a namespace that admits privileged pods with
//     hostPath volumes (no Pod Security Admission enforce label of baseline or restricted on
//     the Namespace; a namespace the input does not define is assumed to admit them, and the
//     path says so) reads the kubelet's credentials from the host, system:node:<name> in
//     system:nodes. The Node authorizer lets a node read the Secrets and tokens of its own
//     pods only, but any pod may be scheduled next to the attacker's, so the node's
//     credentials reach every ServiceAccount a pod or workload of the input mounts.
//
// Moves of a role reached by bind are its pod creation, token and impersonation moves in
// the namespace it is bound in; bind and escalate need the subject's other rights, which a
// role alone does not say.
func (x *Index) Escalations(sur *Surroundings) []Path {
	if sur == nil {
		sur = &Surroundings{}
	}
	g := x.escalationGraph(sur)
	dist, next := g.search()
	var out []Path
	for id := range g.vertices {
		v := &g.vertices[id]
		if v.kind == vNode || !v.identity() || dist[id] <= 0 {
			continue
		}
		out = append(out, g.path(int32(id), next))
	}
	slices.SortFunc(out, func(a, b Path) int { return cmp.Compare(a.Subject, b.Subject) })
	return out
}

func (x *Index) escalationGraph(sur *Surroundings) *escalationGraph {
	g := &escalationGraph{
		x: x, sur: sur, ids: map[vertexKey]int32{}, caps: map[*role]*capabilities{},
		serviceAccounts: map[string][]string{}, bindable: map[string][]*role{},
		requestIDs: map[Attributes]int32{}, mayCreateBindings: map[vertexKey]bool{},
		// Most bindings give a move or two; the identities' memberships add about as many.
		edges: make([]edge, 0, 2*len(x.bindings)),
	}
	g.collectServiceAccounts()
	// Identities: every binding subject, every ServiceAccount; then their groups.
	for bi := range x.bindings {
		b := &x.bindings[bi]
		for j := range b.subjects {
			if k, ok := subjectVertex(&b.subjects[j], b.namespace()); ok {
				g.vertex(k)
			}
		}
	}
	for _, ns := range g.namespaces {
		for _, name := range g.serviceAccounts[ns] {
			g.vertex(vertexKey{kind: vServiceAccount, namespace: ns, name: name})
		}
	}
	if len(sur.Mounted) > 0 {
		g.vertex(vertexKey{kind: vNode})
	}
	g.vertex(vertexKey{kind: vGroup, name: Masters})
	for id := range g.vertices {
		for _, grp := range g.vertices[id].subject.Groups {
			if to, ok := g.existing(vertexKey{kind: vGroup, name: grp}); ok && to != int32(id) {
				g.edges = append(g.edges, edge{from: int32(id), to: to, kind: eMember, binding: -1})
			}
		}
	}
	g.collectBindable()
	g.collectAdmins()
	if node, hasNode := g.existing(vertexKey{kind: vNode}); hasNode {
		for _, m := range sur.Mounted {
			sa := g.vertex(vertexKey{kind: vServiceAccount, namespace: m.Namespace, name: m.Name})
			g.edges = append(g.edges, edge{from: node, to: sa, kind: eNodeSecret, binding: -1})
		}
	}
	// Moves the bindings grant.
	for bi := range x.bindings {
		b := &x.bindings[bi]
		if b.role == nil {
			continue
		}
		c := g.capabilities(b.role)
		if !c.any() {
			continue
		}
		for j := range b.subjects {
			k, ok := subjectVertex(&b.subjects[j], b.namespace())
			if !ok {
				continue
			}
			from := g.ids[k]
			g.addMoves(from, b.role, c, b.namespace(), int32(bi), int32(j))
		}
	}
	for len(g.pending) > 0 {
		id := g.pending[0]
		g.pending = g.pending[1:]
		v := &g.vertices[id]
		g.addMoves(id, v.role, g.capabilities(v.role), v.namespace, -1, -1)
	}
	return g
}

// collectServiceAccounts gathers the namespaces and the ServiceAccounts of each.
func (g *escalationGraph) collectServiceAccounts() {
	seen := map[NamespacedName]bool{}
	add := func(ns, name string) {
		if ns == "" || seen[NamespacedName{ns, name}] {
			return
		}
		seen[NamespacedName{ns, name}] = true
		g.serviceAccounts[ns] = append(g.serviceAccounts[ns], name)
	}
	for _, sa := range g.sur.ServiceAccounts {
		add(sa.Namespace, sa.Name)
	}
	for _, m := range g.sur.Mounted {
		add(m.Namespace, m.Name)
	}
	for bi := range g.x.bindings {
		b := &g.x.bindings[bi]
		add(b.namespace(), "default")
		for j := range b.subjects {
			if k, ok := subjectVertex(&b.subjects[j], b.namespace()); ok && k.kind == vServiceAccount {
				add(k.namespace, k.name)
			}
		}
	}
	for ref := range g.x.roles {
		add(ref.Namespace, "default")
	}
	for ns := range g.sur.NamespaceLabels {
		add(ns, "default")
	}
	for ns, names := range g.serviceAccounts {
		if !seen[NamespacedName{ns, "default"}] {
			seen[NamespacedName{ns, "default"}] = true
			names = append(names, "default")
		}
		slices.Sort(names)
		g.serviceAccounts[ns] = names
		g.namespaces = append(g.namespaces, ns)
	}
	slices.Sort(g.namespaces)
}

// collectBindable lists the roles with a capability, by the namespace they can be bound in
// ("" for ClusterRoles), the first by name of those whose moves are the same: bind without
// resourceNames binds any of them, and one of each kind of moves is enough to find a path
// (thousands of roles, each bound in each namespace, would be thousands of vertices each).
func (g *escalationGraph) collectBindable() {
	all := map[string][]*role{}
	for _, r := range g.x.roles {
		if g.capabilities(r).any() {
			all[r.ref.Namespace] = append(all[r.ref.Namespace], r)
		}
	}
	for ns, rs := range all {
		slices.SortFunc(rs, func(a, b *role) int { return cmp.Compare(a.ref.Name, b.ref.Name) })
		seen := map[string]bool{}
		for _, r := range rs {
			if k := g.movesKey(r); !seen[k] {
				seen[k] = true
				g.bindable[ns] = append(g.bindable[ns], r)
			}
		}
	}
}

// movesKey is the same for two roles whose rules make the same moves once bound.
func (g *escalationGraph) movesKey(r *role) string {
	c := g.capabilities(r)
	var k strings.Builder
	fmt.Fprint(&k, c.pods >= 0, c.everythingAllowed >= 0)
	for _, i := range slices.Concat(c.token, c.impersonate) {
		rule := &r.rules[i]
		k.WriteString("\x00" + strings.Join(normalRule(*rule).Verbs, ",") + "\x01" + ruleKey(*rule))
	}
	return k.String()
}

// scopeNamespaces are the namespaces a grant bound in ns reaches: ns, or all for "".
func (g *escalationGraph) scopeNamespaces(ns string) []string {
	if ns == "" {
		return g.namespaces
	}
	return []string{ns}
}

// hub is the vertex of hub name for namespace ns ("" for every namespace; always "" for the
// users and groups hubs), made with its edges the first time it is asked for.
func (g *escalationGraph) hub(name, ns string) int32 {
	k := vertexKey{kind: vHub, name: name, namespace: ns}
	if id, ok := g.ids[k]; ok {
		return id
	}
	id := g.vertex(k)
	fan := func(to int32, kind edgeKind) {
		g.edges = append(g.edges, edge{from: id, to: to, kind: kind, binding: -1})
	}
	switch {
	case name == hubBindClusterRoles || name == hubBindRoles:
		from := ""
		if name == hubBindRoles {
			from = ns
		}
		for _, r := range g.bindable[from] {
			fan(g.vertex(vertexKey{kind: vRole, namespace: ns, role: r}), eFan)
		}
	case name == hubImpersonateUsers || name == hubImpersonateGroups:
		want := vUser
		if name == hubImpersonateGroups {
			want = vGroup
		}
		for to := range int32(len(g.vertices)) {
			if g.vertices[to].kind == want {
				fan(to, eFan)
			}
		}
	case ns == "":
		for _, n := range g.namespaces {
			fan(g.hub(name, n), eFan)
		}
	default:
		for _, sa := range g.serviceAccounts[ns] {
			fan(g.ids[vertexKey{kind: vServiceAccount, namespace: ns, name: sa}], eFan)
		}
		if node, ok := g.existing(vertexKey{kind: vNode}); ok && name == hubPods {
			if allowed, _ := g.sur.privilegedPodsAllowed(ns); allowed {
				fan(node, ePrivileged)
			}
		}
	}
	return id
}

// named moves to each identity of want in the namespaces of the scope ns (users and groups:
// cluster-wide only) whose name a rule with resourceNames lists, when the rule allows the
// request a made for it.
func (g *escalationGraph) named(rule *rbacv1.PolicyRule, want vertexKind, ns string, a Attributes, move func(int32, Attributes)) {
	for _, name := range rule.ResourceNames {
		a.Name = name
		if want != vServiceAccount {
			if id, ok := g.existing(vertexKey{kind: want, name: name}); ok && ruleAllows(rule, &a) {
				move(id, a)
			}
			continue
		}
		for _, n := range g.scopeNamespaces(ns) {
			a.Namespace = n
			if id, ok := g.existing(vertexKey{kind: want, namespace: n, name: name}); ok && ruleAllows(rule, &a) {
				move(id, a)
			}
		}
	}
}

// addMoves adds the moves role r bound in ns ("" cluster-wide) gives vertex from, through
// subject subj of binding bi (-1 for a role reached by bind).
func (g *escalationGraph) addMoves(from int32, r *role, c *capabilities, ns string, bi, subj int32) {
	move := func(to int32, kind edgeKind, rule int32, a Attributes) {
		g.edges = append(g.edges, edge{from: from, to: to, kind: kind, attrs: g.request(a), binding: bi, subj: subj, role: r, rule: rule})
	}
	if c.everythingAllowed >= 0 && ns == "" && bi < 0 {
		return // a role vertex that allows everything is admin itself
	}
	if c.pods >= 0 {
		a := c.podKind
		a.Namespace = ns
		move(g.hub(hubPods, ns), ePods, c.pods, a)
	}
	for _, i := range c.token {
		rule := &r.rules[i]
		a := Attributes{Verb: "create", Resource: "serviceaccounts", Subresource: "token", Namespace: ns}
		if len(rule.ResourceNames) == 0 {
			move(g.hub(hubTokens, ns), eToken, i, a)
			continue
		}
		g.named(rule, vServiceAccount, ns, a, func(to int32, a Attributes) { move(to, eToken, i, a) })
	}
	if len(c.impersonate) > 0 {
		g.addImpersonation(r, c, ns, move)
	}
	if bi < 0 {
		return // bind and escalate need the subject's other rights
	}
	who := g.vertices[from].subject
	for _, i := range c.bind {
		if g.mayCreateBinding(from, ns) {
			g.addBind(&r.rules[i], i, ns, move)
		}
	}
	if c.escalate >= 0 && ns == "" &&
		(g.x.Allowed(who, Attributes{Verb: "update", APIGroup: rbacGroup, Resource: "clusterroles"}).Allowed ||
			g.x.Allowed(who, Attributes{Verb: "patch", APIGroup: rbacGroup, Resource: "clusterroles"}).Allowed) {
		move(g.vertex(vertexKey{kind: vAdmin}), eEscalate, c.escalate,
			Attributes{Verb: "escalate", APIGroup: rbacGroup, Resource: "clusterroles"})
	}
}

// addImpersonation adds the impersonation moves of role r bound in ns: users and groups only
// cluster-wide (they are cluster-scoped), groups only when the role also impersonates a user
// or ServiceAccount (the API server refuses Impersonate-Group without Impersonate-User).
func (g *escalationGraph) addImpersonation(r *role, c *capabilities, ns string, move func(int32, edgeKind, int32, Attributes)) {
	targets := []struct {
		resource, hub string
		kind          vertexKind
	}{
		{"users", hubImpersonateUsers, vUser},
		{"serviceaccounts", hubImpersonateSAs, vServiceAccount},
		{"groups", hubImpersonateGroups, vGroup},
	}
	impersonatesUser := false
	for _, t := range targets {
		if t.kind != vServiceAccount && ns != "" {
			continue
		}
		if t.kind == vGroup && !impersonatesUser {
			return
		}
		for _, i := range c.impersonate {
			rule := &r.rules[i]
			a := Attributes{Verb: "impersonate", Resource: t.resource}
			if t.kind == vServiceAccount {
				a.Namespace = ns
			}
			if !ruleAllows(anyName(rule), &a) {
				continue
			}
			to := func(id int32, a Attributes) {
				move(id, eImpersonate, i, a)
				impersonatesUser = true
			}
			if len(rule.ResourceNames) == 0 {
				hubNS := ns
				if t.kind != vServiceAccount {
					hubNS = ""
				}
				to(g.hub(t.hub, hubNS), a)
				continue
			}
			g.named(rule, t.kind, ns, a, to)
		}
	}
}

// mayCreateBinding reports whether identity id may create a ClusterRoleBinding (ns "") or a
// RoleBinding in ns, asked once per identity and namespace.
func (g *escalationGraph) mayCreateBinding(id int32, ns string) bool {
	k := vertexKey{kind: g.vertices[id].kind, namespace: ns, name: g.vertices[id].String()}
	may, ok := g.mayCreateBindings[k]
	if !ok {
		resource := "clusterrolebindings"
		if ns != "" {
			resource = "rolebindings"
		}
		may = g.x.Allowed(g.vertices[id].subject, Attributes{Verb: "create", APIGroup: rbacGroup, Resource: resource, Namespace: ns}).Allowed
		g.mayCreateBindings[k] = may
	}
	return may
}

// addBind adds the bind moves of rule (index i), bound in ns, of a subject that may create the
// binding: to each role with a capability the rule may bind.
func (g *escalationGraph) addBind(rule *rbacv1.PolicyRule, i int32, ns string, move func(int32, edgeKind, int32, Attributes)) {
	if len(rule.ResourceNames) == 0 {
		for _, h := range []struct{ resource, hub string }{{"clusterroles", hubBindClusterRoles}, {"roles", hubBindRoles}} {
			a := Attributes{Verb: "bind", APIGroup: rbacGroup, Resource: h.resource, Namespace: ns}
			if (ns != "" || h.hub == hubBindClusterRoles) && ruleAllows(rule, &a) {
				move(g.hub(h.hub, ns), eBind, i, a)
			}
		}
		return
	}
	for _, name := range rule.ResourceNames {
		for _, ref := range []RoleRef{{Kind: "ClusterRole", Name: name}, {Kind: "Role", Namespace: ns, Name: name}} {
			r, ok := g.x.roles[ref]
			if !ok || (ns == "" && ref.Kind == "Role") || !g.capabilities(r).any() {
				continue
			}
			a := Attributes{Verb: "bind", APIGroup: rbacGroup, Resource: "clusterroles", Name: name, Namespace: ns}
			if ref.Kind == "Role" {
				a.Resource = "roles"
			}
			if ruleAllows(rule, &a) {
				move(g.vertex(vertexKey{kind: vRole, namespace: ns, role: r}), eBind, i, a)
			}
		}
	}
}

// admin reports whether vertex id is cluster-admin-equivalent by itself, and how.
func (g *escalationGraph) admin(id int32) (Decision, bool) {
	v := &g.vertices[id]
	switch v.kind {
	case vAdmin:
		return Decision{Allowed: true}, true
	case vRole:
		if c := g.capabilities(v.role); c.everythingAllowed >= 0 && v.namespace == "" {
			return Decision{Allowed: true}, true
		}
		return Decision{}, false
	case vHub:
		return Decision{}, false
	}
	if v.kind == vGroup && v.name == Masters {
		return Decision{Allowed: true, Masters: true}, true
	}
	gr, ok := g.admins[id]
	if !ok {
		return Decision{}, false
	}
	return Decision{Allowed: true, Grant: &gr}, true
}

// collectAdmins finds the identities a ClusterRoleBinding names that hold a rule allowing
// everything: what Allowed(subject, everything) finds, with each identity's groups reached by
// the membership moves instead of asked again for every member.
func (g *escalationGraph) collectAdmins() {
	g.admins = map[int32]Grant{}
	for bi := range g.x.bindings {
		b := &g.x.bindings[bi]
		if b.role == nil || b.ref.Kind != "ClusterRoleBinding" {
			continue
		}
		i := g.capabilities(b.role).everythingAllowed
		if i < 0 {
			continue
		}
		for j := range b.subjects {
			k, ok := subjectVertex(&b.subjects[j], "")
			if !ok {
				continue
			}
			if id, ok := g.ids[k]; ok {
				if _, seen := g.admins[id]; !seen {
					g.admins[id] = g.x.grant(b, int32(j), int(i))
				}
			}
		}
	}
}

// search runs a 0-1 breadth-first search from the cluster-admin-equivalent vertices over the
// reversed edges: dist is each vertex's number of moves to admin rights (-1 when it has
// none), next the index of its first edge on a shortest path (-1 at admin vertices).
func (g *escalationGraph) search() (dist, next []int32) {
	n := len(g.vertices)
	// The reversed edges, grouped by their target (compressed rows).
	start := make([]int32, n+1)
	for i := range g.edges {
		start[g.edges[i].to+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	into := make([]int32, len(g.edges))
	fill := slices.Clone(start[:n])
	for i := range g.edges {
		to := g.edges[i].to
		into[fill[to]] = int32(i)
		fill[to]++
	}
	dist = make([]int32, n)
	next = make([]int32, n)
	// A deque as a ring buffer would do; two slices suffice: the current distance's vertices
	// (cost-0 moves add to it) and the next's.
	var cur, later []int32
	for id := range n {
		next[id] = -1
		dist[id] = -1
		if _, ok := g.admin(int32(id)); ok {
			dist[id] = 0
			cur = append(cur, int32(id))
		}
	}
	for d := int32(0); len(cur) > 0; d++ {
		for k := 0; k < len(cur); k++ {
			v := cur[k]
			if dist[v] != d {
				continue // reached again at a lower distance after being queued
			}
			for _, ei := range into[start[v]:start[v+1]] {
				e := &g.edges[ei]
				nd := d + e.cost()
				if dist[e.from] >= 0 && dist[e.from] <= nd {
					continue
				}
				dist[e.from], next[e.from] = nd, ei
				if nd == d {
					cur = append(cur, e.from)
				} else {
					later = append(later, e.from)
				}
			}
		}
		cur, later = later, cur[:0]
	}
	return dist, next
}

// path follows next from vertex id to an admin vertex.
func (g *escalationGraph) path(id int32, next []int32) Path {
	p := Path{Subject: g.vertices[id].String()}
	var open *edge // the move of the step not yet complete
	podsNS := ""   // the namespace whose pods the path passes through
	for v := id; next[v] >= 0; {
		e := &g.edges[next[v]]
		v = e.to
		to := &g.vertices[v]
		if e.cost() > 0 {
			open = e
		}
		if to.kind == vHub && to.name == hubPods && to.namespace != "" {
			podsNS = to.namespace
		}
		if e.kind == ePrivileged {
			if _, known := g.sur.privilegedPodsAllowed(podsNS); !known {
				p.Assumptions = append(p.Assumptions, fmt.Sprintf("namespace %s is not in the input: assumed to admit privileged pods with hostPath volumes", podsNS))
			}
		}
		if open != nil && (to.identity() || to.kind == vAdmin || to.kind == vRole) {
			step := Step{Action: g.action(open, to, podsNS), Grant: g.grant(open), To: to.String()}
			if next[v] < 0 && to.kind == vAdmin {
				step.To = ClusterAdmin
			} else if next[v] < 0 && to.kind == vRole {
				step.To = to.role.ref.String() + " cluster-wide: " + ClusterAdmin
			}
			p.Steps = append(p.Steps, step)
			open = nil
		}
		if next[v] < 0 {
			if d, _ := g.admin(v); d.Masters {
				p.Masters = true
			} else if d.Grant != nil {
				p.Admin = d.Grant
			}
		}
	}
	return p
}

// action says what a move does, to reach the vertex to (through the pods of podsNS).
func (g *escalationGraph) action(e *edge, to *vertex, podsNS string) string {
	a := g.requests[e.attrs]
	switch e.kind {
	case ePods:
		return fmt.Sprintf("%s %s in ns %s", a.Verb, resourceName(a), podsNS)
	case eNodeSecret:
		return "read the token of a pod scheduled on the node"
	case eBind:
		binding := "clusterrolebindings"
		if a.Namespace != "" {
			binding = "rolebindings in ns " + a.Namespace
		}
		return fmt.Sprintf("bind %s %s and create %s", resourceName(a), to.role.ref.Name, binding)
	case eEscalate:
		return "escalate and update clusterroles"
	}
	// Tokens and impersonation name the identity reached.
	s := a.Verb + " " + resourceName(a) + " " + to.name
	if to.kind == vServiceAccount {
		s += " in ns " + to.namespace
	}
	return s
}

// resourceName is resource[.group][/subresource].
func resourceName(a Attributes) string {
	var s strings.Builder
	s.WriteString(a.Resource)
	if a.APIGroup != "" {
		s.WriteString("." + a.APIGroup)
	}
	if a.Subresource != "" {
		s.WriteString("/" + a.Subresource)
	}
	return s.String()
}

// grant is the chain that allows a move, or nil.
func (g *escalationGraph) grant(e *edge) *Grant {
	if e.role == nil {
		return nil
	}
	if e.binding >= 0 {
		gr := g.x.grant(&g.x.bindings[e.binding], e.subj, int(e.rule))
		return &gr
	}
	return &Grant{Role: e.role.ref, RuleIndex: int(e.rule), Rule: e.role.rules[e.rule]}
}

// String writes the path as one line: subject -> move (grant) -> identity ... -> cluster-admin.
func (p Path) String() string {
	var s strings.Builder
	s.WriteString(p.Subject)
	for _, st := range p.Steps {
		s.WriteString(" -> " + st.Action)
		if st.Grant != nil {
			s.WriteString(" (" + st.Grant.Chain() + ")")
		}
		s.WriteString(" -> " + st.To)
	}
	switch {
	case p.Masters:
		s.WriteString(" -> member of " + Masters + ": " + ClusterAdmin)
	case p.Admin != nil:
		s.WriteString(" -> " + p.Admin.Chain())
	}
	return s.String()
}

// Chain is the grant without its subject: binding -> role rules[i], or the role alone for a
// role not yet bound.
func (g Grant) Chain() string {
	if g.Binding.Kind == "" {
		return fmt.Sprintf("%s rules[%d]", g.Role, g.RuleIndex)
	}
	s := fmt.Sprintf("%s -> %s rules[%d]", g.Binding, g.Role, g.RuleIndex)
	if g.Subject.Kind == rbacv1.GroupKind {
		s = "as " + SubjectName(g.Subject) + ": " + s
	}
	return s
}
