package netpolrules

// network/database-reachable: a database-like workload (a container that declares a
// well-known database port, or runs an image named after a database) must not be reachable
// on that port from other namespaces, from every workload of its own namespace, or from
// address ranges outside the cluster. A database holds the data an attacker wants; whoever
// reaches its port can try its credentials, its unauthenticated defaults (Redis, Memcached
// and Elasticsearch ship without authentication) and its vulnerabilities. The connection is
// judged as the engine does (k8s.io/api networking/v1): the source's egress and the
// database's ingress must both allow it.
//
// Restricted fields:
//   NetworkPolicy spec.podSelector, spec.policyTypes, spec.ingress[*].from, spec.ingress[*].ports
//   (of the policies of the database's namespace), spec.egress (of the sources' namespaces)
//
// Allowed values: the database's ingress, on its port, admits only some workloads of its own
// namespace (and, through a namespaceSelector, none of another namespace) and no ipBlock
// outside the cluster.
//
// Severity: high. The database's port is open to more than the workloads that need it, and
// from outside the cluster or from every namespace it is one compromised pod away.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/;
// CIS Kubernetes Benchmark v1.10.0 5.3.2.

import (
	"fmt"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/rules"
)

// database is one kind of database: its name, its well-known TCP ports (the first is the
// one an image of it listens on by default) and the image names it is published under.
type database struct {
	name   string
	ports  []int32
	images []string
}

var databases = []database{
	{"PostgreSQL", []int32{5432}, []string{"postgres", "postgresql", "postgis"}},
	{"MySQL", []int32{3306}, []string{"mysql", "mysql-server", "percona", "percona-server"}},
	{"MariaDB", nil, []string{"mariadb"}},
	{"MongoDB", []int32{27017}, []string{"mongo", "mongodb"}},
	{"Redis", []int32{6379}, []string{"redis", "redis-stack-server", "valkey"}},
	{"Elasticsearch", []int32{9200, 9300}, []string{"elasticsearch", "opensearch"}},
	{"etcd", []int32{2379}, []string{"etcd"}},
	{"Cassandra", []int32{9042}, []string{"cassandra", "scylla"}},
	{"CockroachDB", []int32{26257}, []string{"cockroach"}},
	{"Memcached", []int32{11211}, []string{"memcached"}},
	{"Microsoft SQL Server", []int32{1433}, []string{"mssql-server"}},
	{"CouchDB", []int32{5984}, []string{"couchdb"}},
	{"Neo4j", []int32{7687}, []string{"neo4j"}},
}

// mariadbPort: MariaDB speaks MySQL's protocol on MySQL's port.
const mariadbPort = 3306

func databaseReachableRule() rules.Rule {
	return rules.Rule{
		ID:       "network/database-reachable",
		Title:    "Database reachable from other namespaces, every workload of its namespace, or outside the cluster",
		Severity: finding.High,
		Area:     rules.AreaNetwork,
		Scope:    rules.ScopeNamespace,
		Description: "A workload that serves a database (a container port of PostgreSQL 5432, MySQL and MariaDB 3306, " +
			"MongoDB 27017, Redis 6379, Elasticsearch 9200 and 9300, etcd 2379, Cassandra 9042, CockroachDB 26257, " +
			"Memcached 11211, SQL Server 1433, CouchDB 5984 or Neo4j 7687, or an image of one of those) should accept " +
			"connections on that port only from the workloads that use it. The NetworkPolicies of the input are " +
			"evaluated for every source: a database that workloads of other namespaces, every workload of its own " +
			"namespace, or addresses outside the cluster can connect to is one compromised pod, or one exposed " +
			"service, away from its data. The finding names a few sources, how many there are, and the policy rule " +
			"that admits them (or that no policy selects the database).",
		Fields: reachFields,
		Allowed: []string{
			"the database's ingress on its port admits only some workloads of its own namespace, none of another namespace, and no address outside the cluster",
		},
		References: []rules.Reference{docsNetworkPolicy, cisNetworkPolicies},
		Remedy: "Select the database with a NetworkPolicy of policyTypes [Ingress] that allows its port only from the " +
			"pods that use it (a podSelector in its namespace), after a default deny for the namespace.",
		Reads:         reads,
		ReadsReleased: workloadKinds,
		Indexes:       []*rules.Index{analysisIndex},
		Namespace:     checkDatabaseReachable,
	}
}

// databasePort is one port a workload serves a database on.
type databasePort struct {
	db   string
	port int32
}

func checkDatabaseReachable(ctx *rules.NamespaceContext) []rules.Violation {
	a := reachOf(ctx.Inventory)
	own := a.topIn(ctx.Name)
	var out []rules.Violation
	for _, d := range own {
		w := &a.Workloads[d]
		o := ctx.Inventory.Get(w.Kind, w.Namespace, w.Name)
		// One finding per workload, each of its open database ports in turn.
		var msgs, evidence []string
		for _, dp := range databasePorts(o, w) {
			if v, ok := judgeDatabase(a, own, d, dp); ok {
				msgs, evidence = append(msgs, v.Message), append(evidence, v.Evidence)
			}
		}
		if len(msgs) > 0 {
			out = append(out, rules.Violation{
				Object:   o,
				Message:  fmt.Sprintf("%s %s serves %s", w.Kind, w.Name, strings.Join(msgs, "; ")) + inputAlone(ctx),
				Evidence: strings.Join(evidence, "; "),
			})
		}
	}
	return out
}

// judgeDatabase finds who reaches workload d on the database port dp.
func judgeDatabase(a *reach, own []int, d int, dp databasePort) (rules.Violation, bool) {
	w := &a.Workloads[d]
	others, first := lowest{}, lowest{}
	sameNS := 0
	open, rest := a.ReachingSplit(d, netpol.TCP, dp.port)
	if open {
		// The classes no policy isolates for egress, summed once per scan.
		inNS := a.openByNS[w.Namespace]
		if a.open[a.Class(d)] {
			inNS-- // d itself
		}
		sameNS += inNS
		others.n += len(a.openTop) - a.openByNS[w.Namespace]
		first.add(a.openTop, d)
		for i, o := range a.openTop {
			if len(others.ws) == shown {
				break
			}
			if a.Workloads[o].Namespace != w.Namespace {
				others.add(a.openTop[i:i+1], d)
			}
		}
	}
	for c := range rest {
		ws := a.topOf[c]
		if len(ws) == 0 {
			continue
		}
		n := len(ws)
		if a.Class(d) == c {
			n-- // d is top-level and of its own class; traffic to itself is not judged
		}
		first.add(ws, d)
		if a.Workloads[ws[0]].Namespace == w.Namespace {
			sameNS += n
		} else {
			others.n += n
			others.add(ws, d)
		}
	}
	var outside []string
	firstRange := netpol.Endpoint{Workload: -1}
	for _, r := range a.Ranges {
		if a.FromAddress(r.Lo, d).Contains(netpol.TCP, dp.port) {
			if !firstRange.Addr.IsValid() {
				firstRange.Addr = r.Lo
			}
			outside = append(outside, r.String())
		}
	}
	var from []string
	if others.n > 0 {
		from = append(from, fmt.Sprintf("%s of other namespaces (%s)", plural(others.n, "workload", "workloads"), a.names(others)))
	}
	if len(own) > 1 && sameNS == len(own)-1 {
		from = append(from, fmt.Sprintf("every workload of namespace %s (%d)", w.Namespace, sameNS))
	}
	if len(outside) > 0 {
		from = append(from, fmt.Sprintf("outside the cluster (%s)", someOf(outside)))
	}
	if len(from) == 0 {
		return rules.Violation{}, false
	}
	src := firstRange
	if len(first.ws) > 0 {
		src = netpol.Endpoint{Workload: first.ws[0]}
	}
	e := a.Explain(src, netpol.Endpoint{Workload: d}, netpol.TCP, dp.port)
	return rules.Violation{
		Message:  fmt.Sprintf("%s on port %d/TCP, reachable from %s", dp.db, dp.port, strings.Join(from, ", ")),
		Evidence: fmt.Sprintf("%s => %s : %d/TCP allowed: %s", e.Src, e.Dst, dp.port, ingressWhy(e)),
	}, true
}

// databasePorts returns the database ports workload w serves: its declared container ports
// that are well-known database ports, and the default port of a database image whose
// container declares no port of that database (not for Jobs and CronJobs).
func databasePorts(o *inventory.Object, w *netpol.Workload) []databasePort {
	var out []databasePort
	add := func(dp databasePort) {
		if !slices.Contains(out, dp) {
			out = append(out, dp)
		}
	}
	for _, p := range w.Ports {
		if p.Protocol != netpol.TCP {
			continue
		}
		for _, db := range databases {
			if slices.Contains(db.ports, p.Port) {
				add(databasePort{db.name, p.Port})
			}
		}
	}
	pod, ok := o.PodSummary()
	if !ok || runsToCompletion(o.GVK.Kind) {
		return out
	}
	for _, image := range pod.Images {
		db, ok := databaseOfImage(image)
		if !ok {
			continue
		}
		port := mariadbPort
		if len(db.ports) > 0 {
			port = int(db.ports[0])
		}
		if !slices.ContainsFunc(out, func(dp databasePort) bool { return dp.port == int32(port) }) {
			add(databasePort{db.name, int32(port)})
		}
	}
	return out
}

// runsToCompletion reports whether a kind runs pods that finish (Job, CronJob): those run a
// database's image as a client (a backup with pg_dump, a migration), not as a server, so only
// the ports they declare count.
func runsToCompletion(kind string) bool { return kind == "Job" || kind == "CronJob" }

// databaseOfImage returns the database an image is named after: the last component of its
// repository, without tag or digest, is one of a database's image names.
func databaseOfImage(image string) (database, bool) {
	repo, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndexByte(repo, '/'); i >= 0 {
		repo = repo[i+1:]
	}
	repo, _, _ = strings.Cut(repo, ":")
	for _, db := range databases {
		if slices.Contains(db.images, strings.ToLower(repo)) {
			return db, true
		}
	}
	return database{}, false
}
