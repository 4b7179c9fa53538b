package kubelet_test

import (
	"regexp"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/probe/kubelet"
)

const podListJSON = `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
 {"metadata":{"name":"a","namespace":"prod"},"spec":{
   "initContainers":[{"name":"init","image":"busybox:1"}],
   "containers":[{"name":"app","image":"app:2","env":[{"name":"TOKEN","value":"s3cr3t-token"},{"name":"EMPTY","value":""},{"name":"REF","valueFrom":{"secretKeyRef":{"name":"x","key":"y"}}}]},
                 {"name":"side","image":"busybox:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}},
 {"metadata":{"name":"b","namespace":"dev"},"spec":{"containers":[{"name":"app","image":"app:2"}]}}
]}`

func TestSummarisePodsCountsWhatLeaksAndRedactsValues(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"pods with env values", podListJSON,
			"2 pods in 2 namespaces, 2 images, 4 containers, 2 with env values (3 values); env values redacted"},
		{"empty list", `{"kind":"PodList","items":[]}`, "0 pods in 0 namespaces, 0 images, 0 containers"},
		{"null values are no values", `{"kind":"PodList","items":[{"metadata":{"namespace":"x"},"spec":{"containers":[{"image":"i","env":[{"name":"N","value":null}]}]}}]}`,
			"1 pod in 1 namespace, 1 image, 1 container"},
		{"not JSON", "<html>hello</html>", kubelet.Unexpected + "not a pod list (18 bytes)"},
		{"JSON of another kind", `{"kind":"Status","status":"Failure"}`, kubelet.Unexpected + "JSON that is not a PodList"},
		{"a value of the wrong type", `{"kind":"PodList","items":{"a":1}}`, kubelet.Unexpected + "not a pod list (34 bytes of JSON)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kubelet.SummarisePods([]byte(tt.data), "pods")
			if got != tt.want {
				t.Errorf("summary = %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "s3cr3t") {
				t.Errorf("summary holds a value: %q", got)
			}
		})
	}
}

func TestSummariseConfigzShowsWhoMayUseTheAPI(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"flags-only kubelet",
			`{"kubeletconfig":{"authentication":{"anonymous":{"enabled":true},"webhook":{"enabled":false},"x509":{}},"authorization":{"mode":"AlwaysAllow"},"readOnlyPort":10255}}`,
			"effective configuration served: anonymous authentication on, webhook authentication off, no client CA file, authorization mode AlwaysAllow, read-only port 10255"},
		{"kubeadm kubelet",
			`{"kubeletconfig":{"authentication":{"anonymous":{"enabled":false},"webhook":{"enabled":true},"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"}},"authorization":{"mode":"Webhook"}}}`,
			"effective configuration served: anonymous authentication off, webhook authentication on, a client CA file, authorization mode Webhook"},
		{"nothing registered", `{}`, "the configuration endpoint answers, with no configuration registered"},
		{"a mode that is no mode", `{"kubeletconfig":{"authorization":{"mode":"s3cr3t value"}}}`,
			"effective configuration served: anonymous authentication not shown, webhook authentication not shown, no client CA file, authorization mode unrecognised"},
		{"not JSON", "nope", kubelet.Unexpected + "not a kubelet configuration (4 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kubelet.SummariseConfigz([]byte(tt.data)); got != tt.want {
				t.Errorf("summary = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSummariesOfMetricsLogsAndCommandLine(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"metrics", kubelet.SummariseMetrics([]byte("# HELP a A.\n# TYPE a counter\na 1\na{x=\"y\"} 2\n"), false),
			"metrics served: 2 samples of 1 metric family"},
		{"metrics cut at the limit", kubelet.SummariseMetrics([]byte("# TYPE a counter\na 1\n# TYPE b gauge\nb 2\n"), true),
			"metrics served: at least 2 samples of 2 metric families"},
		{"not metrics", kubelet.SummariseMetrics([]byte("hello\n"), false), kubelet.Unexpected + "not Prometheus metrics (6 bytes)"},
		{"log listing", kubelet.SummariseLogs([]byte("<pre>\n<a href=\"pods/\">pods/</a>\n<a href=\"syslog\">syslog</a>\n</pre>\n"), false),
			"the node's log directory is listed: 2 entries"},
		{"not a listing", kubelet.SummariseLogs([]byte("{}"), false), kubelet.Unexpected + "not a directory listing (2 bytes of JSON)"},
		{"command line", kubelet.SummariseCmdline([]byte("/usr/bin/kubelet\x00--token=s3cr3t\x00--v=2")),
			"the process's command line is disclosed (3 arguments, withheld here)"},
		{"empty command line", kubelet.SummariseCmdline(nil), "the command line is not disclosed (empty answer)"},
		{"HTML is no command line", kubelet.SummariseCmdline([]byte("<!DOCTYPE html><html></html>")), kubelet.Unexpected + "not a command line (28 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("summary = %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// safeSummary is every summary's alphabet: words, numbers and punctuation of the package's
// own sentences. A summary that quoted an answer would sooner or later step outside it.
var safeSummary = regexp.MustCompile(`^[a-zA-Z0-9 ,;:()'".-]*$`)

// FuzzSummarisers feeds the summarisers untrusted answers: they never panic, never quote a
// value (the planted one, or anything outside their own sentences), and never call nonsense
// a pod list.
func FuzzSummarisers(f *testing.F) {
	f.Add([]byte(podListJSON))
	f.Add([]byte(`{"kind":"PodList","items":[{"spec":{"containers":[{"env":[{"value":"zzSECRETzz"}]}]}}]}`))
	f.Add([]byte(`{"kubeletconfig":{"authorization":{"mode":"zzSECRETzz"},"readOnlyPort":-1}}`))
	f.Add([]byte("# TYPE a counter\na 1\n"))
	f.Add([]byte("<pre><a href=x>x</a></pre>"))
	f.Add([]byte("kubelet\x00--token=zzSECRETzz"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		summaries := []string{
			kubelet.SummarisePods(data, "pods"),
			kubelet.SummariseConfigz(data),
			kubelet.SummariseMetrics(data, false),
			kubelet.SummariseLogs(data, false),
			kubelet.SummariseCmdline(data),
		}
		for _, s := range summaries {
			if strings.Contains(s, "zzSECRETzz") || !safeSummary.MatchString(s) {
				t.Fatalf("summary %q of %q quotes the answer", s, data)
			}
		}
	})
}
