package kubelet

// The summaries of the kubelet's answers. Answers are untrusted (anything may listen on a
// port), so each summariser decodes only the fields it counts, never keeps or prints a value
// that could be a secret, and says "unexpected answer" for what is not a kubelet's.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/probe/conn"
)

// podList is what a pod summary reads of a v1 PodList (the kubelet's /pods and
// /runningpods/).
type podList struct {
	Kind  string `json:"kind"`
	Items []struct {
		Metadata struct {
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			Containers          []container `json:"containers"`
			InitContainers      []container `json:"initContainers"`
			EphemeralContainers []container `json:"ephemeralContainers"`
		} `json:"spec"`
	} `json:"items"`
}

type container struct {
	Image string `json:"image"`
	Env   []struct {
		Value presence `json:"value"`
	} `json:"env"`
}

// presence records whether a JSON string is non-empty, without keeping it: an env value is
// counted, never held.
type presence bool

func (p *presence) UnmarshalJSON(b []byte) error {
	*p = len(b) > 2 && b[0] == '"'
	return nil
}

// SummarisePods counts what a pod list discloses: "3 pods in 2 namespaces, 4 images, 5
// containers, 2 with env values (3 values); env values redacted". what names the pods ("pods",
// "running pods").
func SummarisePods(data []byte, what string) string {
	var l podList
	if err := json.Unmarshal(data, &l); err != nil {
		if len(data) >= maxPodList {
			return fmt.Sprintf("a pod list of more than %d MiB, not summarised", maxPodList>>20)
		}
		return Unexpected + "not a pod list (" + notKubelet(data) + ")"
	}
	if l.Kind != "PodList" {
		return Unexpected + "JSON that is not a PodList"
	}
	namespaces, images := map[string]bool{}, map[string]bool{}
	containers, withEnv, values := 0, 0, 0
	for _, p := range l.Items {
		namespaces[p.Metadata.Namespace] = true
		for _, cs := range [][]container{p.Spec.InitContainers, p.Spec.Containers, p.Spec.EphemeralContainers} {
			for _, c := range cs {
				containers++
				if c.Image != "" {
					images[c.Image] = true
				}
				n := 0
				for _, e := range c.Env {
					if e.Value {
						n++
					}
				}
				if n > 0 {
					withEnv++
					values += n
				}
			}
		}
	}
	s := fmt.Sprintf("%s in %s, %s, %s", count(len(l.Items), strings.TrimSuffix(what, "s")),
		count(len(namespaces), "namespace"), count(len(images), "image"), count(containers, "container"))
	if withEnv > 0 {
		s += fmt.Sprintf(", %d with env values (%s); env values redacted", withEnv, count(values, "value"))
	}
	return s
}

// maxPodList is what is read of a pod list (conn.Do's default limit).
const maxPodList = conn.MaxBody

// count writes "1 pod", "3 pods", "2 entries".
func count(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "y"):
		return strconv.Itoa(n) + " " + strings.TrimSuffix(noun, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// configz is what a configuration summary reads of the kubelet's /configz: the settings that
// decide who may use its API. They are configuration, not secrets; the client CA file is
// said to be set or not, without its path.
type configz struct {
	Config *struct {
		Authentication struct {
			Anonymous struct {
				Enabled *bool `json:"enabled"`
			} `json:"anonymous"`
			Webhook struct {
				Enabled *bool `json:"enabled"`
			} `json:"webhook"`
			X509 struct {
				ClientCAFile string `json:"clientCAFile"`
			} `json:"x509"`
		} `json:"authentication"`
		Authorization struct {
			Mode string `json:"mode"`
		} `json:"authorization"`
		ReadOnlyPort *int `json:"readOnlyPort"`
	} `json:"kubeletconfig"`
}

// modes are the kubelet's authorization modes (KubeletAuthorizationMode), the only values of
// that field a summary repeats.
var modes = map[string]bool{"AlwaysAllow": true, "Webhook": true}

// SummariseConfigz says which authentication and authorization the served configuration
// shows: "effective configuration served: anonymous authentication on, webhook authentication
// off, no client CA file, authorization mode AlwaysAllow, read-only port 10255".
func SummariseConfigz(data []byte) string {
	var c configz
	if err := json.Unmarshal(data, &c); err != nil {
		return Unexpected + "not a kubelet configuration (" + notKubelet(data) + ")"
	}
	if c.Config == nil {
		// configz serves what its components registered: a kubelet that registered nothing
		// (kubemark's hollow kubelet) answers an empty object.
		if bytes.Equal(bytes.TrimSpace(data), []byte("{}")) {
			return "the configuration endpoint answers, with no configuration registered"
		}
		return Unexpected + "not a kubelet configuration (" + notKubelet(data) + ")"
	}
	k := c.Config
	parts := []string{
		"anonymous authentication " + onOff(k.Authentication.Anonymous.Enabled),
		"webhook authentication " + onOff(k.Authentication.Webhook.Enabled),
	}
	if k.Authentication.X509.ClientCAFile != "" {
		parts = append(parts, "a client CA file")
	} else {
		parts = append(parts, "no client CA file")
	}
	switch mode := k.Authorization.Mode; {
	case mode == "":
		parts = append(parts, "authorization mode not shown")
	case modes[mode]:
		parts = append(parts, "authorization mode "+mode)
	default:
		parts = append(parts, "authorization mode unrecognised")
	}
	if k.ReadOnlyPort != nil {
		parts = append(parts, "read-only port "+strconv.Itoa(*k.ReadOnlyPort))
	}
	return "effective configuration served: " + strings.Join(parts, ", ")
}

func onOff(b *bool) string {
	switch {
	case b == nil:
		return "not shown"
	case *b:
		return "on"
	}
	return "off"
}

// SummariseMetrics counts the samples of a Prometheus text exposition; truncated says the
// answer was cut at the read limit.
func SummariseMetrics(data []byte, truncated bool) string {
	samples, families := 0, 0
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0:
		case bytes.HasPrefix(line, []byte("# TYPE ")):
			families++
		case line[0] == '#':
		default:
			samples++
		}
	}
	if families == 0 {
		return Unexpected + "not Prometheus metrics (" + notKubelet(data) + ")"
	}
	at := ""
	if truncated {
		at = "at least "
	}
	return fmt.Sprintf("metrics served: %s%s of %s", at, count(samples, "sample"), count(families, "metric family"))
}

// SummariseLogs counts the entries of the node's log directory listing (/var/log, served as
// an HTML list of links).
func SummariseLogs(data []byte, truncated bool) string {
	lower := bytes.ToLower(data)
	n := bytes.Count(lower, []byte("<a href="))
	if n == 0 && !bytes.Contains(lower, []byte("<pre>")) {
		return Unexpected + "not a directory listing (" + notKubelet(data) + ")"
	}
	at := ""
	if truncated {
		at = "at least "
	}
	return fmt.Sprintf("the node's log directory is listed: %s%s", at, count(n, "entry"))
}

// SummariseCmdline says whether the process's command line is disclosed (Go's pprof writes
// its arguments separated by NUL bytes), counting the arguments; never the line, which may
// hold a token or a key's path.
func SummariseCmdline(data []byte) string {
	if len(data) == 0 {
		return "the command line is not disclosed (empty answer)"
	}
	lower := bytes.ToLower(data)
	if bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype")) || bytes.ContainsAny(data, "\n\r") || json.Valid(data) {
		return Unexpected + "not a command line (" + notKubelet(data) + ")"
	}
	return fmt.Sprintf("the process's command line is disclosed (%s, withheld here)", count(bytes.Count(data, []byte{0})+1, "argument"))
}

// notKubelet describes an answer without quoting it.
func notKubelet(data []byte) string {
	switch {
	case len(data) == 0:
		return "empty"
	case json.Valid(data):
		return fmt.Sprintf("%d bytes of JSON", len(data))
	}
	return fmt.Sprintf("%d bytes", len(data))
}
