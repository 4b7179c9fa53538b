package remedytext_test

import (
	"context"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/apis/audit"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	auditscheme "k8s.io/apiserver/pkg/audit"
	auditpolicy "k8s.io/apiserver/pkg/audit/policy"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	apiserverenc "k8s.io/apiserver/pkg/server/options/encryptionconfig"
	"k8s.io/apiserver/pkg/storage/value"

	"palisade.dev/palisade/internal/encryptionconfig"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/fix/remedytext"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/apiserver"
	"palisade.dev/palisade/internal/source/node"
	"palisade.dev/palisade/internal/testrules"
)

// encryptionKeyOf is the key of the first provider for secrets in an EncryptionConfiguration,
// as Palisade reads it.
func encryptionKeyOf(t testing.TB, text []byte) string {
	t.Helper()
	cfg, err := encryptionconfig.Parse("enc.yaml", text)
	if err != nil {
		t.Fatalf("parsing the encryption configuration: %v", err)
	}
	p := cfg.For("secrets").First()
	for _, k := range []*encryptionconfig.KeyedProvider{p.Secretbox, p.AESCBC} {
		if k != nil && len(k.Keys) > 0 {
			return k.Keys[0].Secret
		}
	}
	t.Fatal("the first provider for secrets holds no static key")
	return ""
}

// flagLine is a kube-apiserver flag the comment block of a text tells the operator to set.
var flagLine = regexp.MustCompile(`(?m)^#\s+(--[a-z-]+=\S+)`)

// flagsOf returns the flags the comment block of text names.
func flagsOf(text []byte) []string {
	var out []string
	for _, m := range flagLine.FindAllSubmatch(text, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// controlPlaneNode writes a control-plane node's tree under a temporary root: a kube-apiserver
// static pod with the flags the texts' comment blocks name, and each text at the path its
// flag names, mode 600 as the comments say. It reads the tree back as palisade node reads a
// host.
func controlPlaneNode(t *testing.T, texts ...[]byte) *node.Result {
	t.Helper()
	root := t.TempDir()
	var args []string
	for _, text := range texts {
		flags := flagsOf(text)
		args = append(args, flags...)
		for _, f := range flags {
			name, path, _ := strings.Cut(f, "=")
			if name != "--encryption-provider-config" && name != "--audit-policy-file" {
				continue
			}
			write(t, filepath.Join(root, path), text, remedytext.EncryptionConfigMode)
		}
	}
	manifest := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.37.2\n    command:\n    - kube-apiserver\n"
	for _, a := range args {
		manifest += "    - " + a + "\n"
	}
	write(t, filepath.Join(root, "etc/kubernetes/manifests/kube-apiserver.yaml"), []byte(manifest), 0o600)
	res := node.Scan(context.Background(), node.Options{Root: root, Proc: t.TempDir(), Host: "cp-1"})
	if len(res.Errors) > 0 {
		t.Fatalf("reading the node: %v", res.Errors)
	}
	for _, f := range res.Node.Files {
		// The comment block says chown root:root; a test run by another user cannot.
		f.UID, f.GID = 0, 0
	}
	return res
}

func write(t *testing.T, path string, data []byte, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// judgedClean runs the node rules whose IDs start with prefix on the node, and fails unless
// each of want gives exactly one verdict, a pass.
func judgedClean(t *testing.T, res *node.Result, prefix string, want []string) {
	t.Helper()
	var selected []rules.Rule
	for _, r := range apiserver.Rules() {
		if strings.HasPrefix(r.ID, prefix) {
			selected = append(selected, r)
		}
	}
	got := testrules.Node(t, testrules.Rules(t, selected...), "", res.Node, nil)
	var ids []string
	for _, v := range got {
		ids = append(ids, v.Rule)
		if v.Status != finding.Pass {
			t.Errorf("%s: %s: %s", v.Rule, v.Outcome(), v.Text())
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, want) {
		t.Errorf("verdicts of %v, want one each of %v", ids, want)
	}
}

func TestEncryptionConfigIsJudgedCleanByTheNodeRules(t *testing.T) {
	for _, provider := range []string{remedytext.Secretbox, remedytext.AESCBC} {
		t.Run(provider, func(t *testing.T) {
			text := encryptionConfig(t, provider, nil)
			res := controlPlaneNode(t, text)
			judgedClean(t, res, "apiserver/encryption-", []string{
				"apiserver/encryption-keys-file-mode", "apiserver/encryption-provider-config", "apiserver/encryption-secrets-provider",
			})
			f := res.Node.File("/etc/kubernetes/enc/enc.yaml")
			if f == nil || f.Mode.Perm() != 0o600 {
				t.Errorf("the file the flag names is %+v, want mode 0600", f)
			}
		})
	}
}

func TestAuditPolicyIsJudgedCleanByTheNodeRules(t *testing.T) {
	res := controlPlaneNode(t, auditPolicy(t))
	judgedClean(t, res, "apiserver/audit-", []string{
		"apiserver/audit-catch-all", "apiserver/audit-log-maxage", "apiserver/audit-log-maxbackup", "apiserver/audit-log-maxsize",
		"apiserver/audit-log-path", "apiserver/audit-omit-request-received", "apiserver/audit-pod-access", "apiserver/audit-policy-file",
		"apiserver/audit-secrets-metadata-only",
	})
}

func TestEncryptionConfigHoldsA32ByteKeyAndCoversSecretsAndConfigMaps(t *testing.T) {
	tests := []struct {
		provider string
		first    encryptionconfig.ProviderKind
	}{
		{provider: "", first: encryptionconfig.ProviderKind(remedytext.Secretbox)},
		{provider: remedytext.AESCBC, first: encryptionconfig.ProviderKind(remedytext.AESCBC)},
	}
	for _, tt := range tests {
		t.Run(string(tt.first), func(t *testing.T) {
			text := encryptionConfig(t, tt.provider, nil)
			key, err := base64.StdEncoding.Strict().DecodeString(encryptionKeyOf(t, text))
			if err != nil || len(key) != remedytext.KeyBytes {
				t.Fatalf("key of %d bytes (%v), want %d", len(key), err, remedytext.KeyBytes)
			}
			cfg, err := encryptionconfig.Parse("enc.yaml", text)
			if err != nil {
				t.Fatal(err)
			}
			for _, resource := range []string{"secrets", "configmaps"} {
				j := cfg.For(resource)
				kinds := []encryptionconfig.ProviderKind{}
				for _, p := range j.Providers {
					kinds = append(kinds, p.Kind())
				}
				if j.Verdict != encryptionconfig.Encrypted || !slices.Equal(kinds, []encryptionconfig.ProviderKind{tt.first, "identity"}) {
					t.Errorf("%s: %s, providers %v; want encrypted by %s, identity last", resource, j.Verdict, kinds, tt.first)
				}
			}
			if j := cfg.For("pods"); j.Verdict == encryptionconfig.Encrypted {
				t.Errorf("pods are encrypted too (%s); the configuration covers secrets and configmaps only", j.Where())
			}
		})
	}
}

// TestTheAPIServersLoaderEncryptsWithTheConfiguration loads the file with kube-apiserver's own
// code and encrypts a value with the transformer it builds for secrets and for configmaps.
func TestTheAPIServersLoaderEncryptsWithTheConfiguration(t *testing.T) {
	for _, provider := range []string{remedytext.Secretbox, remedytext.AESCBC} {
		t.Run(provider, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "enc.yaml")
			write(t, path, encryptionConfig(t, provider, nil), remedytext.EncryptionConfigMode)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			loaded, err := apiserverenc.LoadEncryptionConfig(ctx, path, false, "test")
			if err != nil {
				t.Fatalf("the API server's loader refuses the file: %v", err)
			}
			for _, gr := range []schema.GroupResource{{Resource: "secrets"}, {Resource: "configmaps"}} {
				tr, ok := loaded.Transformers[gr]
				if !ok {
					t.Fatalf("no transformer for %s", gr)
				}
				dataCtx := value.DefaultContext("/registry/" + gr.Resource + "/default/x")
				stored, err := tr.TransformToStorage(ctx, []byte("plain"), dataCtx)
				if err != nil {
					t.Fatalf("%s: encrypting: %v", gr, err)
				}
				if prefix := "k8s:enc:" + provider + ":v1:key1:"; !strings.HasPrefix(string(stored), prefix) {
					t.Errorf("%s: stored value does not start with %q", gr, prefix)
				}
				back, _, err := tr.TransformFromStorage(ctx, stored, dataCtx)
				if err != nil || string(back) != "plain" {
					t.Errorf("%s: decrypting gave %d bytes, %v", gr, len(back), err)
				}
			}
		})
	}
}

// TestTheAPIServersDecoderReadsThePolicyStrictly decodes the policy with the audit types'
// strict decoder (an unknown or duplicate field is an error there), loads it as kube-apiserver
// does, and evaluates requests with kube-apiserver's own evaluator.
func TestTheAPIServersDecoderReadsThePolicyStrictly(t *testing.T) {
	text := auditPolicy(t)
	strict := serializer.NewCodecFactory(auditscheme.Scheme, serializer.EnableStrict).UniversalDecoder(auditv1.SchemeGroupVersion)
	var decoded audit.Policy
	if _, _, err := strict.Decode(text, nil, &decoded); err != nil {
		t.Fatalf("strict decoding: %v", err)
	}
	p, err := auditpolicy.LoadPolicyFromBytes(text)
	if err != nil {
		t.Fatalf("the API server's loader refuses the policy: %v", err)
	}
	eval := auditpolicy.NewPolicyRuleEvaluator(p)
	alice := &user.DefaultInfo{Name: "alice", Groups: []string{user.AllAuthenticated}}
	resource := func(u user.Info, verb, group, res, sub, ns string) authorizer.Attributes {
		return authorizer.AttributesRecord{User: u, Verb: verb, APIGroup: group, APIVersion: "v1", Resource: res, Subresource: sub,
			Namespace: ns, Name: "x", ResourceRequest: true}
	}
	tests := []struct {
		name  string
		attrs authorizer.Attributes
		want  audit.Level
	}{
		{"a Secret read is Metadata", resource(alice, "get", "", "secrets", "", "shop"), audit.LevelMetadata},
		{"a Secret written is Metadata", resource(alice, "create", "", "secrets", "", "shop"), audit.LevelMetadata},
		{"a ConfigMap written is Metadata", resource(alice, "update", "", "configmaps", "", "shop"), audit.LevelMetadata},
		{"a token request is Metadata", resource(alice, "create", "", "serviceaccounts", "token", "shop"), audit.LevelMetadata},
		{"a token review is Metadata", resource(alice, "create", "authentication.k8s.io", "tokenreviews", "", ""), audit.LevelMetadata},
		{"exec is in full", resource(alice, "create", "", "pods", "exec", "shop"), audit.LevelRequestResponse},
		{"port-forward is in full", resource(alice, "get", "", "pods", "portforward", "shop"), audit.LevelRequestResponse},
		{"a ClusterRoleBinding created is in full", resource(alice, "create", "rbac.authorization.k8s.io", "clusterrolebindings", "", ""), audit.LevelRequestResponse},
		{"a ClusterRole read is Metadata", resource(alice, "list", "rbac.authorization.k8s.io", "clusterroles", "", ""), audit.LevelMetadata},
		{"a Deployment written carries the object", resource(alice, "patch", "apps", "deployments", "", "shop"), audit.LevelRequest},
		{"a custom resource is Metadata", resource(alice, "create", "example.com", "widgets", "", "shop"), audit.LevelMetadata},
		{"kube-proxy's watch is not logged", resource(&user.DefaultInfo{Name: "system:kube-proxy"}, "watch", "discovery.k8s.io", "endpointslices", "", ""), audit.LevelNone},
		{"an event is not logged", resource(alice, "create", "", "events", "", "shop"), audit.LevelNone},
		{"a kubelet's lease renewal is not logged", resource(&user.DefaultInfo{Name: "system:node:n1", Groups: []string{"system:nodes"}}, "update", "coordination.k8s.io", "leases", "", "kube-node-lease"), audit.LevelNone},
		{"a health check is not logged", authorizer.AttributesRecord{User: alice, Verb: "get", Path: "/readyz"}, audit.LevelNone},
		{"another path is Metadata", authorizer.AttributesRecord{User: alice, Verb: "get", Path: "/apis"}, audit.LevelMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eval.EvaluatePolicyRule(tt.attrs).Level; got != tt.want {
				t.Errorf("level %s, want %s", got, tt.want)
			}
		})
	}
}
