package anonymous

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]Class{
		"/version": PublicInfo, "/healthz": PublicInfo, "/readyz/etcd": PublicInfo,
		"/api": Discovery, "/apis/": Discovery, "/api/v1": Discovery, "/apis/apps/v1": Discovery, "/openapi/v3": Discovery,
		"/api/v1/namespaces/default/pods?limit=1": Objects, "/api/v1/secrets": Objects,
	} {
		if got := Classify(path); got != want {
			t.Errorf("Classify(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestGrade(t *testing.T) {
	read := func(p string) Answer { return Answer{Path: p, Status: 200, Read: true, Label: p} }
	tests := []struct {
		name    string
		answers []Answer
		judged  bool
		closed  bool
		sev     finding.Severity
		says    string
	}{
		{"401 everywhere is closed", []Answer{{Path: "/version", Status: 401}, {Path: "/api", Status: 401}}, true, true, 0, ""},
		{"nothing that tells", []Answer{{Path: "/version", Status: 404}, {Path: "/api"}}, false, true, 0, ""},
		{"the public info and refusals", []Answer{read("/version"), {Path: "/api", Status: 403}}, true, false, finding.Low, "RBAC refuses the rest (403 on /api)"},
		{"the discovery", []Answer{read("/version"), read("/apis")}, true, false, finding.High, "may read the API discovery (/apis)"},
		{"objects", []Answer{read("/api"), read("/api/v1/namespaces/default/pods")}, true, false, finding.Critical, "may read objects: /api/v1/namespaces/default/pods. Anyone who reaches 10.0.0.1:6443"},
		{"a 2xx that is not the API server's is not read", []Answer{{Path: "/api/v1/pods", Status: 200}, {Path: "/version", Status: 401}}, true, true, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Grade(tc.answers, "10.0.0.1:6443")
			if v.Judged != tc.judged || v.Closed != tc.closed || (tc.says != "" && (v.Severity != tc.sev || !strings.Contains(v.Message, tc.says))) {
				t.Errorf("Grade = %+v, want judged %v, closed %v, %s with %q", v, tc.judged, tc.closed, tc.sev, tc.says)
			}
		})
	}
}
