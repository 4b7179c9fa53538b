package encryptionconfig

import (
	"strings"
	"testing"
)

const key32 = "c2VjcmV0IGlzIHNlY3VyZSwgSSB0aGluayBzbyB5ZXM=" // 32 bytes

func header(body string) string {
	return "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n" + body
}

func TestForJudgesEachResourceByTheEntryTheAPIServerPicks(t *testing.T) {
	tests := []struct {
		name, file, resource string
		verdict              Verdict
		entry                int
		match                string
		explain              string
	}{
		{name: "aescbc first for secrets", resource: "secrets", verdict: Encrypted, entry: 0, match: "secrets",
			file: `resources:
- resources: [secrets]
  providers:
  - aescbc: {keys: [{name: k1, secret: ` + key32 + `}]}
  - identity: {}`, explain: `resources[0] ("secrets") providers[0]: aescbc (key k1)`},
		{name: "identity first is plain text even with a key after it", resource: "secrets", verdict: PlainText, entry: 0, match: "secrets",
			file: `resources:
- resources: [secrets]
  providers:
  - identity: {}
  - aescbc: {keys: [{name: k1, secret: ` + key32 + `}]}`, explain: "only decrypt what was written before"},
		{name: "secrets not named", resource: "secrets", verdict: NotCovered, entry: -1,
			file: `resources:
- resources: [configmaps]
  providers: [{secretbox: {keys: [{name: k, secret: ` + key32 + `}]}}]`, explain: "stored in etcd as plain text"},
		{name: "core wildcard covers secrets", resource: "secrets", verdict: Encrypted, entry: 0, match: "*.",
			file: `resources:
- resources: ["*."]
  providers: [{secretbox: {keys: [{name: k, secret: ` + key32 + `}]}}]`},
		{name: "any wildcard covers secrets", resource: "secrets", verdict: Encrypted, entry: 1, match: "*.*",
			file: `resources:
- resources: ["*.apps"]
  providers: [{identity: {}}]
- resources: ["*.*"]
  providers: [{kms: {apiVersion: v2, name: vault, endpoint: "unix:///run/kms.sock"}}]`},
		{name: "exact name wins over an earlier wildcard of another group", resource: "deployments.apps", verdict: PlainText, entry: 0, match: "*.apps",
			file: `resources:
- resources: ["*.apps"]
  providers: [{identity: {}}]
- resources: ["*.*"]
  providers: [{aescbc: {keys: [{name: k, secret: ` + key32 + `}]}}]`},
		{name: "kms without apiVersion is v1", resource: "secrets", verdict: DeprecatedKMS, entry: 0, match: "secrets",
			file: `resources:
- resources: [secrets]
  providers: [{kms: {name: old, endpoint: "unix:///run/kms.sock", cachesize: 100}}]`, explain: "kms v1, the default (name old)"},
		{name: "aesgcm needs rotation", resource: "secrets", verdict: NeedsRotation, entry: 0, match: "secrets",
			file: `resources:
- resources: [secrets]
  providers: [{aesgcm: {keys: [{name: g, secret: ` + key32 + `}]}}]`, explain: "200,000 writes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("enc.yaml", []byte(header(tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			j := c.For(tt.resource)
			if j.Verdict != tt.verdict || j.Entry != tt.entry || j.Match != tt.match {
				t.Errorf("For(%s) = %s entry %d match %q, want %s entry %d match %q", tt.resource, j.Verdict, j.Entry, j.Match, tt.verdict, tt.entry, tt.match)
			}
			if !strings.Contains(j.Explain(), tt.explain) {
				t.Errorf("Explain() = %q, want it to contain %q", j.Explain(), tt.explain)
			}
			if strings.Contains(j.Explain(), key32) {
				t.Error("the explanation shows a key")
			}
		})
	}
}

func TestExactNamesInSeveralEntriesGetAllTheirProvidersInOrder(t *testing.T) {
	c, err := Parse("enc.yaml", []byte(header(`resources:
- resources: [secrets]
  providers: [{identity: {}}]
- resources: [secrets]
  providers: [{aescbc: {keys: [{name: k, secret: `+key32+`}]}}]`)))
	if err != nil {
		t.Fatal(err)
	}
	j := c.For("secrets")
	if j.Entry != 0 || len(j.Providers) != 2 || j.Verdict != PlainText {
		t.Errorf("got entry %d, %d providers, %s", j.Entry, len(j.Providers), j.Verdict)
	}
}

func TestParseRefusesWhatTheAPIServerRefuses(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"empty", "", "enc.yaml is empty"},
		{"not yaml", "resources: [", "enc.yaml: not YAML or JSON"},
		{"wrong kind", "apiVersion: v1\nkind: ConfigMap\n", `enc.yaml is apiVersion "v1" kind "ConfigMap"`},
		{"old group", "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: EncryptionConfiguration\nresources: []", "want apiserver.config.k8s.io/v1 EncryptionConfiguration"},
		{"unknown field", header("resources:\n- resources: [secrets]\n  provider: [{identity: {}}]\n"), `unknown field "resources[0].provider"`},
		{"field in the wrong case", header("Resources: []\n"), `unknown field "Resources"`},
		{"duplicate field", header("resources: []\nresources: []\n"), "enc.yaml"},
		{"no entries", header("resources: []\n"), "at least one entry"},
		{"no providers", header("resources:\n- resources: [secrets]\n  providers: []\n"), "resources[0].providers: at least one provider"},
		{"two providers in one element", header("resources:\n- resources: [secrets]\n  providers: [{identity: {}, aescbc: {keys: [{name: k, secret: " + key32 + "}]}}]\n"), "exactly one of"},
		{"short key", header("resources:\n- resources: [secrets]\n  providers: [{aescbc: {keys: [{name: k, secret: c2hvcnQ=}]}}]\n"), "secret is 5 bytes"},
		{"key not base64", header("resources:\n- resources: [secrets]\n  providers: [{secretbox: {keys: [{name: k, secret: '!!'}]}}]\n"), "not base64"},
		{"kms over tcp", header("resources:\n- resources: [secrets]\n  providers: [{kms: {apiVersion: v2, name: k, endpoint: 'tcp://10.0.0.1:1'}}]\n"), "only unix://"},
		{"kms v3", header("resources:\n- resources: [secrets]\n  providers: [{kms: {apiVersion: v3, name: k, endpoint: 'unix:///s'}}]\n"), `apiVersion "v3"`},
		{"bare star", header("resources:\n- resources: ['*']\n  providers: [{identity: {}}]\n"), `use "*."`},
		{"core wildcard beside secrets", header("resources:\n- resources: ['*.', secrets]\n  providers: [{identity: {}}]\n"), "wildcard overlaps"},
		{"secrets after the core wildcard", header("resources:\n- resources: ['*.']\n  providers: [{identity: {}}]\n- resources: [secrets]\n  providers: [{identity: {}}]\n"), `"secrets" is masked by "*." of resources[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("enc.yaml", []byte(tt.file))
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", c)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "enc.yaml") {
				t.Errorf("error %q does not name the file and %q", err, tt.want)
			}
			if strings.Contains(err.Error(), key32) {
				t.Error("the error shows a key")
			}
		})
	}
}

func TestParseReadsJSONAndStaticKeys(t *testing.T) {
	c, err := Parse("enc.json", []byte(`{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration",
		"resources":[{"resources":["secrets"],"providers":[{"kms":{"apiVersion":"v2","name":"v","endpoint":"unix:///k.sock","timeout":"3s"}}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.StaticKeys() || c.For("secrets").Verdict != Encrypted {
		t.Errorf("static keys %v, verdict %s", c.StaticKeys(), c.For("secrets").Verdict)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(header("resources:\n- resources: [secrets, '*.apps']\n  providers: [{aescbc: {keys: [{name: k, secret: " + key32 + "}]}}, {identity: {}}]\n")))
	f.Add([]byte(header("resources:\n- resources: ['*.*']\n  providers: [{kms: {name: k, endpoint: 'unix:///s', timeout: 3s}}]\n")))
	f.Add([]byte("{}"))
	f.Add([]byte(header("resources: [{resources: ['*.'], providers: [{identity: {}}]}, {resources: [secrets], providers: []}]")))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			if !strings.Contains(err.Error(), "f.yaml") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		for _, r := range []string{"secrets", "configmaps", "deployments.apps", "widgets.example.com"} {
			j := c.For(r)
			if (j.Entry < 0) != (j.Verdict == NotCovered) {
				t.Errorf("For(%s): entry %d with verdict %s", r, j.Entry, j.Verdict)
			}
			_ = j.Explain()
		}
	})
}
