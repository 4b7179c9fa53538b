// Package anonymous grades what requests without credentials got from an API server: the one
// judgement behind cluster/anonymous-access (the answers a cluster scan asked for) and
// apiserver/probe-anonymous-access (the answers a network probe got). It owns that grading and
// the words for it, and no rule.
package anonymous

import (
	"fmt"
	"net/http"
	"strings"

	"palisade.dev/palisade/internal/finding"
)

// Class is what a path reads.
type Class int

// Classes, from least to most disclosed.
const (
	// PublicInfo is what the bootstrap ClusterRole system:public-info-viewer lets everyone
	// read: the version and the health checks.
	PublicInfo Class = iota
	// Discovery is the API's map: /api, /apis, a group's or version's resources, OpenAPI.
	Discovery
	// Objects is anything else: lists and objects.
	Objects
)

var publicInfoPaths = map[string]bool{"/version": true, "/version/": true, "/healthz": true, "/livez": true, "/readyz": true}

// Classify says what a path (query ignored) reads.
func Classify(path string) Class {
	p, _, _ := strings.Cut(path, "?")
	switch {
	case publicInfoPaths[p] || strings.HasPrefix(p, "/healthz/") || strings.HasPrefix(p, "/livez/") || strings.HasPrefix(p, "/readyz/"):
		return PublicInfo
	case p == "/api" || p == "/api/" || p == "/apis" || p == "/apis/" || isGroupVersionPath(p) ||
		strings.HasPrefix(p, "/openapi/"):
		return Discovery
	}
	return Objects
}

// isGroupVersionPath reports whether p lists a group's resources rather than objects:
// /api/v1, /apis/apps, /apis/apps/v1.
func isGroupVersionPath(p string) bool {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch parts[0] {
	case "api":
		return len(parts) == 2
	case "apis":
		return len(parts) == 2 || len(parts) == 3
	}
	return false
}

// Answer is one request without credentials and its answer.
type Answer struct {
	Path   string
	Status int
	// Read is true for an answer that served what was asked (a 2xx that is the API server's
	// own answer); Label names it in messages ("/version", or "/version (version v1.37.2)").
	Read  bool
	Label string
}

// Verdict is the grade of a set of answers.
type Verdict struct {
	// Judged is false when no answer tells anything (no 401, 403 or read): nothing is graded.
	Judged bool
	// Closed is true when every judged answer was 401: anonymous authentication is off.
	Closed   bool
	Severity finding.Severity
	Message  string
}

// Grade judges the answers an API server gave at where ("the API server", "10.0.0.1:6443"):
// 401 everywhere is closed; objects readable are critical, the API discovery high, only the
// public info or refusals (403) low. Other answers (404, 5xx, failures) are not graded.
func Grade(answers []Answer, where string) Verdict {
	var read [3][]string
	var refused []string
	v := Verdict{Closed: true}
	for _, a := range answers {
		switch {
		case a.Status == http.StatusUnauthorized:
			v.Judged = true
		case a.Status == http.StatusForbidden:
			v.Judged, v.Closed = true, false
			refused = append(refused, a.Path)
		case a.Read:
			v.Judged, v.Closed = true, false
			c := Classify(a.Path)
			read[c] = append(read[c], a.Label)
		}
	}
	if !v.Judged || v.Closed {
		return v
	}
	const on = "anonymous authentication is on: requests without credentials are served as system:anonymous"
	switch {
	case len(read[Objects]) > 0:
		v.Severity = finding.Critical
		v.Message = fmt.Sprintf("%s, and may read objects: %s. Anyone who reaches %s reads them; look for bindings to "+
			"system:anonymous or system:unauthenticated (rbac/anonymous-binding)", on, strings.Join(read[Objects], ", "), where)
	case len(read[Discovery]) > 0:
		v.Severity = finding.High
		v.Message = fmt.Sprintf("%s, and may read the API discovery (%s): every API group, resource and version the "+
			"cluster serves is public, a map for an attacker (system:discovery has not been granted to "+
			"unauthenticated users by default since 1.14)", on, strings.Join(read[Discovery], ", "))
	default:
		v.Severity = finding.Low
		var what []string
		if len(read[PublicInfo]) > 0 {
			what = append(what, fmt.Sprintf("only the public info Kubernetes grants by default is readable (%s, "+
				"system:public-info-viewer)", strings.Join(read[PublicInfo], ", ")))
		}
		if len(refused) > 0 {
			what = append(what, fmt.Sprintf("RBAC refuses the rest (403 on %s)", strings.Join(refused, ", ")))
		}
		v.Message = fmt.Sprintf("%s; %s. Every binding to system:anonymous or system:unauthenticated opens more to "+
			"anyone who reaches %s", on, strings.Join(what, "; "), where)
	}
	return v
}
