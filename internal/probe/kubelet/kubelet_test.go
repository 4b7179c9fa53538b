package kubelet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
	"palisade.dev/palisade/internal/probe/kubelet"
	"palisade.dev/palisade/internal/testcluster"
)

var cluster = testcluster.Shared{Options: testcluster.Options{Kubelet: true}}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

// password is the env value of the test's pod; it must appear nowhere in what is recorded.
const password = "fake-Passw0rd-in-env"

// connTo is what the probe engine hands a prober for a plain-HTTP endpoint.
func connTo(t testing.TB, component, baseURL string) *conn.Conn {
	t.Helper()
	hostPort := strings.TrimPrefix(strings.TrimPrefix(baseURL, "http://"), "https://")
	host, p, err := net.SplitHostPort(hostPort)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	return &conn.Conn{
		Endpoint: &inventory.Endpoint{Host: host, Port: port, Address: hostPort, Component: component,
			Reachable: true, Protocol: "http", ProbedAt: time.Now()},
		HTTP:    &http.Client{},
		BaseURL: baseURL,
		Timeout: 5 * time.Second,
	}
}

// podOnNode creates a pod bound to the hollow node, with the password in its env, and waits
// until the kubelet lists it.
func podOnNode(t *testing.T, c *testcluster.Cluster) string {
	t.Helper()
	ctx := context.Background()
	ns := c.NewNamespace(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{
			NodeName: c.NodeName,
			Containers: []corev1.Container{{
				Name: "web", Image: "registry.example/web:1",
				Env: []corev1.EnvVar{{Name: "DB_PASSWORD", Value: password}, {Name: "EMPTY"}},
			}},
		},
	}
	if _, err := c.Client(testcluster.Admin).CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating a pod on the node: %v", err)
	}
	// /runningpods/ lists what the container runtime runs, the last to know of the pod.
	url := fmt.Sprintf("http://127.0.0.1:%d/runningpods/", c.KubeletPort)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), `"namespace":"`+ns+`"`) {
				return ns
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kubelet did not list pod %s/web within 60s", ns)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestProbeOfTheHollowKubeletFindsEverythingOpenAndLeaksNoValue(t *testing.T) {
	c := cluster.Require(t)
	podOnNode(t, c)
	ctx := context.Background()

	main := connTo(t, kubelet.Component, fmt.Sprintf("http://127.0.0.1:%d", c.KubeletPort))
	kubelet.Probe(ctx, main)
	readOnly := connTo(t, kubelet.ReadOnlyComponent, fmt.Sprintf("http://127.0.0.1:%d", c.KubeletReadOnlyPort))
	kubelet.Probe(ctx, readOnly)

	for _, ep := range []*inventory.Endpoint{main.Endpoint, readOnly.Endpoint} {
		for _, a := range ep.Answers {
			t.Logf("%s %s %s: %d %q %s", ep.Component, a.Method, a.Path, a.Status, a.Summary, a.Error)
		}
		record, _ := json.Marshal(ep)
		if strings.Contains(string(record), password) {
			t.Errorf("the %s endpoint's record holds the env value:\n%s", ep.Component, record)
		}
		pods := ep.Answer("GET", kubelet.PathPods)
		if pods == nil || pods.Status != 200 || !strings.Contains(pods.Summary, "env values redacted") || strings.HasPrefix(pods.Summary, kubelet.Unexpected) {
			t.Errorf("%s: GET /pods = %+v, want 200 with the env values counted and redacted", ep.Component, pods)
		}
	}

	run := runAnswer(main.Endpoint)
	if run == nil || run.Status != 404 || run.Summary != kubelet.CommandReachable {
		t.Errorf("POST /run on a pod that does not exist = %+v, want 404 with %q", run, kubelet.CommandReachable)
	}
	if runAnswer(readOnly.Endpoint) != nil {
		t.Error("the read-only port was asked POST /run, which it does not serve")
	}
	want := map[string]string{
		kubelet.PathRunningPods: "1 running pod in 1 namespace",
		kubelet.PathConfigz:     "configuration",
		kubelet.PathHealthz:     "healthy",
		kubelet.PathMetrics:     "metrics served",
		kubelet.PathCmdline:     "command line is disclosed",
	}
	for path, summary := range want {
		if a := main.Endpoint.Answer("GET", path); a == nil || a.Status != 200 || !strings.Contains(a.Summary, summary) {
			t.Errorf("main port GET %s = %+v, want 200 with %q", path, a, summary)
		}
	}
}

func runAnswer(ep *inventory.Endpoint) *inventory.Answer {
	for i, a := range ep.Answers {
		if a.Method == "POST" && strings.HasPrefix(a.Path, kubelet.RunPrefix) {
			return &ep.Answers[i]
		}
	}
	return nil
}

// TestProbeRecordsRefusalsNonsenseAndSilence pins the answers of kubelets that refuse, of
// servers that are not kubelets, and of closed ports: every answer recorded with its status,
// nonsense summarised as unexpected, and nothing asked after a request got no answer.
func TestProbeRecordsRefusalsNonsenseAndSilence(t *testing.T) {
	refuse := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Error(w, http.StatusText(status), status) }
	}
	garbage := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("<html>\x00\xff{not json\n"))
	})
	jsonButNot := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"kind":"Status","items":[{"spec":{"containers":[{"env":[{"value":"` + password + `"}]}]}}]}`))
	})
	tests := []struct {
		name      string
		handler   http.Handler
		status    int
		summary   string // every GET answer's summary starts with it
		runStatus int
	}{
		{"anonymous authentication off", refuse(401), 401, "", 401},
		{"authorization refuses anonymous", refuse(403), 403, "", 403},
		{"nonsense", garbage, 200, kubelet.Unexpected, 404},
		{"JSON that is not a pod list", jsonButNot, 200, kubelet.Unexpected, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httptest.NewServer(tt.handler)
			defer s.Close()
			c := connTo(t, kubelet.Component, s.URL)
			kubelet.Probe(context.Background(), c)
			if len(c.Endpoint.Answers) != 8 {
				t.Fatalf("%d answers, want 7 GETs and a POST: %+v", len(c.Endpoint.Answers), c.Endpoint.Answers)
			}
			for _, a := range c.Endpoint.Answers[:7] {
				if a.Status != tt.status || !strings.HasPrefix(a.Summary, tt.summary) || (tt.summary == "" && a.Summary != "") {
					t.Errorf("GET %s = %+v, want %d with a summary starting %q", a.Path, a, tt.status, tt.summary)
				}
			}
			run := c.Endpoint.Answers[7]
			if run.Status != tt.runStatus || run.Summary == kubelet.CommandReachable {
				t.Errorf("POST /run = %+v, want %d and no proof of reachable command endpoints", run, tt.runStatus)
			}
			if record, _ := json.Marshal(c.Endpoint); strings.Contains(string(record), password) {
				t.Errorf("the record holds the value: %s", record)
			}
		})
	}

	t.Run("closed port", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c := connTo(t, kubelet.Component, "http://"+addr)
		kubelet.Probe(context.Background(), c)
		if len(c.Endpoint.Answers) != 1 || c.Endpoint.Answers[0].Status != 0 || c.Endpoint.Answers[0].Error == "" {
			t.Errorf("answers = %+v, want one, with the error", c.Endpoint.Answers)
		}
	})

	t.Run("read-only port asks only what it serves", func(t *testing.T) {
		s := httptest.NewServer(refuse(404))
		defer s.Close()
		c := connTo(t, kubelet.ReadOnlyComponent, s.URL)
		kubelet.Probe(context.Background(), c)
		var paths []string
		for _, a := range c.Endpoint.Answers {
			paths = append(paths, a.Method+" "+a.Path)
		}
		if got := strings.Join(paths, ", "); got != "GET /pods, GET /healthz, GET /metrics" {
			t.Errorf("asked %s", got)
		}
	})
}

func TestProbeStopsWithItsContext(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := connTo(t, kubelet.Component, s.URL)
	kubelet.Probe(ctx, c)
	if len(c.Endpoint.Answers) != 0 {
		t.Errorf("answers = %+v after the context ended", c.Endpoint.Answers)
	}
}

func BenchmarkProbe(b *testing.B) {
	c := cluster.Require(b)
	for _, bb := range []struct {
		name      string
		component string
		port      int
	}{
		{"main port", kubelet.Component, c.KubeletPort},
		{"read-only port", kubelet.ReadOnlyComponent, c.KubeletReadOnlyPort},
	} {
		b.Run(bb.name, func(b *testing.B) {
			base := fmt.Sprintf("http://127.0.0.1:%d", bb.port)
			for b.Loop() {
				kubelet.Probe(context.Background(), connTo(b, bb.component, base))
			}
		})
	}
}

// TestActiveProbeRunsTrueInARealPod is the one test that names --active: only then does the
// probe run a command, the harmless `true`, in a pod the kubelet listed, and records where.
func TestActiveProbeRunsTrueInARealPod(t *testing.T) {
	c := cluster.Require(t)
	podOnNode(t, c)
	passive := connTo(t, kubelet.Component, fmt.Sprintf("http://127.0.0.1:%d", c.KubeletPort))
	kubelet.Probe(context.Background(), passive)
	for _, a := range passive.Endpoint.Answers {
		if strings.Contains(a.Path, "cmd=") {
			t.Fatalf("a probe without --active ran a command: %s %s", a.Method, a.Path)
		}
	}
	active := connTo(t, kubelet.Component, fmt.Sprintf("http://127.0.0.1:%d", c.KubeletPort))
	active.Active = true
	kubelet.Probe(context.Background(), active)
	var ran *inventory.Answer
	for i, a := range active.Endpoint.Answers {
		if strings.HasSuffix(a.Path, "?cmd=true") {
			ran = &active.Endpoint.Answers[i]
		}
	}
	if ran == nil || ran.Status != 200 || !strings.HasPrefix(ran.Summary, kubelet.ActiveRunPrefix) || !strings.Contains(ran.Path, "/web") {
		t.Fatalf("the active proof = %+v, want 200 running `true` in a listed pod", ran)
	}
}
