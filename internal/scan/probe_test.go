package scan_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/probe/apiserver"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/apiserverprobe"
	"palisade.dev/palisade/internal/scan"
)

// TestProbeJudgesWhatEndpointsAnswered probes an API server that serves everything on a plain
// HTTP port, and a closed port: one critical finding, the closed port not applicable, no error.
func TestProbeJudgesWhatEndpointsAnswered(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/version":
			_, _ = io.WriteString(w, `{"gitVersion":"v1.19.16"}`)
		case "/api/v1/namespaces/default/pods":
			_, _ = io.WriteString(w, `{"kind":"PodList","metadata":{},"items":[{}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	catalog, err := rules.NewCatalog(apiserverprobe.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Probe(context.Background(), scan.ProbeRequest{
		Catalog: catalog,
		Probe: probe.Request{
			Targets: []probe.Target{{Host: host, Port: p, Component: probe.APIServerInsecure}, {Host: "127.0.0.1", Port: closed, Component: probe.APIServerInsecure}},
			Probers: map[string]probe.Prober{probe.APIServerInsecure: apiserver.Probe},
			Timeout: time.Second,
		},
	})
	if len(res.Endpoints) != 2 || res.Objects != 2 || len(res.Errors) != 0 {
		t.Fatalf("endpoints %d, objects %d, errors %v", len(res.Endpoints), res.Objects, res.Errors)
	}
	if len(res.Findings) != 1 || res.Findings[0].RuleID != "apiserver/probe-insecure-port" || res.Findings[0].Severity != finding.Critical ||
		!strings.Contains(res.Findings[0].Evidence, "/version: 200 (version v1.19.16)") {
		t.Errorf("findings = %+v", res.Findings)
	}
	if len(res.Passed) != 1 || res.Passed[0].Status != finding.NotApplicable || !strings.Contains(res.Passed[0].Message, "connection refused") {
		t.Errorf("passed = %+v", res.Passed)
	}
	if code := res.ExitCode(finding.High); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}
