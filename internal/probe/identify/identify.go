// Package identify tells which Kubernetes component serves an endpoint from what it answers
// a few harmless GET requests without credentials, whatever its port: the kubelet's main port
// and read-only port, etcd's client and peer ports, and the API server's secure and insecure
// ports each answer distinctively. It owns those requests and the reading of their answers,
// which are untrusted: it reads a bounded prefix of each, keeps none of it, and never
// quotes it. It judges nothing; the probe engine hands the endpoint to the prober of the
// component found.
//
// What each component answers (verified against etcd v3.7, kube-apiserver v1.37 and the
// kubelet's server of v1.37 run as a hollow node, in internal/scan/identify_real_test.go):
//   - kube-apiserver: GET /version is 200 with a JSON object holding gitVersion (the bootstrap
//     role system:public-info-viewer opens it to anonymous callers), or 401 or 403 with a JSON
//     Status object ({"kind":"Status","apiVersion":"v1",...}) when anonymous callers are
//     refused. No other component answers a Status object.
//   - kubelet, main port: when anonymous callers are refused, every path answers 401 with the
//     text "Unauthorized" or 403 with "Forbidden (user=..." (pkg/kubelet/server/server.go,
//     InstallAuthFilter, which filters unknown paths too); otherwise GET /pods is 200 with a
//     JSON PodList and GET /runningpods/ answers (a debugging handler). It speaks TLS, except
//     a hollow kubelet.
//   - kubelet, read-only port: plain HTTP, GET /pods is 200 with a JSON PodList, and GET
//     /runningpods/ is 405 "Debug endpoints are disabled." (the port serves none of the
//     debugging handlers).
//   - etcd: GET /version is 200 with {"etcdserver":"3.x.y","etcdcluster":"3.x.0"} on the client
//     port and on the peer port alike; GET /members is 200 with the member list (a JSON
//     array) on the peer port only, 404 on the client port. With client certificate
//     authentication either port refuses a TLS client without a certificate, which tells
//     nothing more than "etcd, perhaps": only a port's default or a name decides then.
package identify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// Components, as the probe engine names them.
const (
	Kubelet           = "kubelet"
	KubeletReadOnly   = "kubelet-read-only"
	Etcd              = "etcd"
	EtcdPeer          = "etcd-peer"
	APIServer         = "kube-apiserver"
	APIServerInsecure = "kube-apiserver-insecure"
)

// Paths asked.
const (
	PathVersion     = "/version"
	PathMembers     = "/members"
	PathPods        = "/pods"
	PathRunningPods = "/runningpods/"
)

// MaxAsks bounds the requests of one identification.
const MaxAsks = 3

// maxAnswer bounds what is read of one answer: a version, a member list, the start of a pod
// list (its kind comes first).
const maxAnswer = 64 << 10

// Answer is what one GET got: the status (0 when no HTTP answer came, Err says why) and at
// most maxAnswer bytes of the body.
type Answer struct {
	Path   string
	Status int
	Body   []byte
	Err    error
}

// Identity is what the answers tell of an endpoint.
type Identity struct {
	// Components are the components the answers fit, the likeliest first; none when they fit
	// no component.
	Components []string
	// Decisive is true when the answers alone decide (the first of Components, unless the
	// endpoint's expected component is among them); false when they only allow Components
	// and only an expected component among them decides.
	Decisive bool
	// Answered is false when no request got an HTTP answer: nothing to identify.
	Answered bool
	// Evidence says what was asked and what came back, values left out: "GET /version: 200,
	// etcd's version; GET /members: 404".
	Evidence string
}

// Resolve is the component of the endpoint: expected when the answers fit it (a port's
// default, say), else the likeliest one when the answers decide, else "".
func (id Identity) Resolve(expected string) string {
	for _, c := range id.Components {
		if c == expected {
			return c
		}
	}
	if id.Decisive && len(id.Components) > 0 {
		return id.Components[0]
	}
	return ""
}

// Asker makes one GET request and returns its answer.
type Asker func(ctx context.Context, path string, limit int64) (status int, body []byte, err error)

// Endpoint identifies the endpoint ask reaches. protocol is "https" or "http"; certRequired
// is true when its TLS handshake was refused for want of a client certificate. It makes at
// most MaxAsks requests, and none when ctx is done.
func Endpoint(ctx context.Context, ask Asker, protocol string, certRequired bool) Identity {
	var answers []Answer
	for {
		id, next := Decide(protocol, certRequired, answers)
		if next == "" || len(answers) >= MaxAsks || ctx.Err() != nil {
			if next != "" {
				id = unfinished(answers)
			}
			return id
		}
		status, body, err := ask(ctx, next, maxAnswer)
		answers = append(answers, Answer{Path: next, Status: status, Body: body, Err: err})
	}
}

// unfinished is the identity of answers cut short (by ctx, or past MaxAsks).
func unfinished(answers []Answer) Identity {
	return Identity{Answered: answered(answers), Evidence: evidence(answers) + "; identification cut short"}
}

// Decide reads the answers got so far: either the identity they tell, or the next path to
// ask (next != ""). It is a pure function of its arguments, so that every order of answers
// can be tried.
func Decide(protocol string, certRequired bool, answers []Answer) (id Identity, next string) {
	if certRequired {
		return Identity{Components: []string{Etcd, EtcdPeer}, Answered: true,
			Evidence: "the TLS handshake was refused for want of a client certificate, as etcd refuses it with client certificate authentication"}, ""
	}
	tls := protocol == "https"
	version := find(answers, PathVersion)
	if version == nil {
		return Identity{}, PathVersion
	}
	if version.Status == 0 {
		return Identity{Evidence: evidence(answers)}, ""
	}
	done := func(decisive bool, components ...string) (Identity, string) {
		return Identity{Components: components, Decisive: decisive, Answered: true, Evidence: evidence(answers)}, ""
	}
	switch {
	case IsEtcdVersion(*version):
		members := find(answers, PathMembers)
		switch {
		case members == nil:
			return Identity{}, PathMembers
		case IsMemberList(*members):
			return done(true, EtcdPeer)
		case members.Status == http.StatusNotFound:
			return done(true, Etcd)
		}
		return done(true, Etcd, EtcdPeer)
	case IsAPIServerAnswer(*version):
		if tls {
			return done(true, APIServer)
		}
		// Only the legacy insecure port, or a proxy, serves the API in plain HTTP.
		return done(true, APIServerInsecure, APIServer)
	case IsKubeletRefusal(*version):
		return done(true, Kubelet)
	}
	pods := find(answers, PathPods)
	switch {
	case pods == nil:
		return Identity{}, PathPods
	case IsKubeletRefusal(*pods):
		return done(true, Kubelet)
	case !IsPodList(*pods):
		return Identity{Answered: true, Evidence: evidence(answers)}, ""
	case tls:
		return done(true, Kubelet) // the read-only port never speaks TLS
	}
	running := find(answers, PathRunningPods)
	switch {
	case running == nil:
		return Identity{}, PathRunningPods
	case running.Status == http.StatusOK || IsKubeletRefusal(*running):
		return done(true, Kubelet) // a debugging handler, served on the main port only
	}
	// 405 "Debug endpoints are disabled." (InstallDebuggingDisabledHandlers), or 404: the
	// read-only port, or a main port without debugging handlers.
	return done(true, KubeletReadOnly, Kubelet)
}

func find(answers []Answer, path string) *Answer {
	for i := range answers {
		if answers[i].Path == path {
			return &answers[i]
		}
	}
	return nil
}

func answered(answers []Answer) bool {
	for _, a := range answers {
		if a.Status != 0 {
			return true
		}
	}
	return false
}

// IsEtcdVersion reports whether a is etcd's answer to GET /version.
func IsEtcdVersion(a Answer) bool {
	if a.Status != http.StatusOK {
		return false
	}
	var v struct {
		Server  *string `json:"etcdserver"`
		Cluster *string `json:"etcdcluster"`
	}
	return json.Unmarshal(a.Body, &v) == nil && v.Server != nil && *v.Server != "" && v.Cluster != nil
}

// IsMemberList reports whether a is etcd's peer answer to GET /members: a JSON array of
// members, each with an id and peer URLs.
func IsMemberList(a Answer) bool {
	if a.Status != http.StatusOK {
		return false
	}
	var members []struct {
		ID       json.RawMessage `json:"id"`
		PeerURLs []string        `json:"peerURLs"`
	}
	if json.Unmarshal(a.Body, &members) != nil || len(members) == 0 {
		return false
	}
	for _, m := range members {
		if len(m.ID) == 0 || m.PeerURLs == nil {
			return false
		}
	}
	return true
}

// IsAPIServerAnswer reports whether a is kube-apiserver's answer to GET /version: its version
// (200 with gitVersion), or its refusal of a caller without credentials (401 or 403 with a
// Status object).
func IsAPIServerAnswer(a Answer) bool {
	switch a.Status {
	case http.StatusOK:
		var v struct {
			GitVersion *string `json:"gitVersion"`
		}
		return json.Unmarshal(a.Body, &v) == nil && v.GitVersion != nil && *v.GitVersion != ""
	case http.StatusUnauthorized, http.StatusForbidden:
		var s struct {
			Kind       string `json:"kind"`
			APIVersion string `json:"apiVersion"`
			Code       int    `json:"code"`
		}
		return json.Unmarshal(a.Body, &s) == nil && s.Kind == "Status" && s.APIVersion == "v1" && s.Code == a.Status
	}
	return false
}

// IsKubeletRefusal reports whether a is the kubelet's refusal of a caller without
// credentials: 401 "Unauthorized", or 403 "Forbidden (user=...".
func IsKubeletRefusal(a Answer) bool {
	body := bytes.TrimSpace(a.Body)
	switch a.Status {
	case http.StatusUnauthorized:
		return string(body) == "Unauthorized"
	case http.StatusForbidden:
		return bytes.HasPrefix(body, []byte("Forbidden (user="))
	}
	return false
}

// IsPodList reports whether a is a kubelet's pod list: 200 with a JSON object whose kind is
// PodList. Only the start of the list need have been read: the kubelet writes kind first.
func IsPodList(a Answer) bool {
	if a.Status != http.StatusOK {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(a.Body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		if key == "kind" {
			var kind string
			return dec.Decode(&kind) == nil && kind == "PodList"
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// evidence lists what each request got, without a byte of any answer: "GET /version: 200,
// etcd's version; GET /members: 404".
func evidence(answers []Answer) string {
	parts := make([]string, len(answers))
	for i, a := range answers {
		if a.Status == 0 {
			why := "no answer"
			if a.Err != nil {
				why += " (" + describe(a.Err) + ")"
			}
			parts[i] = "GET " + a.Path + ": " + why
			continue
		}
		s := fmt.Sprintf("GET %s: %d", a.Path, a.Status)
		if what := shape(a); what != "" {
			s += ", " + what
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ")
}

// shape says what kind of answer a is, in the words of the component it fits.
func shape(a Answer) string {
	switch {
	case a.Path == PathVersion && IsEtcdVersion(a):
		return "etcd's version"
	case a.Path == PathVersion && IsAPIServerAnswer(a) && a.Status == http.StatusOK:
		return "kube-apiserver's version"
	case IsAPIServerAnswer(a):
		return "kube-apiserver's Status refusal"
	case IsKubeletRefusal(a):
		return "the kubelet's refusal"
	case a.Path == PathMembers && IsMemberList(a):
		return "etcd's member list"
	case (a.Path == PathPods || a.Path == PathRunningPods) && IsPodList(a):
		return "a pod list"
	case len(a.Body) == 0:
		return "empty"
	}
	return fmt.Sprintf("%s, %d bytes", contentType(a.Body), len(a.Body))
}

// contentType names the kind of content of an answer without quoting it.
func contentType(body []byte) string {
	t, _, _ := strings.Cut(http.DetectContentType(body), ";")
	return t
}

// describe says in a few words why a request got no answer, never quoting the error: an
// HTTP client's error may quote what the endpoint sent.
func describe(err error) string {
	var netErr net.Error
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), strings.Contains(msg, "connection reset"):
		return "connection closed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case strings.Contains(msg, "malformed HTTP"):
		return "not an HTTP answer"
	case strings.Contains(msg, "tls:"):
		return "TLS failed"
	}
	return "failed"
}
