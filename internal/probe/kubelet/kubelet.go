// Package kubelet asks a kubelet's API what it tells a caller without credentials, the way an
// attacker would and without doing harm: the main port (10250) and the read-only port
// (10255). It owns those requests and the summaries of their answers, in which every value is
// redacted: how many pods, namespaces and images leak, how many environment values (never a
// value), which authentication and authorization modes the served configuration shows, and
// whether the command line is disclosed (never the line). Judging the answers is for the
// rules (internal/rules/kubeletprobe).
//
// By default it runs nothing. The command endpoints are proved reachable with POST
// /run/<namespace>/<pod>/<container> on a pod that does not exist, with a random namespace
// and name and no command: the kubelet looks the pod up only after authentication and
// authorization (pkg/kubelet/server/server.go, getRun), so its 404 "pod does not exist" proves
// an unauthenticated caller got past both, and with no pod and no command there is nothing
// to run. Only when conn.Conn.Active allows it (palisade probe --active, confirmed) does it go
// one step further, as an attacker would: it runs the harmless command `true` in the first
// container of the first running pod the kubelet listed, which proves that the container
// runtime executes what an anonymous caller sends.
package kubelet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
)

// The components this package probes.
const (
	Component         = "kubelet"
	ReadOnlyComponent = "kubelet-read-only"
)

// Paths asked with GET.
const (
	PathPods        = "/pods"
	PathRunningPods = "/runningpods/"
	PathConfigz     = "/configz"
	PathHealthz     = "/healthz"
	PathMetrics     = "/metrics"
	PathLogs        = "/logs/"
	PathCmdline     = "/debug/pprof/cmdline"
)

// RunPrefix starts the path of the command-endpoint request (POST).
const RunPrefix = "/run/"

// Summaries of the answers the prober recognises (summariseAnswer gives them their
// inventory.AnswerKind).
const (
	// Unexpected starts the summary of an answer that is not what a kubelet answers (a
	// server that is not a kubelet, or nonsense).
	Unexpected = "unexpected answer: "
	// CommandReachable is the summary of the kubelet's 404 "pod does not exist" to POST /run.
	CommandReachable = `the kubelet looked the pod up and answered "pod does not exist": the caller got past authentication and authorization of the command endpoints`
)

// mainPaths are asked on the main port, in this order; readOnlyPaths on the read-only port,
// which serves only the kubelet's default handlers (pods, health, metrics, stats, spec) and
// none of the debugging ones (configz, logs, runningpods, pprof, run, exec).
var (
	mainPaths     = []string{PathPods, PathRunningPods, PathConfigz, PathHealthz, PathMetrics, PathLogs, PathCmdline}
	readOnlyPaths = []string{PathPods, PathHealthz, PathMetrics}
)

// Read limits per path: pod lists are read whole up to conn.MaxBody; the rest need only
// enough to be summarised.
var limits = map[string]int64{
	PathConfigz: 1 << 20,
	PathHealthz: 4 << 10,
	PathMetrics: 1 << 20,
	PathLogs:    256 << 10,
	PathCmdline: 64 << 10,
}

// Probe asks the endpoint of c (a kubelet main or read-only port) its paths, records each
// answer in c.Endpoint with its summary, and on the main port proves whether the command
// endpoints are reachable. It stops at the first request that gets no HTTP answer (nothing
// would answer the next ones either) or when ctx ends.
func Probe(ctx context.Context, c *conn.Conn) {
	paths := mainPaths
	if c.Endpoint.Component == ReadOnlyComponent {
		paths = readOnlyPaths
	}
	for _, p := range paths {
		if ctx.Err() != nil {
			return
		}
		status, data, i, err := c.Do(ctx, "GET", p, nil, nil, limits[p])
		if status == 0 {
			return
		}
		if err == nil && status == 200 {
			summariseAnswer(c, i, summarise(p, data, limits[p]))
		}
	}
	if c.Endpoint.Component == ReadOnlyComponent || ctx.Err() != nil {
		return
	}
	status, data, i, _ := c.Do(ctx, "POST", runPath(), nil, nil, 4<<10)
	if status == 404 {
		summariseAnswer(c, i, summariseRun(data))
	}
	if c.Active && c.Endpoint.Answers[i].Kind == inventory.AnswerCommandReachable {
		runTrue(ctx, c)
	}
}

// ActiveRunPrefix starts the summary of the command the active proof ran.
const ActiveRunPrefix = "ran `true` as a caller without credentials in "

// runTrue runs `true` in the first container of the first running pod the kubelet listed.
func runTrue(ctx context.Context, c *conn.Conn) {
	a := c.Endpoint.Answer("GET", PathRunningPods)
	if a == nil || a.Status != 200 {
		return
	}
	// The pod list was summarised, not kept: ask for it again, for its first pod's name.
	status, data, _, err := c.Do(ctx, "GET", PathRunningPods, nil, nil, 0)
	if err != nil || status != 200 {
		return
	}
	ns, pod, ctr, ok := firstContainer(data)
	if !ok {
		return
	}
	target := ns + "/" + pod + "/" + ctr
	status, _, i, _ := c.Do(ctx, "POST", RunPrefix+target+"?cmd=true", nil, nil, 4<<10)
	if status == 200 {
		summariseAnswer(c, i, ActiveRunPrefix+"pod "+ns+"/"+pod+", container "+ctr)
	}
}

// firstContainer names the first container of the first pod of a kubelet's pod list.
func firstContainer(data []byte) (namespace, pod, container string, ok bool) {
	var list struct {
		Items []struct {
			Metadata struct{ Name, Namespace string }
			Spec     struct {
				Containers []struct{ Name string }
			}
		}
	}
	if json.Unmarshal(data, &list) != nil {
		return "", "", "", false
	}
	for _, p := range list.Items {
		if p.Metadata.Name != "" && len(p.Spec.Containers) > 0 && validSegment(p.Metadata.Namespace) && validSegment(p.Metadata.Name) && validSegment(p.Spec.Containers[0].Name) {
			return p.Metadata.Namespace, p.Metadata.Name, p.Spec.Containers[0].Name, true
		}
	}
	return "", "", "", false
}

// validSegment admits the names Kubernetes allows (DNS labels and subdomains), so that a
// name from an untrusted answer cannot bend the path.
func validSegment(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// runPath is a command-endpoint path on a pod that does not exist: a random namespace and
// pod name, and no command.
func runPath() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	id := hex.EncodeToString(b)
	return RunPrefix + "palisade-probe-" + id[:8] + "/palisade-probe-" + id[8:] + "/none"
}

// summariseAnswer sets an answer's summary and the kind the rules judge it by.
func summariseAnswer(c *conn.Conn, i int, summary string) {
	c.Summarise(i, summary)
	switch {
	case summary == CommandReachable:
		c.Recognise(i, inventory.AnswerCommandReachable)
	case strings.HasPrefix(summary, ActiveRunPrefix):
		c.Recognise(i, inventory.AnswerCommandRan)
	case strings.HasPrefix(summary, Unexpected):
		c.Recognise(i, inventory.AnswerUnexpected)
	}
}

func summarise(path string, data []byte, limit int64) string {
	truncated := limit > 0 && int64(len(data)) >= limit
	switch path {
	case PathPods:
		return SummarisePods(data, "pods")
	case PathRunningPods:
		return SummarisePods(data, "running pods")
	case PathConfigz:
		return SummariseConfigz(data)
	case PathHealthz:
		return summariseHealthz(data)
	case PathMetrics:
		return SummariseMetrics(data, truncated)
	case PathLogs:
		return SummariseLogs(data, truncated)
	case PathCmdline:
		return SummariseCmdline(data)
	}
	return ""
}

func summariseRun(data []byte) string {
	if bytes.Contains(data, []byte("pod does not exist")) {
		return CommandReachable
	}
	return Unexpected + `404 without the kubelet's "pod does not exist"`
}

func summariseHealthz(data []byte) string {
	if s := strings.TrimSpace(string(data)); s == "ok" {
		return `healthy ("ok")`
	}
	return Unexpected + notKubelet(data)
}
