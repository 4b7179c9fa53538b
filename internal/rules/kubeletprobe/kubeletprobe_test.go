package kubeletprobe_test

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

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
	"palisade.dev/palisade/internal/probe/kubelet"
	"palisade.dev/palisade/internal/rules/kubeletprobe"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testrules"
)

var cluster = testcluster.Shared{Options: testcluster.Options{Kubelet: true}}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

const password = "fake-Passw0rd-in-env"

func connTo(t testing.TB, component, protocol, baseURL string) *conn.Conn {
	t.Helper()
	hostPort := strings.TrimPrefix(strings.TrimPrefix(baseURL, "http://"), "https://")
	host, p, err := net.SplitHostPort(hostPort)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	return &conn.Conn{
		Endpoint: &inventory.Endpoint{Host: host, Port: port, Address: hostPort, Component: component,
			Reachable: true, Protocol: protocol, ProbedAt: time.Now()},
		HTTP: &http.Client{}, BaseURL: baseURL, Timeout: 5 * time.Second,
	}
}

func probe(t *testing.T, component, protocol, baseURL string) *inventory.Endpoint {
	t.Helper()
	c := connTo(t, component, protocol, baseURL)
	kubelet.Probe(context.Background(), c)
	return c.Endpoint
}

// TestTheHollowKubeletIsOpenOnEveryCount probes the test cluster's real hollow kubelet, which
// runs as a kubelet without a config file does (anonymous authentication, AlwaysAllow, the
// read-only port), with a pod bound to it whose env holds a password.
func TestTheHollowKubeletIsOpenOnEveryCount(t *testing.T) {
	c := cluster.Require(t)
	ns := podOnNode(t, c)
	mainEP := probe(t, kubelet.Component, "http", fmt.Sprintf("http://127.0.0.1:%d", c.KubeletPort))
	roEP := probe(t, kubelet.ReadOnlyComponent, "http", fmt.Sprintf("http://127.0.0.1:%d", c.KubeletReadOnlyPort))
	vs := testrules.Endpoints(t, testrules.Rules(t, kubeletprobe.Rules()...), "", nil, mainEP, roEP)
	got := testrules.Index(t, vs)

	want := map[string]string{
		"kubelet/probe-anonymous-access " + mainEP.Address: "fail critical",
		"kubelet/probe-pod-list-leak " + mainEP.Address:    "fail critical",
		"kubelet/probe-command-endpoint " + mainEP.Address: "fail critical",
		"kubelet/probe-plain-http " + mainEP.Address:       "fail critical",
		"kubelet/probe-pod-list-leak " + roEP.Address:      "fail critical",
		"kubelet/probe-read-only-port " + roEP.Address:     "fail high",
	}
	for key, status := range want {
		if got[key].Outcome() != status {
			t.Errorf("%s: %q, want %q", key, got[key].Outcome(), status)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d verdicts, want %d: %v", len(got), len(want), vs)
	}
	leak := got["kubelet/probe-pod-list-leak "+roEP.Address].Evidence
	if !strings.Contains(leak, "1 pod in 1 namespace") || !strings.Contains(leak, "env values redacted") {
		t.Errorf("pod list leak evidence %q does not count the test's pod (namespace %s)", leak, ns)
	}
	for key, v := range got {
		if record, _ := json.Marshal(v.Finding); strings.Contains(string(record), password) {
			t.Errorf("%s: the finding holds the env value: %s", key, record)
		}
	}
}

func podOnNode(t *testing.T, c *testcluster.Cluster) string {
	t.Helper()
	ctx := context.Background()
	ns := c.NewNamespace(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{NodeName: c.NodeName, Containers: []corev1.Container{{
			Name: "web", Image: "registry.example/web:1",
			Env: []corev1.EnvVar{{Name: "DB_PASSWORD", Value: password}},
		}}},
	}
	if _, err := c.Client(testcluster.Admin).CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating a pod on the node: %v", err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/runningpods/", c.KubeletPort)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), `"namespace":"`+ns+`"`) {
				return ns
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kubelet did not run pod %s/web within 60s", ns)
		}
	}
}

// TestMainPortVerdictsFollowTheReference pins the grading of the main port's answers against
// servers of the test's own: 401 passes, 403 is medium, nonsense is unexpected and never a
// pass, and an endpoint nothing answered is not applicable.
func TestMainPortVerdictsFollowTheReference(t *testing.T) {
	status := func(code int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code); io.WriteString(w, body) }
	}
	tests := []struct {
		name     string
		handler  http.Handler
		protocol string
		want     map[string]string // rule ID -> verdict
	}{
		{"anonymous authentication off", status(401, "Unauthorized"), "https", map[string]string{
			"kubelet/probe-anonymous-access": "pass",
			"kubelet/probe-pod-list-leak":    "pass",
			"kubelet/probe-command-endpoint": "pass",
			"kubelet/probe-plain-http":       "pass",
		}},
		{"authorization refuses anonymous", status(403, "Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)"), "https", map[string]string{
			"kubelet/probe-anonymous-access": "fail medium",
			"kubelet/probe-pod-list-leak":    "pass",
			"kubelet/probe-command-endpoint": "pass",
			"kubelet/probe-plain-http":       "pass",
		}},
		{"nonsense", status(200, "\x00\xffgarbage{"), "http", map[string]string{
			"kubelet/probe-anonymous-access": "fail low",
			"kubelet/probe-pod-list-leak":    "not-applicable",
			"kubelet/probe-command-endpoint": "not-applicable",
			"kubelet/probe-plain-http":       "fail critical",
		}},
		{"a 404 that is not the kubelet's", http.NotFoundHandler(), "http", map[string]string{
			"kubelet/probe-anonymous-access": "fail low",
			"kubelet/probe-pod-list-leak":    "not-applicable",
			"kubelet/probe-command-endpoint": "not-applicable",
			"kubelet/probe-plain-http":       "fail critical",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := httptest.NewServer(tt.handler)
			defer s.Close()
			ep := probe(t, kubelet.Component, tt.protocol, s.URL)
			got := testrules.Index(t, testrules.Endpoints(t, testrules.Rules(t, kubeletprobe.Rules()...), "", nil, ep))
			for id, want := range tt.want {
				if v := got[id+" "+ep.Address]; v.Outcome() != want {
					t.Errorf("%s = %q (%s; %s), want %q", id, v.Outcome(), v.Message, v.Evidence, want)
				}
			}
		})
	}
}

func TestEndpointsNothingAnsweredAreNotApplicable(t *testing.T) {
	closed := &inventory.Endpoint{Host: "127.0.0.1", Port: 10250, Address: "127.0.0.1:10250", Component: kubelet.Component, Error: "connection refused"}
	silent := &inventory.Endpoint{Host: "127.0.0.1", Port: 10255, Address: "127.0.0.1:10255", Component: kubelet.ReadOnlyComponent, Reachable: true,
		Answers: []inventory.Answer{{Method: "GET", Path: "/pods", Error: "timed out"}}}
	vs := testrules.Endpoints(t, testrules.Rules(t, kubeletprobe.Rules()...), "", nil, closed, silent)
	if got := testrules.Index(t, vs); len(got) != 6 {
		t.Errorf("verdicts = %v, want the 4 main-port rules and the 2 read-only rules", vs)
	}
	for _, v := range vs {
		if v.Status != finding.NotApplicable {
			t.Errorf("%s, want not applicable", v)
		}
		if !strings.Contains(v.Message, "connection refused") && !strings.Contains(v.Message, "timed out") {
			t.Errorf("%s: %q does not say why", v, v.Message)
		}
	}
}
