package etcd

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/inventory"
)

// leakMarker stands for a Secret's value: no answer's summary may hold it.
const leakMarker = "s3cr3t-VALUE-do-not-show"

func TestClassifyTellsTheStoredForm(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        Storage
	}{
		{"aescbc", "k8s:enc:aescbc:v1:key1:\x8f\x01", Storage{Kind: Encrypted, Provider: "aescbc", Key: "key1"}},
		{"aesgcm", "k8s:enc:aesgcm:v1:2024-rotation:\x00", Storage{Kind: Encrypted, Provider: "aesgcm", Key: "2024-rotation"}},
		{"secretbox", "k8s:enc:secretbox:v1:sb_1:xx", Storage{Kind: Encrypted, Provider: "secretbox", Key: "sb_1"}},
		{"kms v1", "k8s:enc:kms:v1:vault:\x00\x10", Storage{Kind: Encrypted, Provider: "kms v1", Key: "vault"}},
		{"kms v2", "k8s:enc:kms:v2:cloud-kms:\n\x12", Storage{Kind: Encrypted, Provider: "kms v2", Key: "cloud-kms"}},
		{"a provider Kubernetes may add", "k8s:enc:newcipher:v1:k:abc", Storage{Kind: Encrypted, Provider: "newcipher", Key: "k"}},
		{"a key name that is not a name is not shown", "k8s:enc:aescbc:v1:" + leakMarker + " with spaces:x", Storage{Kind: Encrypted, Provider: "aescbc"}},
		{"a key name cut short is not shown", "k8s:enc:aescbc:v1:key1", Storage{Kind: Encrypted, Provider: "aescbc"}},
		{"a provider name that is not a name", "k8s:enc:\x01\x02:v1:k:", Storage{Kind: Encrypted, Provider: "an unnamed provider"}},
		{"a provider cut short", "k8s:enc:aescbc", Storage{Kind: Encrypted, Provider: "an unnamed provider"}},
		{"protobuf", "k8s\x00\n\x0c\n\x02v1\x12\x06Secret", Storage{Kind: PlainProtobuf}},
		{"JSON", `{"kind":"Secret","data":{"password":"` + leakMarker + `"}}`, Storage{Kind: PlainJSON}},
		{"empty", "", Storage{Kind: Unrecognised}},
		{"something else", leakMarker, Storage{Kind: Unrecognised}},
		{"k8s without the NUL", "k8s:other", Storage{Kind: Unrecognised}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify([]byte(tc.value))
			if got != tc.want {
				t.Errorf("Classify(%q) = %+v, want %+v", tc.value, got, tc.want)
			}
			if strings.Contains(got.String(), "VALUE") {
				t.Errorf("%q shows part of the value", got.String())
			}
		})
	}
}

func TestStorageSaysHowAValueWasStored(t *testing.T) {
	for s, want := range map[Storage]string{
		{Kind: Encrypted, Provider: "aescbc", Key: "key1"}: "encrypted with aescbc (key key1)",
		{Kind: Encrypted, Provider: "kms v2"}:              "encrypted with kms v2",
		{Kind: PlainProtobuf}:                              "in plain text (protobuf)",
		{Kind: PlainJSON}:                                  "in plain text (JSON)",
		{Kind: Unrecognised}:                               "in no form the API server writes",
	} {
		if got := s.String(); got != want {
			t.Errorf("%+v: %q, want %q", s, got, want)
		}
	}
}

func TestPrefixEndEndsTheRangeOfThePrefix(t *testing.T) {
	for prefix, want := range map[string]string{
		"/registry/": "/registry0",
		"/":          "0",
		"a\xff":      "b",
		"\xff\xff":   "\x00",
	} {
		if got := string(prefixEnd([]byte(prefix))); got != want {
			t.Errorf("prefixEnd(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func TestOptionsPrefixIsTheAPIServersKeyPrefix(t *testing.T) {
	for given, want := range map[string]string{
		"":           "/registry/",
		"/registry":  "/registry/",
		"registry/":  "/registry/",
		"/k3s/data/": "/k3s/data/",
		"/":          "/",
	} {
		if got := (Options{Prefix: given}).prefix(); got != want {
			t.Errorf("prefix %q: %q, want %q", given, got, want)
		}
	}
}

func TestDescribeCountGradesTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		err    error
		want   string
		kind   inventory.AnswerKind
	}{
		{"readable", 200, `{"header":{"revision":"9"}, "count":"312"}`, nil, "312 keys readable under /registry/", inventory.AnswerKeysCounted},
		{"one key", 200, `{"header":{"revision":"9"}, "count":"1"}`, nil, "1 key readable under /registry/", inventory.AnswerKeysCounted},
		{"readable and empty", 200, `{"header":{"revision":"9"}}`, nil, "0 keys readable under /registry/", inventory.AnswerKeysCounted},
		{"etcd's own authentication", 400, `{"code":3, "message":"etcdserver: user name is empty"}`, nil,
			"keys not readable: etcd answered HTTP 400: etcdserver: user name is empty", inventory.AnswerKeysRefused},
		{"permission denied", 403, `{"error":"etcdserver: permission denied","code":7}`, nil,
			"keys not readable: etcd answered HTTP 403: etcdserver: permission denied", inventory.AnswerKeysRefused},
		{"peer port", 404, "404 page not found\n", nil, "keys not readable: no v3 gateway at this port (HTTP 404)", inventory.AnswerKeysRefused},
		{"200 but nonsense", 200, "<html>hello</html>", nil, "unexpected answer: HTTP 200 that is not an etcd range answer (18 bytes)", inventory.AnswerKeysUnproven},
		{"200 JSON without header", 200, `{"count":"3"}`, nil, "unexpected answer: HTTP 200 that is not an etcd range answer (13 bytes)", inventory.AnswerKeysUnproven},
		{"500 nonsense", 500, "oops", nil, "unexpected answer: HTTP 500 that is not etcd's (4 bytes)", inventory.AnswerKeysUnproven},
		{"certificate required", 0, "", fmt.Errorf("remote error: tls: certificate required"), "keys not readable: etcd requires a client certificate", inventory.AnswerKeysRefused},
		{"no answer", 0, "", fmt.Errorf("connection reset"), "no answer", inventory.AnswerKeysUnproven},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, kind := describeCount(tc.status, []byte(tc.body), tc.err, "/registry/"); got != tc.want || kind != tc.kind {
				t.Errorf("got %q of kind %d, want %q of kind %d", got, kind, tc.want, tc.kind)
			}
		})
	}
}

func TestProbeAsksVersionAndCountsKeysWithoutFetchingValues(t *testing.T) {
	g := &gateway{kv: map[string][]byte{
		"/registry/secrets/a/one":    secretValue("k8s\x00", leakMarker),
		"/registry/configmaps/a/two": secretValue("k8s\x00", leakMarker),
		"/other/key":                 []byte(leakMarker),
	}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c := fakeConn(srv, "etcd")
	Probe(context.Background(), c)
	want := []inventory.Answer{
		{Method: "GET", Path: "/version", Status: 200, Summary: "etcd 3.7.0 (cluster version 3.7.0)", Kind: inventory.AnswerEtcdVersion},
		{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: "2 keys readable under /registry/", Kind: inventory.AnswerKeysCounted},
	}
	checkAnswers(t, c.Endpoint, want)
}

func TestProbeAsksNothingWithoutCredentialsOfAnEndpointThatRequiresACertificate(t *testing.T) {
	srv := httptest.NewServer(&gateway{})
	defer srv.Close()
	c := fakeConn(srv, "etcd")
	c.Endpoint.Protocol, c.Endpoint.TLS = "https", &inventory.TLSFacts{ClientCertRequired: true}
	Probe(context.Background(), c)
	checkAnswers(t, c.Endpoint, nil)
}

func TestProbeOfAnUnreachableEndpointAsksNothing(t *testing.T) {
	c := fakeConn(httptest.NewServer(&gateway{}), "etcd")
	c.Endpoint.Reachable, c.Endpoint.Protocol = false, ""
	c.ClientTLS = &tls.Config{}
	Probe(context.Background(), c)
	checkAnswers(t, c.Endpoint, nil)
}

func TestProofCountsStoredFormsPageByPage(t *testing.T) {
	kv := map[string][]byte{}
	for i := range 7 {
		kv[fmt.Sprintf("/registry/secrets/ns/aes-%02d", i)] = secretValue("k8s:enc:aescbc:v1:key1:", leakMarker)
	}
	for i := range 3 {
		kv[fmt.Sprintf("/registry/secrets/ns/plain-%02d", i)] = secretValue("k8s\x00", leakMarker)
	}
	kv["/registry/secrets/ns/zz-json"] = secretValue(`{"kind":"Secret"}`, leakMarker)
	kv["/registry/secretsandmore/x"] = []byte(leakMarker) // outside secrets/
	srv := httptest.NewServer(&gateway{kv: kv})
	defer srv.Close()

	t.Run("all in one page", func(t *testing.T) {
		c := fakeConn(srv, "etcd")
		c.ClientTLS = &tls.Config{}
		Probe(context.Background(), c)
		checkAnswers(t, c.Endpoint, []inventory.Answer{
			{Method: "GET", Path: "/version", Status: 200, Summary: "etcd 3.7.0 (cluster version 3.7.0)", Kind: inventory.AnswerEtcdVersion},
			{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: "12 keys readable under /registry/", Kind: inventory.AnswerKeysCounted},
			{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: "11 of 11 Secrets under /registry/secrets/ sampled: " +
				"7 encrypted with aescbc (key key1), 3 in plain text (protobuf), 1 in plain text (JSON)",
				Kind: inventory.AnswerSecretsSampled, Secrets: &inventory.SecretsSample{Prefix: "/registry/secrets/", Total: 11, Sampled: 11, Encrypted: 7, Plain: 4}},
		})
	})
	t.Run("a bounded sample", func(t *testing.T) {
		c := fakeConn(srv, "etcd")
		c.ClientTLS = &tls.Config{}
		Options{Sample: 8}.Probe(context.Background(), c)
		a := c.Endpoint.Answers[2]
		if want := "8 of 11 Secrets under /registry/secrets/ sampled: 7 encrypted with aescbc (key key1), 1 in plain text (protobuf)"; a.Summary != want {
			t.Errorf("summary %q, want %q", a.Summary, want)
		}
		if len(c.Endpoint.Answers) != 3 {
			t.Errorf("%d answers, want 3 (one page)", len(c.Endpoint.Answers))
		}
	})
	t.Run("the peer port proves nothing", func(t *testing.T) {
		c := fakeConn(srv, "etcd-peer")
		c.ClientTLS = &tls.Config{}
		Probe(context.Background(), c)
		if n := len(c.Endpoint.Answers); n != 2 {
			t.Errorf("%d answers, want /version and the count-only range", n)
		}
	})
}

func TestProofOfAnotherPrefixAndNoSecrets(t *testing.T) {
	srv := httptest.NewServer(&gateway{kv: map[string][]byte{"/k3s/secrets/a/b": secretValue("k8s:enc:kms:v2:vault:", leakMarker)}})
	defer srv.Close()
	for prefix, want := range map[string]string{
		"/k3s":     "1 of 1 Secrets under /k3s/secrets/ sampled: 1 encrypted with kms v2 (key vault)",
		"/missing": "no Secrets under /missing/secrets/",
	} {
		c := fakeConn(srv, "etcd")
		c.ClientTLS = &tls.Config{}
		Options{Prefix: prefix}.Probe(context.Background(), c)
		if got := c.Endpoint.Answers[len(c.Endpoint.Answers)-1].Summary; got != want {
			t.Errorf("prefix %s: %q, want %q", prefix, got, want)
		}
	}
}

func TestProofAsksAgainWithFewerSecretsWhenAnAnswerReachesTheBound(t *testing.T) {
	// 12 Secrets of 800 KiB are 12.5 MiB in base64: beyond the 8 MiB bound of one answer;
	// 6 of them are within it.
	kv := map[string][]byte{}
	for i := range 12 {
		v := make([]byte, 800<<10)
		copy(v, "k8s:enc:secretbox:v1:k:")
		kv[fmt.Sprintf("/registry/secrets/big/%02d", i)] = v
	}
	g := &gateway{kv: kv}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c := fakeConn(srv, "etcd")
	c.ClientTLS = &tls.Config{}
	Options{Sample: 12}.Probe(context.Background(), c)
	proof := c.Endpoint.Answers[2:]
	if want := "12 of 12 Secrets under /registry/secrets/ sampled: 12 encrypted with secretbox (key k)"; proof[0].Summary != want {
		t.Errorf("summary %q, want %q", proof[0].Summary, want)
	}
	// 12 (cut short), 6, then the other 6 in one page.
	var summaries []string
	for _, a := range proof[1:] {
		summaries = append(summaries, a.Summary)
	}
	if want := []string{"encryption proof, continued: 6 Secrets read", "encryption proof, continued: 6 Secrets read"}; strings.Join(summaries, "|") != strings.Join(want, "|") {
		t.Errorf("later pages %q, want %q", summaries, want)
	}
}

func TestProofOfNonsenseSaysWhyNoneWasMade(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
		kind    inventory.AnswerKind
	}{
		{"nonsense", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "k8s:enc:"+leakMarker) },
			"not made: unexpected answer: HTTP 200 that is not an etcd range answer (32 bytes)", inventory.AnswerSecretsUnproven},
		{"permission denied", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"code":7,"message":"etcdserver: permission denied"}`)
		}, "not made: etcd answered HTTP 403: etcdserver: permission denied", inventory.AnswerSecretsUnproven},
		{"a value that is not base64", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"header":{},"kvs":[{"key":"L3JlZ2lzdHJ5L3NlY3JldHMvYS9i","value":"`+leakMarker+`"}],"count":"1"}`)
		}, "1 of 1 Secrets under /registry/secrets/ sampled: 1 in no form the API server writes", inventory.AnswerSecretsSampled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c := fakeConn(srv, "etcd")
			c.Endpoint.Protocol, c.Endpoint.TLS = "https", &inventory.TLSFacts{ClientCertRequired: true}
			c.ClientTLS = &tls.Config{}
			Probe(context.Background(), c)
			last := c.Endpoint.Answers[len(c.Endpoint.Answers)-1]
			if last.Summary != tc.want || last.Kind != tc.kind {
				t.Errorf("summary %q of kind %d, want %q of kind %d", last.Summary, last.Kind, tc.want, tc.kind)
			}
			checkNoLeak(t, c.Endpoint)
		})
	}
}

// checkAnswers compares the endpoint's answers with want, and checks that none shows a value.
func checkAnswers(t *testing.T, ep *inventory.Endpoint, want []inventory.Answer) {
	t.Helper()
	if len(ep.Answers) != len(want) {
		t.Fatalf("answers %+v, want %+v", ep.Answers, want)
	}
	for i := range want {
		got, w := ep.Answers[i], want[i]
		if (got.Secrets == nil) != (w.Secrets == nil) || got.Secrets != nil && *got.Secrets != *w.Secrets {
			t.Errorf("answer %d: proof %+v, want %+v", i, got.Secrets, w.Secrets)
		}
		got.Secrets, w.Secrets = nil, nil
		if got != w {
			t.Errorf("answer %d: %+v, want %+v", i, ep.Answers[i], want[i])
		}
	}
	checkNoLeak(t, ep)
}

func checkNoLeak(t *testing.T, ep *inventory.Endpoint) {
	t.Helper()
	for _, a := range ep.Answers {
		if strings.Contains(a.Summary+a.Error, "VALUE") {
			t.Errorf("answer %+v shows a value", a)
		}
	}
}
