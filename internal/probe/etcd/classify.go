package etcd

import (
	"bytes"
	"fmt"
)

// Storage is how the API server stored one value in etcd, told from the value's first bytes
// only. It holds no byte of the value beyond the names of the provider and key that encrypted
// it, and those only when they look like names.
type Storage struct {
	Kind StorageKind
	// Provider is the encryption provider of an Encrypted value: "aescbc", "aesgcm",
	// "secretbox", "kms v1", "kms v2", or another name Kubernetes may add.
	Provider string
	// Key is the name of the provider's key (aescbc, aesgcm, secretbox) or of the KMS
	// plugin (kms); "" when the prefix names none that looks like a name.
	Key string
}

// StorageKind is the form of a stored value.
type StorageKind int

// Storage kinds.
const (
	// Unrecognised is a value in no form the API server writes.
	Unrecognised StorageKind = iota
	// Encrypted values start with k8s:enc:<provider>:v1:<key>: (k8s:enc:kms:v2:<name>: for
	// KMS v2), written by an encryption provider of --encryption-provider-config.
	Encrypted
	// PlainProtobuf values start with the bytes k8s\x00: the API server's protobuf encoding,
	// unencrypted (no encryption configuration, or the identity provider first).
	PlainProtobuf
	// PlainJSON values start with {: JSON, unencrypted (--storage-media-type=application/json).
	PlainJSON
)

// Prefixes of the stored forms (k8s.io/apiserver storage/value/encrypt: the envelope and
// AES transformers' prefixes; k8s.io/apimachinery runtime/serializer/protobuf: the magic
// number of protobuf encoding).
var (
	encryptedPrefix = []byte("k8s:enc:")
	protobufPrefix  = []byte("k8s\x00")
)

// classifyPrefix is how many bytes of a value Classify needs: "k8s:enc:kms:v2:" and a name of
// up to maxName bytes and its colon.
const classifyPrefix = len("k8s:enc:kms:v2:") + maxName + 1

// maxName bounds provider and key names; longer ones are not shown.
const maxName = 64

// Classify tells how a value was stored from its first bytes (at least classifyPrefix of
// them when the value is that long). It never returns any other byte of the value.
func Classify(prefix []byte) Storage {
	switch {
	case bytes.HasPrefix(prefix, encryptedPrefix):
		return classifyEncrypted(prefix[len(encryptedPrefix):])
	case bytes.HasPrefix(prefix, protobufPrefix):
		return Storage{Kind: PlainProtobuf}
	case len(prefix) > 0 && prefix[0] == '{':
		return Storage{Kind: PlainJSON}
	}
	return Storage{Kind: Unrecognised}
}

// classifyEncrypted reads <provider>:v1:<key>: or kms:v2:<name>: after k8s:enc:.
func classifyEncrypted(rest []byte) Storage {
	s := Storage{Kind: Encrypted}
	provider, rest, ok := bytes.Cut(rest, []byte(":"))
	if !ok || !isName(provider) {
		// A value cut short, or a provider name no provider has: still the mark of an
		// encryption provider, whose name Palisade does not show.
		s.Provider = "an unnamed provider"
		return s
	}
	s.Provider = string(provider)
	version, rest, ok := bytes.Cut(rest, []byte(":"))
	if !ok || !isName(version) {
		return s
	}
	if s.Provider == "kms" {
		// An empty apiVersion in the configuration means KMS v1 (deprecated since 1.28).
		s.Provider = "kms " + string(version)
	}
	if key, _, ok := bytes.Cut(rest, []byte(":")); ok && isName(key) {
		s.Key = string(key)
	}
	return s
}

// isName reports whether b looks like a provider, version or key name: 1 to maxName bytes of
// letters, digits, '.', '_' or '-'. Anything else may be part of a ciphertext, which Palisade
// never shows.
func isName(b []byte) bool {
	if len(b) == 0 || len(b) > maxName {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// String says how the value was stored: "encrypted with aescbc (key key1)", "in plain text
// (protobuf)".
func (s Storage) String() string {
	switch s.Kind {
	case Encrypted:
		if s.Key == "" {
			return "encrypted with " + s.Provider
		}
		return fmt.Sprintf("encrypted with %s (key %s)", s.Provider, s.Key)
	case PlainProtobuf:
		return "in plain text (protobuf)"
	case PlainJSON:
		return "in plain text (JSON)"
	}
	return "in no form the API server writes"
}
