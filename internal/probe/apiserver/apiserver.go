// Package apiserver is the API server's prober: what kube-apiserver answers a caller without
// credentials, on its secure port (6443, 443) and its legacy insecure port (8080), the way an
// attacker would ask. It owns the requests (GETs only: /version, /api, /apis, /healthz and one
// page of a namespaced list) and the summaries of what an answer disclosed, with every value
// left out; rules judge the answers.
package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
)

// Paths are the paths asked, in order: the public info the bootstrap role
// system:public-info-viewer opens, the discovery roots, and one object list of the namespace
// every cluster has.
var Paths = []string{
	"/version",
	"/healthz",
	"/api",
	"/apis",
	PodsPath,
}

// PodsPath asks for one Pod of namespace default: enough to prove anonymous callers list
// objects, and the count of the rest comes with it (metadata.remainingItemCount), without
// reading them.
const PodsPath = "/api/v1/namespaces/default/pods?limit=1"

// NotAPIServer starts the summary of a successful answer that is not what kube-apiserver
// answers (a web page on port 443, say); such an answer is of kind
// inventory.AnswerUnexpected, which rules do not read as the API server's; the API server's
// own answers are of kind inventory.AnswerAPIServer.
const NotAPIServer = "not an API server answer"

// maxAnswer bounds what is read of one answer: a discovery document or one page of one Pod.
const maxAnswer = 1 << 20

// Probe asks the endpoint of c, without credentials, each of Paths, and summarises each answer.
func Probe(ctx context.Context, c *conn.Conn) {
	header := http.Header{"Accept": {"application/json"}, "User-Agent": {"palisade-probe"}}
	for _, p := range Paths {
		if ctx.Err() != nil {
			return
		}
		status, body, i, err := c.Do(ctx, http.MethodGet, p, nil, header, maxAnswer)
		if err != nil || status < 200 || status > 299 {
			continue
		}
		summary, kind := Summarise(p, body)
		c.Summarise(i, summary)
		c.Recognise(i, kind)
	}
}

// Summarise says what a successful answer to path disclosed: "version v1.37.2", "healthy",
// "API versions: v1", "14 API groups", "lists pods: 3 in default", of kind
// inventory.AnswerAPIServer; or NotAPIServer and why, of kind inventory.AnswerUnexpected, when
// the body is not what kube-apiserver answers there.
func Summarise(path string, body []byte) (string, inventory.AnswerKind) {
	if s := disclosed(path, body); s != "" {
		return s, inventory.AnswerAPIServer
	}
	return notAPI(body), inventory.AnswerUnexpected
}

// disclosed says what a successful answer to path disclosed, or "" when it is not what
// kube-apiserver answers there.
func disclosed(path string, body []byte) string {
	p, _, _ := strings.Cut(path, "?")
	switch {
	case p == "/version":
		var v struct {
			GitVersion string `json:"gitVersion"`
		}
		if json.Unmarshal(body, &v) != nil || v.GitVersion == "" {
			return ""
		}
		return "version " + printable(v.GitVersion)
	case p == "/healthz" || p == "/livez" || p == "/readyz":
		if strings.TrimSpace(string(body)) != "ok" {
			return ""
		}
		return "healthy"
	case p == "/api":
		var v struct {
			Kind     string   `json:"kind"`
			Versions []string `json:"versions"`
		}
		if json.Unmarshal(body, &v) != nil || v.Kind != "APIVersions" {
			return ""
		}
		return "API versions: " + printable(strings.Join(v.Versions, ", "))
	case p == "/apis":
		var v struct {
			Kind   string            `json:"kind"`
			Groups []json.RawMessage `json:"groups"`
		}
		if json.Unmarshal(body, &v) != nil || v.Kind != "APIGroupList" {
			return ""
		}
		return fmt.Sprintf("%d API groups", len(v.Groups))
	}
	return summariseList(p, body)
}

// summariseList counts the objects of a list answer, one page and the count of the rest.
func summariseList(path string, body []byte) string {
	var v struct {
		Kind     string `json:"kind"`
		Metadata struct {
			RemainingItemCount *int64 `json:"remainingItemCount"`
			Continue           string `json:"continue"`
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if json.Unmarshal(body, &v) != nil || !strings.HasSuffix(v.Kind, "List") {
		return ""
	}
	resource := strings.ToLower(strings.TrimSuffix(v.Kind, "List")) + "s"
	n := int64(len(v.Items))
	more := ""
	switch {
	case v.Metadata.RemainingItemCount != nil:
		n += *v.Metadata.RemainingItemCount
	case v.Metadata.Continue != "":
		more = " or more"
	}
	where := ""
	if parts := strings.Split(strings.Trim(path, "/"), "/"); len(parts) >= 4 && parts[2] == "namespaces" {
		where = " in " + printable(parts[3])
	}
	return fmt.Sprintf("lists %s: %d%s%s", resource, n, more, where)
}

// notAPI is the summary of an answer that is not the API server's: its kind of content, never
// its text.
func notAPI(body []byte) string {
	kind := http.DetectContentType(body)
	if len(body) == 0 {
		kind = "empty"
	}
	return fmt.Sprintf("%s (%s, %d bytes)", NotAPIServer, kind, len(body))
}

// printable keeps a short, printable value.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
