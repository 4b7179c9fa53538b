package cluster_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

// latest are the options a scan of a live cluster runs its cluster rules with.
var latest = &rules.Options{PSSVersion: "latest"}

// check is what a table case expects: no finding (none), or one of severity sev whose message
// contains every string of msg and whose evidence contains every string of evidence.
type check struct {
	none     bool
	sev      finding.Severity
	msg      []string
	evidence []string
}

func (want check) verify(t *testing.T, fs []testrules.Verdict) {
	t.Helper()
	if want.none {
		if len(fs) != 0 {
			t.Fatalf("want no finding, got %d: %s", len(fs), fs[0].Message)
		}
		return
	}
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %d: %v", len(fs), fs)
	}
	f := fs[0]
	if f.Severity != want.sev {
		t.Errorf("severity %s, want %s (%s)", f.Severity, want.sev, f.Message)
	}
	for _, s := range want.msg {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message %q does not contain %q", f.Message, s)
		}
	}
	for _, s := range want.evidence {
		if !strings.Contains(f.Evidence, s) {
			t.Errorf("evidence %q does not contain %q", f.Evidence, s)
		}
	}
	if f.Status != finding.Fail {
		t.Errorf("status %q, want a failure", f.Status)
	}
	if f.Kind != rules.ClusterKind || f.Name != "prod" {
		t.Errorf("finding names %s/%s, want %s/prod", f.Kind, f.Name, rules.ClusterKind)
	}
	if f.Finding.Remedy == "" {
		t.Error("finding has no remedy")
	}
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(15 * time.Hour) // any time of the day judges the same
}

func TestVersionSupportedJudgesTheMinorAtTheScanDate(t *testing.T) {
	tests := []struct {
		name, version, dist, scanned string
		want                         check
	}{
		{name: "supported long enough", version: "v1.34.1", scanned: "2026-01-10", want: check{none: true}},
		{name: "past end of life", version: "v1.29.3", scanned: "2026-01-10",
			want: check{sev: finding.High, msg: []string{"upstream Kubernetes v1.29.3", "1.29", "2025-02-28", "newest minor is 1.37"},
				evidence: []string{"gitVersion: v1.29.3", "distribution: upstream Kubernetes", "end of life of 1.29: 2025-02-28", "scanned: 2026-01-10"}}},
		{name: "managed distribution is judged upstream and says so", version: "v1.31.4-eks-0a21954", dist: "EKS", scanned: "2026-01-10",
			want: check{sev: finding.High, msg: []string{"EKS v1.31.4-eks-0a21954", "2025-11-11", "EKS publishes its own support window for 1.31"},
				evidence: []string{"distribution: EKS"}}},
		{name: "the end of life day itself is still supported", version: "v1.32.0", scanned: "2026-02-28",
			want: check{sev: finding.Medium, msg: []string{"reaches its upstream end of life on 2026-02-28, today"}}},
		{name: "the day after the end of life is past it", version: "v1.32.0", scanned: "2026-03-01",
			want: check{sev: finding.High, msg: []string{"reached its upstream end of life on 2026-02-28"}}},
		{name: "within 30 days is medium", version: "v1.33.2", scanned: "2026-06-01",
			want: check{sev: finding.Medium, msg: []string{"2026-06-28, in 27 days"}}},
		{name: "within 60 days is low", version: "v1.30.5-gke.1014001", dist: "GKE", scanned: "2025-05-20",
			want: check{sev: finding.Low, msg: []string{"2025-07-15, in 56 days", "GKE publishes"}}},
		{name: "61 days ahead is fine", version: "v1.30.5", scanned: "2025-05-15", want: check{none: true}},
		{name: "older than the table", version: "v1.1.7", scanned: "2026-01-10",
			want: check{sev: finding.High, msg: []string{"older than every release Palisade knows", "1.2 reached its end of life on 2016-10-23"}}},
		{name: "k3s suffix", version: "v1.27.6+k3s1", dist: "k3s", scanned: "2026-01-10",
			want: check{sev: finding.High, msg: []string{"2024-07-16"}}},
		{name: "newer than the table is not known yet", version: "v1.38.0", scanned: "2028-06-01", want: check{none: true}},
		{name: "development build is not judged", version: "v0.0.0-master+$Format:%H$", scanned: "2026-01-10",
			want: check{sev: finding.Info, msg: []string{"development build"}}},
		{name: "unparseable version is not judged", version: "banana", scanned: "2026-01-10",
			want: check{sev: finding.Info, msg: []string{`"banana"`, "does not parse"}}},
		{name: "no version: the source reports why", version: "", scanned: "2026-01-10", want: check{none: true}},
		{name: "no scan date", version: "v1.20.0", want: check{none: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &inventory.Cluster{Context: "prod", Version: tt.version, Distribution: tt.dist}
			if tt.scanned != "" {
				c.ScannedAt = date(tt.scanned)
			}
			tt.want.verify(t, testrules.Cluster(t, testrules.Builtin(t), "cluster/version-supported", c, latest))
		})
	}
}

func TestVersionSupportedEveryMinorOfTheTableIsJudged(t *testing.T) {
	// Every 1.x from the oldest to the newest minor known has a date: a gap would index the
	// wrong one. In 2030 all of them are past their end of life.
	for minor := 2; minor <= 37; minor++ {
		c := &inventory.Cluster{Context: "prod", Version: "v1." + strconv.Itoa(minor) + ".0", ScannedAt: date("2030-01-01")}
		fs := testrules.Cluster(t, testrules.Builtin(t), "cluster/version-supported", c, latest)
		if len(fs) != 1 || fs[0].Severity != finding.High || !strings.Contains(fs[0].Evidence, "end of life of 1."+strconv.Itoa(minor)+":") {
			t.Errorf("1.%d in 2030: got %v", minor, fs)
		}
	}
}

func TestIdentityClusterAdmin(t *testing.T) {
	tests := []struct {
		name string
		id   inventory.Identity
		want check
	}{
		{name: "read-only identity", id: inventory.Identity{User: "palisade", Checked: true}, want: check{none: true}},
		{name: "not checked means nothing", id: inventory.Identity{User: "admin", ClusterAdmin: true}, want: check{none: true}},
		{name: "cluster admin by binding", id: inventory.Identity{User: "alice@example.com", Groups: []string{"ops", "system:authenticated"}, ClusterAdmin: true, Checked: true},
			want: check{sev: finding.Medium, msg: []string{`user "alice@example.com"`, "every verb on every resource"},
				evidence: []string{"user: alice@example.com", "groups: ops, system:authenticated", "allowed"}}},
		{name: "system:masters bypasses RBAC", id: inventory.Identity{User: "kubernetes-admin", Groups: []string{"system:masters", "system:authenticated"}, ClusterAdmin: true, Checked: true},
			want: check{sev: finding.High, msg: []string{`user "kubernetes-admin"`, "system:masters", "bypasses RBAC"},
				evidence: []string{"groups: system:masters, system:authenticated"}}},
		{name: "no self subject review", id: inventory.Identity{ClusterAdmin: true, Checked: true},
			want: check{sev: finding.Medium, msg: []string{"did not name"}, evidence: []string{"user: unknown; groups: none"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.verify(t, testrules.Cluster(t, testrules.Builtin(t), "cluster/identity-cluster-admin", &inventory.Cluster{Context: "prod", Identity: tt.id}, latest))
		})
	}
}

func TestRBACAPIServed(t *testing.T) {
	tests := []struct {
		name   string
		served []string
		want   check
	}{
		{name: "served", served: []string{"v1", "apps/v1", "rbac.authorization.k8s.io/v1"}, want: check{none: true}},
		{name: "discovery failed", served: nil, want: check{none: true}},
		{name: "not served", served: []string{"v1", "apps/v1"},
			want: check{sev: finding.High, msg: []string{"does not serve rbac.authorization.k8s.io/v1", "AlwaysAllow"},
				evidence: []string{"2 group/versions served", "rbac.authorization.k8s.io: none"}}},
		{name: "only a beta of an ancient cluster", served: []string{"v1", "rbac.authorization.k8s.io/v1beta1"},
			want: check{sev: finding.High, msg: []string{"only rbac.authorization.k8s.io/v1beta1"}, evidence: []string{"rbac.authorization.k8s.io: rbac.authorization.k8s.io/v1beta1"}}},
		{name: "served but nothing else", served: []string{}, want: check{sev: finding.High}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.verify(t, testrules.Cluster(t, testrules.Builtin(t), "cluster/rbac-api-served", &inventory.Cluster{Context: "prod", APIGroupVersions: tt.served}, latest))
		})
	}
}

func probes(pairs ...any) []inventory.AnonymousProbe {
	var out []inventory.AnonymousProbe
	for i := 0; i < len(pairs); i += 2 {
		p := inventory.AnonymousProbe{Path: pairs[i].(string)}
		switch v := pairs[i+1].(type) {
		case int:
			p.Status = v
		case string:
			p.Error = v
		}
		out = append(out, p)
	}
	return out
}

func TestAnonymousAccessGradesTheWorstAnswer(t *testing.T) {
	const pods = "/api/v1/namespaces/default/pods"
	tests := []struct {
		name   string
		probes []inventory.AnonymousProbe
		want   check
	}{
		{name: "anonymous auth off", probes: probes("/version", 401, "/api", 401, "/apis", 401, pods, 401), want: check{none: true}},
		{name: "no probes", want: check{none: true}},
		{name: "every probe failed", probes: probes("/version", "connection refused", "/api", "connection refused"), want: check{none: true}},
		{name: "401 and a failure", probes: probes("/version", 401, "/api", "timeout"), want: check{none: true}},
		{name: "on but refused everywhere", probes: probes("/version", 403, "/api", 403, "/apis", 403, pods, 403),
			want: check{sev: finding.Low, msg: []string{"anonymous authentication is on", "RBAC refuses the rest (403 on /version, /api, /apis, " + pods + ")"},
				evidence: []string{"/version: 403; /api: 403; /apis: 403; " + pods + ": 403"}}},
		{name: "kubernetes default: public info only", probes: probes("/version", 200, "/healthz", 200, "/api", 403, "/apis", 403, pods, 403),
			want: check{sev: finding.Low, msg: []string{"public info Kubernetes grants by default is readable (/version, /healthz", "403 on /api, /apis"},
				evidence: []string{"/version: 200", "/healthz: 200", "/api: 403"}}},
		{name: "discovery readable", probes: probes("/version", 200, "/api", 200, "/apis", 200, pods, 403),
			want: check{sev: finding.High, msg: []string{"API discovery (/api, /apis)"}}},
		{name: "group version listing is discovery", probes: probes("/apis/apps/v1", 200, pods, 403),
			want: check{sev: finding.High, msg: []string{"(/apis/apps/v1)"}}},
		{name: "objects readable", probes: probes("/version", 200, "/api", 200, pods, 200, "/api/v1/secrets", 403),
			want: check{sev: finding.Critical, msg: []string{"may read objects: " + pods, "rbac/anonymous-binding"}, evidence: []string{pods + ": 200", "/api/v1/secrets: 403"}}},
		{name: "errors and odd answers are listed, not graded", probes: probes("/version", 403, "/api", 500, "/apis", "reset by peer", "/x", 0),
			want: check{sev: finding.Low, evidence: []string{"/api: 500", "/apis: failed (reset by peer)", "/x: no answer"}}},
		{name: "only a 404: not judged", probes: probes(pods, 404), want: check{none: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.verify(t, testrules.Cluster(t, testrules.Builtin(t), "cluster/anonymous-access", &inventory.Cluster{Context: "prod", Anonymous: tt.probes}, latest))
		})
	}
}

func TestClusterRulesDoNotRunOnManifests(t *testing.T) {
	inv := inventory.New() // no Cluster: a manifest scan
	fs := testrules.Builtin(t).Evaluate(inv, &rules.Options{FromManifests: true}, func(r *rules.Rule) bool {
		return strings.HasPrefix(r.ID, "cluster/")
	})
	if len(fs) != 0 {
		t.Errorf("got %d findings from a manifest scan: %v", len(fs), fs)
	}
}
