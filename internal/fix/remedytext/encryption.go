package remedytext

// The EncryptionConfiguration that apiserver/encryption-provider-config,
// apiserver/encryption-secrets-provider and apiserver/encryption-keys-file-mode ask for.
//
// It covers secrets and configmaps. Secrets because that is what encryption at rest is for
// (CIS Kubernetes Benchmark v1.10.0 1.2.27, 1.2.28); configmaps because workloads put
// passwords and tokens in them far more often than they should, and with a static-key
// provider encrypting an object costs microseconds, so covering them is cheap insurance.
// Other resources hold nothing secret by contract and stay plain text, which keeps etcd
// readable for debugging and its backups small to restore.
//
// The chosen provider comes first, so that it encrypts every new write; identity comes last,
// so that the objects written before stay readable until they are rewritten
// (https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/).

import (
	cryptorand "crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Providers an EncryptionConfig may put first.
const (
	// Secretbox is XSalsa20 with Poly1305: authenticated encryption, and the default.
	Secretbox = "secretbox"
	// AESCBC is AES-CBC with PKCS#7 padding, for where a rule requires AES; the Kubernetes
	// documentation rates it weak, since CBC is open to padding-oracle attacks.
	AESCBC = "aescbc"
)

// EncryptionConfigMode is the mode the EncryptionConfiguration must be installed with: it
// holds the key that decrypts every Secret, so only its owner (root) may read it.
const EncryptionConfigMode fs.FileMode = 0o600

// KeyBytes is the length of the key: secretbox takes exactly 32 bytes, and aescbc takes 32
// for AES-256.
const KeyBytes = 32

// encryptionKeyName names the key; a rotation adds a key of another name beside it.
const encryptionKeyName = "key1"

// providerNotes says, for the comment block, what each provider is, and what to know about it.
var providerNotes = map[string]string{
	Secretbox: "secretbox (XSalsa20 and Poly1305, authenticated encryption).",
	AESCBC: "aescbc (AES-256 in CBC mode).\n" +
		"# The Kubernetes documentation rates aescbc weak (CBC is open to padding-oracle attacks):\n" +
		"# prefer secretbox, or kms v2, where no rule requires AES.",
}

// EncryptionConfig writes an apiserver.config.k8s.io/v1 EncryptionConfiguration that encrypts
// Secrets and ConfigMaps with provider ("" is secretbox) under a fresh KeyBytes-byte key read
// from random (nil is crypto/rand), with identity last, preceded by a comment block that says
// how to install it (mode 600, owned by root), the kube-apiserver flag that reads it, and the
// command that rewrites the objects written before it.
func EncryptionConfig(w io.Writer, provider string, random io.Reader) error {
	if provider == "" {
		provider = Secretbox
	}
	note, ok := providerNotes[provider]
	if !ok {
		return fmt.Errorf("encryption provider %q: want %s or %s", provider, Secretbox, AESCBC)
	}
	if random == nil {
		random = cryptorand.Reader
	}
	key := make([]byte, KeyBytes)
	defer clear(key)
	if _, err := io.ReadFull(random, key); err != nil {
		return fmt.Errorf("reading a %d-byte encryption key: %w", KeyBytes, err)
	}
	r := strings.NewReplacer(
		"$PROVIDER_NOTE", note,
		"$PROVIDER", provider,
		"$KEY_NAME", encryptionKeyName,
		"$KEY", base64.StdEncoding.EncodeToString(key),
	)
	return writeAll(w, "encryption configuration", r.Replace(encryptionConfigText))
}

// encryptionConfigText is the file, with $PROVIDER, $PROVIDER_NOTE, $KEY_NAME and $KEY to
// fill in. The rotation steps follow the Kubernetes documentation's "Rotating a decryption
// key": a key must be known to every API server before any of them encrypts with it.
const encryptionConfigText = `# EncryptionConfiguration for kube-apiserver, written by palisade fix --print encryption-config.
#
# New Secrets and ConfigMaps are encrypted under $KEY_NAME, a random 32-byte key made for this
# file, with $PROVIDER_NOTE
# identity, last, keeps the objects written before readable until they are rewritten (step 3).
#
# 1. Write it where kube-apiserver reads it, owned by root and mode 600 (whoever reads it reads
#    every Secret), with a umask that keeps others out from the start:
#      (umask 077; mkdir -p /etc/kubernetes/enc && palisade fix --print encryption-config > /etc/kubernetes/enc/enc.yaml)
#      chown root:root /etc/kubernetes/enc/enc.yaml && chmod 600 /etc/kubernetes/enc/enc.yaml
#    Every API server of the cluster needs this same file, key included: copy it to the other
#    control-plane nodes the same way, rather than printing a new one there.
# 2. Give kube-apiserver the flag below, and mount /etc/kubernetes/enc into its static pod
#    (a hostPath volume, read-only), then let it restart:
#      --encryption-provider-config=/etc/kubernetes/enc/enc.yaml
# 3. Once every API server runs with it, rewrite what was written before, so that it is
#    stored encrypted too (until then it stays plain text in etcd and its backups):
#      kubectl get secrets -A -o json | kubectl replace -f -
#      kubectl get configmaps -A -o json | kubectl replace -f -
#
# Keep this file out of version control, tickets and chat. To rotate the key: add a new key
# second under keys on every API server and restart them; move it first and restart them
# again; rewrite the Secrets and ConfigMaps (step 3); then remove the old key. A kms provider
# (apiVersion: v2) keeps the key off the node altogether, where a KMS is available.
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
      - configmaps
    providers:
      - $PROVIDER:
          keys:
            - name: $KEY_NAME
              secret: $KEY
      - identity: {}
`
