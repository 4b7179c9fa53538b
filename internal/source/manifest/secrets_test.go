package manifest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// secretShapes are malformed or refused documents with a secret (S) where input ends up in
// the loader's errors: every message the loader, yaml.v3, the converter and the typed decoder
// can give about a value, a key, a name, a kind or an apiVersion.
var secretShapes = []string{
	"S\n",
	"'S'\n",
	"\"S\" trailing\n",
	"- S\n",
	"kind: S\n",
	"apiVersion: S\n",
	"apiVersion: a/b/S\nkind: Pod\n",
	"apiVersion: S/\nkind: S\n",
	"apiVersion: v1\nkind: SList\nitems: 3\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: S}\nspec: {securityContext: {runAsNonRoot: S}}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: S}\nspec: {containers: [{name: c, image: i, resources: {limits: {cpu: S}}}]}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: S}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {S: [1]}}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata: {S: {a: 1}}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p, annotations: {a: [S]}}\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 99999999999999999999999}\n",
	"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec: {minReplicas: S}\n",
	"apiVersion: example.dev/v1\nkind: Thing\nmetadata: {name: t}\nspec: {template: {spec: {containers: [{name: c, image: i, securityContext: {privileged: S}}]}}}\n",
	"apiVersion: example.dev/v1\nkind: Thing\nmetadata: {name: t}\nspec: {template: {metadata: {labels: {S: {a: 1}}}, spec: {containers: []}}}\n",
	"a: *S\n",
	"a: &S [1]\nb: *S\nkind: x\n",
	"a: !!bool S\n",
	"a: !!int S\n",
	"a: 'S\n",
	"a: \"S\n",
	"a: [S\n",
	"S: S: S\n",
	"---S\n",
	"--- S\n",
	"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\"}} S\n",
	"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\"}}\n{\"S\": 1}\n",
	"{\"a\": 1, S}\n",
	"%S\n---\na: 1\n",
	"!S a\n",
	"a: !S b\nkind: Pod\napiVersion: v1\n",
	"S\x01\n",
	"S\xff\n",
}

// secrets are the shapes of credentials that end up in repositories: tokens, keys, passwords.
func secret(rng *rand.Rand, kind int) string {
	const (
		alnum  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		hex    = "0123456789abcdef"
		base64 = alnum + "+/"
		punct  = alnum + "!$%&()*+,-./:;<=>?@[]^_{|}~ "
	)
	pick := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		// Real tokens hold digits; two make sure of it.
		b[rng.IntN(n)], b[rng.IntN(n)] = '0'+byte(rng.IntN(10)), '0'+byte(rng.IntN(10))
		return string(b)
	}
	switch kind % 6 {
	case 0:
		return "ghp_" + pick(alnum, 36)
	case 1:
		return "AKIA" + pick(upper, 16)
	case 2:
		return pick(base64, 40)
	case 3:
		return pick(hex, 40)
	case 4:
		return "GITHUB_TOKEN=" + pick(alnum, 30)
	default:
		return pick(punct, 24)
	}
}

// checkNoSecretInErrors loads data and fails if any error message holds 8 or more bytes in a
// row of secret.
func checkNoSecretInErrors(t *testing.T, data []byte, secret string) {
	t.Helper()
	res := Load(context.Background(), []string{"-"}, Options{Stdin: bytes.NewReader(data), Workers: 1})
	for _, e := range res.Errors {
		for i := 0; i+8 <= len(secret); i++ {
			if w := secret[i : i+8]; strings.Contains(e.Message, w) {
				t.Fatalf("error quotes the input (%q of the secret):\n%s\ninput:\n%s", w, e.Message, data)
			}
		}
	}
}

// TestErrorsNeverQuoteInput plants a secret in every shape the loader refuses and asserts that
// no error quotes it: errors describe values by type and length (CI publishes reports).
func TestErrorsNeverQuoteInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	for _, shape := range secretShapes {
		t.Run(strings.ReplaceAll(shape, "\n", `\n`), func(t *testing.T) {
			for kind := range 6 {
				s := secret(rng, kind)
				if !strings.Contains(shape, "{\"") && (strings.ContainsAny(s, "'\"{}[],:#&*!|>%@`") || kind == 5) {
					// Punctuation changes a shape's syntax: still never quoted, but checked
					// by the fuzz target; here each shape keeps its meaning.
					continue
				}
				checkNoSecretInErrors(t, []byte(strings.ReplaceAll(shape, "S", s)), s)
			}
		})
	}
}

// FuzzErrorsNeverQuoteInput plants random secrets in the refused shapes, and in any input the
// fuzzer makes, in place of each "S": no error may hold 8 bytes in a row of the secret.
func FuzzErrorsNeverQuoteInput(f *testing.F) {
	for i, s := range secretShapes {
		f.Add([]byte(s), uint64(i), uint8(i))
	}
	f.Fuzz(func(t *testing.T, shape []byte, seed uint64, kind uint8) {
		if !bytes.Contains(shape, []byte("S")) || len(shape) > 4096 {
			return
		}
		s := secret(rand.New(rand.NewPCG(seed, 1)), int(kind))
		data := bytes.ReplaceAll(shape, []byte("S"), []byte(s))
		// The shape's own text may be shown (it is not the secret): skip secrets it repeats.
		for i := 0; i+8 <= len(s); i++ {
			if bytes.Contains(shape, []byte(s[i:i+8])) {
				return
			}
		}
		checkNoSecretInErrors(t, data, s)
	})
}
