package report_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testfiles"
)

// clusterInput is a fixed scan of two clusters: findings on live objects and on a cluster
// itself, a coverage gap in one, and a third context that could not be reached.
func clusterInput() *report.Input {
	admin, auditor := true, false
	live := func(ctx string) finding.Location { return finding.Location{Cluster: ctx} }
	// The same Deployment in two clusters: two objects, with a UID each.
	web := func(uid string) finding.ObjectRef {
		return finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", UID: uid}
	}
	findings := []finding.Finding{
		{RuleID: "pod/privileged", Title: "Containers are not privileged", Severity: finding.Critical, Object: web("2c6e0f4d-8a1b-4c7e-9d3f-5b8a7e6c1d20"), Container: "app",
			Path: "spec.template.spec.containers[0].securityContext.privileged", Location: live("prod"), ObjectAt: finding.PositionOf(live("prod")),
			Message: `Container "app" runs privileged: securityContext.privileged is true.`, Remedy: "Set securityContext.privileged to false."},
		{RuleID: "cluster/identity-cluster-admin", Title: "The scan does not run as cluster-admin", Severity: finding.Medium,
			Object: finding.ObjectRef{Kind: rules.ClusterKind, Name: "staging"}, Location: live("staging"), ObjectAt: finding.PositionOf(live("staging")),
			Message: `The identity "kubernetes-admin" may do everything on every resource.`, Evidence: "user kubernetes-admin; groups system:masters",
			Remedy: "Scan with a read-only identity."},
		{RuleID: "pod/privileged", Title: "Containers are not privileged", Severity: finding.Critical, Object: web("9e41b7a2-3c5d-4f60-8b1e-0a7d6c5f4e39"), Container: "app",
			Path: "spec.template.spec.containers[0].securityContext.privileged", Location: live("staging"), ObjectAt: finding.PositionOf(live("staging")),
			Message: `Container "app" runs privileged: securityContext.privileged is true.`, Remedy: "Set securityContext.privileged to false."},
	}
	finding.Sort(findings)
	return &report.Input{
		Command: "cluster", Targets: []string{"gone", "prod", "staging"}, Version: "1.2.3",
		Findings: findings,
		Errors: []finding.ScanError{
			{Location: live("gone"), Message: "reading the server version from https://10.0.0.9:6443: cannot reach the server: connection refused"},
			{Location: live("prod"), Message: "forbidden: cannot list networkpolicies.networking.k8s.io in namespace shop: rules that read NetworkPolicy were not evaluated there (coverage gap)"},
		},
		Rules:  sampleRules()[5:6],
		FailOn: finding.High,
		Stats:  report.Stats{Objects: 310},
		Clusters: []report.Cluster{
			{Context: "gone", Server: "https://10.0.0.9:6443"},
			{Context: "prod", Server: "https://prod.example:443", Version: "v1.36.3-eks-3a1e7c2", Distribution: "EKS",
				User: "palisade-auditor", Groups: []string{"system:authenticated"}, ClusterAdmin: &auditor, Objects: 200, Skipped: 410, Gaps: 1, Reachable: true},
			{Context: "staging", Server: "https://127.0.0.1:6443", Version: "v1.37.2", User: "kubernetes-admin",
				Groups: []string{"system:masters", "system:authenticated"}, ClusterAdmin: &admin, Objects: 110, Reachable: true},
		},
	}
}

func TestClusterGolden(t *testing.T) {
	for _, tt := range []struct{ golden, format string }{
		{"cluster-text.golden", "text"},
		{"cluster-json.golden", "json"},
		{"cluster-sarif.golden", "sarif"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := report.Write(&b, tt.format, clusterInput()); err != nil {
				t.Fatal(err)
			}
			testfiles.Golden(t, filepath.Join("testdata", tt.golden), b.Bytes())
		})
	}
}
