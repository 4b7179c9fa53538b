package remedytext_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/fix/remedytext"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from what the functions write")

// counting is a reader of the bytes 0, 1, 2, ...: a key that is the same on every run, so
// that the golden files can hold it.
type counting struct{ next byte }

func (c *counting) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.next
		c.next++
	}
	return len(p), nil
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what was written (%d bytes, want %d); run go test -update and review the diff", path, len(got), len(want))
	}
}

// encryptionConfig is the configuration EncryptionConfig writes for provider with key bytes
// from random.
func encryptionConfig(t testing.TB, provider string, random io.Reader) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := remedytext.EncryptionConfig(&b, provider, random); err != nil {
		t.Fatalf("EncryptionConfig(%q): %v", provider, err)
	}
	return b.Bytes()
}

func auditPolicy(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := remedytext.AuditPolicy(&b); err != nil {
		t.Fatalf("AuditPolicy: %v", err)
	}
	return b.Bytes()
}

func namespaceObjects(t testing.TB, ns string, opts remedytext.NamespaceOptions) []byte {
	t.Helper()
	out, err := remedytext.NamespaceObjects(ns, opts)
	if err != nil {
		t.Fatalf("NamespaceObjects(%q): %v", ns, err)
	}
	return out
}

func TestTextsMatchTheirGoldenFiles(t *testing.T) {
	tests := []struct {
		name, file string
		text       func(t *testing.T) []byte
	}{
		{name: "secretbox is the default provider", file: "encryption-config-secretbox.yaml",
			text: func(t *testing.T) []byte { return encryptionConfig(t, "", &counting{}) }},
		{name: "aescbc on request", file: "encryption-config-aescbc.yaml",
			text: func(t *testing.T) []byte { return encryptionConfig(t, remedytext.AESCBC, &counting{}) }},
		{name: "audit policy", file: "audit-policy.yaml", text: func(t *testing.T) []byte { return auditPolicy(t) }},
		{name: "every object a namespace lacks", file: "namespace-shop.yaml",
			text: func(t *testing.T) []byte { return namespaceObjects(t, "shop", remedytext.NamespaceOptions{}) }},
		{name: "a namespace the input only uses gets its Namespace, pinned", file: "namespace-shop-defined.yaml",
			text: func(t *testing.T) []byte {
				return namespaceObjects(t, "shop", remedytext.NamespaceOptions{Namespace: true, PodSecurityVersion: "v1.35"})
			}},
		{name: "only what is missing", file: "namespace-shop-quota-only.yaml",
			text: func(t *testing.T) []byte {
				return namespaceObjects(t, "shop", remedytext.NamespaceOptions{HasDefaultDeny: true, HasLimitRange: true})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.file, tt.text(t))
		})
	}
}

func TestEncryptionConfigTakesAFreshKeyEachTime(t *testing.T) {
	a, b := encryptionConfig(t, "", nil), encryptionConfig(t, "", nil)
	if bytes.Equal(a, b) {
		t.Fatal("two configurations from crypto/rand hold the same key")
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncryptionConfigRefusesWhatItCannotDoWithoutShowingTheKey(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		random   io.Reader
		w        io.Writer
		want     string
	}{
		{name: "unknown provider", provider: "aesgcm", random: &counting{}, w: io.Discard, want: `encryption provider "aesgcm": want secretbox or aescbc`},
		{name: "identity is no provider to put first", provider: "identity", random: &counting{}, w: io.Discard, want: "want secretbox or aescbc"},
		{name: "random source runs dry", random: io.LimitReader(&counting{}, 31), w: io.Discard, want: "reading a 32-byte encryption key: unexpected EOF"},
		{name: "writer fails", random: &counting{}, w: failingWriter{}, want: "writing the encryption configuration"},
	}
	key := encryptionKeyOf(t, encryptionConfig(t, "", &counting{}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := remedytext.EncryptionConfig(tt.w, tt.provider, tt.random)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("the error holds the key")
			}
		})
	}
}

func TestAuditPolicyReportsAFailingWriter(t *testing.T) {
	if err := remedytext.AuditPolicy(failingWriter{}); err == nil || !strings.Contains(err.Error(), "writing the audit policy") {
		t.Fatalf("error %v, want one naming the audit policy", err)
	}
}

func TestNamespaceObjectsRefuseWhatIsNoNamespaceName(t *testing.T) {
	tests := []struct {
		name, ns string
		opts     remedytext.NamespaceOptions
		want     string
	}{
		{name: "empty", ns: "", want: "namespace name of 0 bytes"},
		{name: "upper case", ns: "Shop", want: "namespace name of 4 bytes"},
		{name: "YAML in the name", ns: "shop\nkind: Secret", want: "namespace name of 17 bytes"},
		{name: "longer than a label", ns: strings.Repeat("a", 64), want: "namespace name of 64 bytes"},
		{name: "pod security version that is not one", ns: "shop", opts: remedytext.NamespaceOptions{Namespace: true, PodSecurityVersion: "1.35"}, want: "pod security version of 4 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := remedytext.NamespaceObjects(tt.ns, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || out != nil {
				t.Fatalf("NamespaceObjects = %d bytes, %v; want an error containing %q", len(out), err, tt.want)
			}
		})
	}
}

func TestNamespaceObjectsWriteNothingWhenNothingIsMissing(t *testing.T) {
	out := namespaceObjects(t, "shop", remedytext.NamespaceOptions{HasDefaultDeny: true, HasResourceQuota: true, HasLimitRange: true})
	if out != nil {
		t.Fatalf("wrote %d bytes for a namespace that lacks nothing", len(out))
	}
}

func TestPodSecurityLabels(t *testing.T) {
	tests := []struct {
		name, version, enforceVersion string
	}{
		{name: "no version known is latest", version: "", enforceVersion: "latest"},
		{name: "a known minor is pinned", version: "v1.35", enforceVersion: "v1.35"},
		{name: "latest given", version: "latest", enforceVersion: "latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := remedytext.PodSecurityLabels(tt.version)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": tt.enforceVersion,
				"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
				"pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
			}
			if len(got) != len(want) {
				t.Errorf("%d labels, want %d: %v", len(got), len(want), got)
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestNamespaceFileIsNamedAfterTheNamespace(t *testing.T) {
	if got := remedytext.NamespaceFile("shop"); got != "namespace-shop.palisade.yaml" {
		t.Fatalf("NamespaceFile(shop) = %q", got)
	}
}
