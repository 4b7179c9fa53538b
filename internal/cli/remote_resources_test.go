package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"palisade.dev/palisade/internal/cli"
)

// TestAllowRemoteResources pins that a scan fetches a kustomization's remote resource only
// when --allow-remote-resources is given: without it the scan asks nothing of the server and
// reports one error at the entry (exit code 2); with it the fetched object is scanned.
func TestAllowRemoteResources(t *testing.T) {
	var requests atomic.Int32
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprint(w, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\ndata:\n  a: b\n")
	}))
	defer server.Close()
	dir := t.TempDir()
	kfile := filepath.Join(dir, "kustomization.yaml")
	if err := os.WriteFile(kfile, []byte("resources:\n  - "+server.URL+"/cm.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		args     []string
		code     int
		requests int32
		errors   int
		objects  int
	}{
		{name: "by default nothing is fetched", code: 2, errors: 1},
		{name: "--allow-remote-resources fetches", args: []string{"--allow-remote-resources"}, code: 0, requests: 1, objects: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requests.Store(0)
			var out, errOut bytes.Buffer
			args := append([]string{"scan", dir, "-o", "json", "--fail-on", "none"}, tt.args...)
			code := cli.Execute(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tt.code, errOut.String())
			}
			if n := requests.Load(); n != tt.requests {
				t.Errorf("%d requests reached the server, want %d", n, tt.requests)
			}
			var report struct {
				Errors []struct {
					Message  string `json:"message"`
					Location struct {
						File string `json:"file"`
						Line int    `json:"line"`
					} `json:"location"`
				} `json:"errors"`
				Stats struct {
					Objects int `json:"objects"`
				} `json:"stats"`
			}
			if err := json.Unmarshal(out.Bytes(), &report); err != nil {
				t.Fatalf("decoding the JSON report: %v\n%s", err, out.String())
			}
			if len(report.Errors) != tt.errors || report.Stats.Objects != tt.objects {
				t.Fatalf("errors %+v and %d objects, want %d errors and %d objects", report.Errors, report.Stats.Objects, tt.errors, tt.objects)
			}
			if tt.errors > 0 {
				e := report.Errors[0]
				if e.Location.File != kfile || e.Location.Line != 2 || !strings.Contains(e.Message, "not fetched") || !strings.Contains(e.Message, "--allow-remote-resources") {
					t.Errorf("error %q at %s:%d, want the not-fetched error at %s:2", e.Message, e.Location.File, e.Location.Line, kfile)
				}
			}
		})
	}
}
