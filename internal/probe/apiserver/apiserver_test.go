package apiserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/probe/apiserver"
)

func TestSummariseSaysWhatAnAnswerDisclosedWithoutValues(t *testing.T) {
	for _, tc := range []struct {
		path, body, want string
	}{
		{"/version", `{"major":"1","minor":"37","gitVersion":"v1.37.2","platform":"linux/amd64"}`, "version v1.37.2"},
		{"/healthz", "ok", "healthy"},
		{"/api", `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"10.0.0.1:6443"}]}`, "API versions: v1"},
		{"/apis", `{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps"},{"name":"batch"}]}`, "2 API groups"},
		{apiserver.PodsPath, `{"kind":"PodList","apiVersion":"v1","metadata":{"remainingItemCount":2,"continue":"x"},"items":[{"metadata":{"name":"secret-name"},"spec":{"containers":[{"env":[{"name":"PASSWORD","value":"hunter2"}]}]}}]}`, "lists pods: 3 in default"},
		{apiserver.PodsPath, `{"kind":"PodList","metadata":{"continue":"x"},"items":[{}]}`, "lists pods: 1 or more in default"},
		{apiserver.PodsPath, `{"kind":"PodList","metadata":{},"items":[]}`, "lists pods: 0 in default"},
		{"/version", "<html><body>welcome</body></html>", "not an API server answer (text/html; charset=utf-8, 33 bytes)"},
		{"/healthz", "", "not an API server answer (empty, 0 bytes)"},
		{"/api", `{"kind":"Status"}`, "not an API server answer"},
		{apiserver.PodsPath, `[1,2,3]`, "not an API server answer"},
		{"/version", `{"gitVersion":"v1.37.2\u001b[31m"}`, "version v1.37.2?[31m"},
	} {
		got, kind := apiserver.Summarise(tc.path, []byte(tc.body))
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("Summarise(%s, %.40q) = %q, want %q", tc.path, tc.body, got, tc.want)
		}
		if want := inventory.AnswerAPIServer; strings.HasPrefix(tc.want, apiserver.NotAPIServer) != (kind != want) {
			t.Errorf("Summarise(%s, %.40q) is of kind %d; an answer that is the API server's is of kind %d, any other not", tc.path, tc.body, kind, want)
		}
		for _, secret := range []string{"hunter2", "secret-name", "welcome", "10.0.0.1"} {
			if strings.Contains(got, secret) {
				t.Errorf("Summarise(%s) = %q discloses %q", tc.path, got, secret)
			}
		}
	}
}

// openAPIServer answers as an API server that lets anyone read everything, on its insecure
// port, and records the requests.
func openAPIServer(t *testing.T, requests *[]string) *httptest.Server {
	bodies := map[string]string{
		"/version":                        `{"gitVersion":"v1.37.2"}`,
		"/healthz":                        "ok",
		"/api":                            `{"kind":"APIVersions","versions":["v1"]}`,
		"/apis":                           `{"kind":"APIGroupList","groups":[{"name":"apps"}]}`,
		"/api/v1/namespaces/default/pods": `{"kind":"PodList","metadata":{"remainingItemCount":4},"items":[{}]}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*requests = append(*requests, r.Method+" "+r.URL.RequestURI())
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the prober sent credentials")
		}
		if b, ok := bodies[r.URL.Path]; ok {
			_, _ = io.WriteString(w, b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestProbeAsksOnlyGETsAndSummarisesEachAnswer(t *testing.T) {
	var requests []string
	srv := openAPIServer(t, &requests)
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	eps := probe.Run(context.Background(), probe.Request{
		Targets: []probe.Target{{Host: host, Port: p, Component: probe.APIServerInsecure, Named: true}},
		Probers: map[string]probe.Prober{probe.APIServerInsecure: apiserver.Probe},
	})
	ep := eps[0]
	if ep.Protocol != "http" {
		t.Fatalf("endpoint %+v", ep)
	}
	want := map[string]string{
		"/version": "version v1.37.2", "/healthz": "healthy", "/api": "API versions: v1", "/apis": "1 API groups",
		apiserver.PodsPath: "lists pods: 5 in default",
	}
	for _, path := range apiserver.Paths {
		a := ep.Answer("GET", path)
		if a == nil || a.Status != 200 || a.Summary != want[path] {
			t.Errorf("GET %s: %+v, want 200 %q", path, a, want[path])
		}
	}
	// The engine's GET / to tell the protocol, then the prober's five GETs, nothing else.
	if len(requests) != 1+len(apiserver.Paths) {
		t.Errorf("requests = %v", requests)
	}
	for _, r := range requests {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("request %s is not a GET", r)
		}
	}
}

func TestProbeMarksAnswersThatAreNotTheAPIServersAsUnexpected(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>welcome</body></html>"))
	}))
	t.Cleanup(srv.Close)
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	p, _ := strconv.Atoi(port)
	eps := probe.Run(context.Background(), probe.Request{
		Targets: []probe.Target{{Host: host, Port: p, Component: probe.APIServerInsecure, Named: true}},
		Probers: map[string]probe.Prober{probe.APIServerInsecure: apiserver.Probe},
	})
	for _, path := range apiserver.Paths {
		t.Run(path, func(t *testing.T) {
			a := eps[0].Answer("GET", path)
			if a == nil || a.Kind != inventory.AnswerUnexpected || !strings.HasPrefix(a.Summary, apiserver.NotAPIServer) {
				t.Errorf("GET %s: %+v, want an unexpected answer", path, a)
			}
		})
	}
}
