package identify

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// The answers of the real components, as their sources write them (and as the tests against
// the test cluster's real programs see them, in internal/scan).
const (
	etcdVersion     = `{"etcdserver":"3.7.0","etcdcluster":"3.7.0","storage":"3.7.0"}`
	etcdMembers     = `[{"id":10276657743932975437,"name":"default","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["http://127.0.0.1:2379"]}]`
	apiVersion      = `{"major":"1","minor":"37","emulationMajor":"1","emulationMinor":"37","gitVersion":"v1.37.2","gitCommit":"0","gitTreeState":"clean","buildDate":"2026-01-01T00:00:00Z","goVersion":"go1.26.8","compiler":"gc","platform":"linux/amd64"}`
	apiUnauthorized = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`
	apiForbidden    = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path \"/version\"","reason":"Forbidden","details":{},"code":403}`
	kubeletForbid   = "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource(s)=[proxy])\n"
	podList         = `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"p"}}]}`
	notFound        = "404 page not found\n"
)

// server answers path with (status, body) from answers, 404 "404 page not found" for the rest.
func server(answers map[string]answer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Path]
		if !ok {
			a = answer{http.StatusNotFound, notFound}
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	})
}

type answer struct {
	status int
	body   string
}

// everywhere answers every path alike.
func everywhere(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

// asker asks srv with a client that verifies nothing, and records the paths asked.
func asker(srv *httptest.Server, asked *[]string) Asker {
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 5 * time.Second} //nolint:gosec // a test server
	return func(ctx context.Context, path string, limit int64) (int, []byte, error) {
		*asked = append(*asked, path)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		if err != nil {
			return 0, nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
		return resp.StatusCode, body, err
	}
}

func TestEndpointTellsEachComponentFromItsAnswers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		handler  http.Handler
		tls      bool
		want     []string
		decisive bool
		asked    []string
		evidence string
	}{
		{name: "etcd's client port: its version, and no member list",
			handler: server(map[string]answer{"/version": {200, etcdVersion}}),
			want:    []string{Etcd}, decisive: true, asked: []string{"/version", "/members"},
			evidence: "GET /version: 200, etcd's version; GET /members: 404"},
		{name: "etcd's peer port: its version and the member list",
			handler: server(map[string]answer{"/version": {200, etcdVersion}, "/members": {200, etcdMembers}}),
			want:    []string{EtcdPeer}, decisive: true, asked: []string{"/version", "/members"},
			evidence: "GET /members: 200, etcd's member list"},
		{name: "etcd's version over TLS, members refused: etcd, either port",
			handler: server(map[string]answer{"/version": {200, etcdVersion}, "/members": {401, "no"}}), tls: true,
			want: []string{Etcd, EtcdPeer}, decisive: true, asked: []string{"/version", "/members"}},
		{name: "the API server's version over TLS",
			handler: server(map[string]answer{"/version": {200, apiVersion}}), tls: true,
			want: []string{APIServer}, decisive: true, asked: []string{"/version"}, evidence: "GET /version: 200, kube-apiserver's version"},
		{name: "the API server refusing anonymous callers (--anonymous-auth=false)",
			handler: everywhere(401, apiUnauthorized), tls: true,
			want: []string{APIServer}, decisive: true, asked: []string{"/version"}, evidence: "GET /version: 401, kube-apiserver's Status refusal"},
		{name: "the API server refusing anonymous callers by authorization",
			handler: everywhere(403, apiForbidden), tls: true,
			want: []string{APIServer}, decisive: true, asked: []string{"/version"}},
		{name: "the API server in plain HTTP: the legacy insecure port, or a proxy",
			handler: server(map[string]answer{"/version": {200, apiVersion}}),
			want:    []string{APIServerInsecure, APIServer}, decisive: true, asked: []string{"/version"}},
		{name: "a kubelet refusing anonymous callers (401 Unauthorized on every path)",
			handler: everywhere(401, "Unauthorized\n"), tls: true,
			want: []string{Kubelet}, decisive: true, asked: []string{"/version"}, evidence: "GET /version: 401, the kubelet's refusal"},
		{name: "a kubelet authenticating anonymous callers and refusing them",
			handler: everywhere(403, kubeletForbid), tls: true,
			want: []string{Kubelet}, decisive: true, asked: []string{"/version"}},
		{name: "a kubelet open to anonymous callers, over TLS",
			handler: server(map[string]answer{"/pods": {200, podList}, "/runningpods/": {200, podList}}), tls: true,
			want: []string{Kubelet}, decisive: true, asked: []string{"/version", "/pods"},
			evidence: "GET /version: 404, text/plain, 19 bytes; GET /pods: 200, a pod list"},
		{name: "a kubelet open in plain HTTP serves its debugging handlers",
			handler: server(map[string]answer{"/pods": {200, podList}, "/runningpods/": {200, podList}}),
			want:    []string{Kubelet}, decisive: true, asked: []string{"/version", "/pods", "/runningpods/"}},
		{name: "the kubelet's read-only port lists pods and serves no debugging handler",
			handler: server(map[string]answer{"/pods": {200, podList}, "/runningpods/": {405, "Debug endpoints are disabled.\n"}}),
			want:    []string{KubeletReadOnly, Kubelet}, decisive: true, asked: []string{"/version", "/pods", "/runningpods/"},
			evidence: "GET /runningpods/: 405"},
		{name: "a kubelet without debugging handlers that knows no /runningpods/",
			handler: server(map[string]answer{"/pods": {200, podList}}),
			want:    []string{KubeletReadOnly, Kubelet}, decisive: true, asked: []string{"/version", "/pods", "/runningpods/"}},
		{name: "a web server answering 200 to everything is nothing known",
			handler: everywhere(200, "<html><body>hello</body></html>"),
			asked:   []string{"/version", "/pods"}, evidence: "GET /version: 200, text/html, 31 bytes; GET /pods: 200, text/html, 31 bytes"},
		{name: "JSON that is no component's answer",
			handler: everywhere(200, `{"kind":"Status","apiVersion":"v1","code":200,"gitVersion":""}`),
			asked:   []string{"/version", "/pods"}},
		{name: "a 401 that is neither the kubelet's text nor a Status",
			handler: everywhere(401, `{"error":"unauthorized"}`),
			asked:   []string{"/version", "/pods"}},
		{name: "a pod list whose kind is not first is not read past the bound",
			handler: server(map[string]answer{"/pods": {200, `{"items":[],"kind":"List"}`}}),
			asked:   []string{"/version", "/pods"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tc.handler)
			protocol := "http"
			if tc.tls {
				srv.StartTLS()
				protocol = "https"
			} else {
				srv.Start()
			}
			defer srv.Close()
			var asked []string
			id := Endpoint(context.Background(), asker(srv, &asked), protocol, false)
			if !slices.Equal(id.Components, tc.want) || id.Decisive != tc.decisive || !id.Answered {
				t.Errorf("identity %+v, want components %v, decisive %v, answered", id, tc.want, tc.decisive)
			}
			if !slices.Equal(asked, tc.asked) {
				t.Errorf("asked %v, want %v", asked, tc.asked)
			}
			if !strings.Contains(id.Evidence, tc.evidence) {
				t.Errorf("evidence %q, want it to contain %q", id.Evidence, tc.evidence)
			}
		})
	}
}

func TestEndpointWithoutAnHTTPAnswerOrRefusingCertificateLessClients(t *testing.T) {
	var asked []string
	noAnswer := func(context.Context, string, int64) (int, []byte, error) {
		asked = append(asked, "x")
		return 0, nil, errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "GITHUB_TOKEN=ghp_secret"`)
	}
	id := Endpoint(context.Background(), noAnswer, "https", false)
	if id.Answered || len(id.Components) != 0 || len(asked) != 1 || id.Evidence != "GET /version: no answer (not an HTTP answer)" {
		t.Errorf("identity %+v after %d requests, want one request, no answer and no quote of it", id, len(asked))
	}

	asked = nil
	id = Endpoint(context.Background(), noAnswer, "https", true)
	if !id.Answered || id.Decisive || !slices.Equal(id.Components, []string{Etcd, EtcdPeer}) || len(asked) != 0 {
		t.Errorf("a TLS endpoint requiring a client certificate: %+v after %d requests, want etcd or its peer port, not decisive, nothing asked", id, len(asked))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	asked = nil
	if id := Endpoint(ctx, noAnswer, "http", false); id.Answered || len(asked) != 0 {
		t.Errorf("with its context done: %+v after %d requests, want nothing asked", id, len(asked))
	}
}

func TestResolveLetsTheExpectedComponentDecideOnlyAmongThoseTheAnswersFit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		id       Identity
		expected string
		want     string
	}{
		{"the port's default agrees with the answers", Identity{Components: []string{Etcd}, Decisive: true}, Etcd, Etcd},
		{"the answers overrule the port's default", Identity{Components: []string{Kubelet}, Decisive: true}, "kube-apiserver", Kubelet},
		{"the port's default decides between components the answers fit alike", Identity{Components: []string{KubeletReadOnly, Kubelet}, Decisive: true}, Kubelet, Kubelet},
		{"without a default, the likeliest", Identity{Components: []string{KubeletReadOnly, Kubelet}, Decisive: true}, "unknown", KubeletReadOnly},
		{"answers that only allow a component need the port's default", Identity{Components: []string{Etcd, EtcdPeer}}, EtcdPeer, EtcdPeer},
		{"and without it tell nothing", Identity{Components: []string{Etcd, EtcdPeer}}, "unknown", ""},
		{"answers that fit nothing", Identity{Answered: true}, Kubelet, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.id.Resolve(tc.expected); got != tc.want {
				t.Errorf("Resolve(%q) = %q, want %q", tc.expected, got, tc.want)
			}
		})
	}
}

// FuzzDecide feeds arbitrary answers, in any order the identification could ask them, to
// Decide: never a panic, never more than MaxAsks requests, components only of those known,
// and evidence that quotes no byte of an answer.
func FuzzDecide(f *testing.F) {
	for _, seed := range []struct {
		status1, status2, status3 int
		body1, body2, body3       string
		https, certRequired       bool
	}{
		{200, 404, 0, etcdVersion, notFound, "", false, false},
		{200, 200, 0, etcdVersion, etcdMembers, "", false, false},
		{200, 0, 0, apiVersion, "", "", true, false},
		{401, 0, 0, apiUnauthorized, "", "", true, false},
		{403, 0, 0, kubeletForbid, "", "", true, false},
		{404, 200, 404, notFound, podList, notFound, false, false},
		{404, 200, 200, notFound, podList, podList, false, false},
		{200, 200, 200, `{"etcdserver":null}`, `[{"id":1}]`, `{`, false, true},
		{200, 200, 200, `[[[[[[`, `{"kind":{"a":1},"kind":"PodList"}`, "\xff\xfe", false, false},
		{0, 0, 0, "", "", "", true, false},
	} {
		f.Add(seed.status1, seed.body1, seed.status2, seed.body2, seed.status3, seed.body3, seed.https, seed.certRequired)
	}
	known := []string{Kubelet, KubeletReadOnly, Etcd, EtcdPeer, APIServer, APIServerInsecure}
	f.Fuzz(func(t *testing.T, s1 int, b1 string, s2 int, b2 string, s3 int, b3 string, https, certRequired bool) {
		statuses, bodies := []int{s1, s2, s3}, []string{b1, b2, b3}
		protocol := "http"
		if https {
			protocol = "https"
		}
		var answers []Answer
		for {
			id, next := Decide(protocol, certRequired, answers)
			if next == "" {
				for _, c := range id.Components {
					if !slices.Contains(known, c) {
						t.Fatalf("component %q is none known", c)
					}
				}
				// What evidence says of an answer is a status, a shape among a few phrases, or
				// a content type (with a "/") and a length.
				phrases := "etcd's version kube-apiserver's version kube-apiserver's Status refusal the kubelet's refusal etcd's member list a pod list empty bytes no answer"
				for _, a := range answers {
					body := string(a.Body)
					if len(body) >= 16 && !strings.Contains(body, "/") && !strings.Contains(phrases, body) && strings.Contains(id.Evidence, body) {
						t.Fatalf("evidence %q quotes an answer", id.Evidence)
					}
				}
				return
			}
			if len(answers) == MaxAsks {
				t.Fatalf("Decide asks %s after %d answers", next, MaxAsks)
			}
			i := len(answers)
			answers = append(answers, Answer{Path: next, Status: statuses[i], Body: []byte(bodies[i])})
			if statuses[i] == 0 {
				answers[i].Err = errors.New("connection closed")
			}
		}
	})
}
