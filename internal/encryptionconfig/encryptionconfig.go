// Package encryptionconfig reads the API server's encryption-at-rest configuration (an
// apiserver.config.k8s.io/v1 EncryptionConfiguration, the file --encryption-provider-config
// names) as the API server reads it, and judges what it does to one resource: which entry
// decides, which provider encrypts new writes, and whether that provider protects anything.
// It owns that reading and judging; it never reads files itself and never prints a key.
//
// The types are a local copy of k8s.io/apiserver/pkg/apis/apiserver/v1 (types_encryption.go)
// rather than an import: that package pulls in k8s.io/apiserver's internal API, feature gates
// and component-base metrics (Prometheus, OpenTelemetry), a dependency tree out of proportion
// to five small structs. The fields, JSON names and the validation below follow
// k8s.io/apiserver v0.37 (pkg/apis/apiserver/v1, pkg/apis/apiserver/validation,
// pkg/server/options/encryptionconfig).
package encryptionconfig

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// APIVersion and Kind are the only type the API server accepts in the file.
const (
	APIVersion = "apiserver.config.k8s.io/v1"
	Kind       = "EncryptionConfiguration"
)

// Configuration is an EncryptionConfiguration. Entries are read in order; for a given
// resource, an exact entry wins over "*.<group>", which wins over "*.*".
type Configuration struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Resources  []ResourceEntry `json:"resources"`
}

// ResourceEntry is one element of resources[]: the resources it names and their providers,
// the first of which encrypts new writes; all are tried when reading.
type ResourceEntry struct {
	Resources []string   `json:"resources"`
	Providers []Provider `json:"providers"`
}

// Provider is one element of providers[]; exactly one field is set.
type Provider struct {
	AESGCM    *KeyedProvider `json:"aesgcm,omitempty"`
	AESCBC    *KeyedProvider `json:"aescbc,omitempty"`
	Secretbox *KeyedProvider `json:"secretbox,omitempty"`
	Identity  *struct{}      `json:"identity,omitempty"`
	KMS       *KMS           `json:"kms,omitempty"`
}

// KeyedProvider holds the static keys of aescbc, aesgcm and secretbox; the first key encrypts.
type KeyedProvider struct {
	Keys []Key `json:"keys"`
}

// Key is a named static key, base64-encoded in the file.
type Key struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// String never shows the secret.
func (k Key) String() string { return "key " + k.Name }

// KMS configures an external key management service plugin.
type KMS struct {
	// APIVersion is "v1" or "v2"; empty means v1 (the API server's defaulting).
	APIVersion string    `json:"apiVersion"`
	Name       string    `json:"name"`
	CacheSize  *int32    `json:"cachesize,omitempty"`
	Endpoint   string    `json:"endpoint"`
	Timeout    *Duration `json:"timeout,omitempty"`
}

// Duration is metav1.Duration: a Go duration string ("3s").
type Duration struct{ time.Duration }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(b, &s); err != nil {
		return fmt.Errorf("timeout: want a duration string such as \"3s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("timeout: %w", err)
	}
	d.Duration = v
	return nil
}

// ProviderKind names a provider.
type ProviderKind string

// Provider kinds.
const (
	Identity  ProviderKind = "identity"
	AESCBC    ProviderKind = "aescbc"
	AESGCM    ProviderKind = "aesgcm"
	Secretbox ProviderKind = "secretbox"
	KMSv1     ProviderKind = "kms-v1"
	KMSv2     ProviderKind = "kms-v2"
	// Unknown is a provider element with no provider or more than one; the API server
	// refuses such a file.
	Unknown ProviderKind = ""
)

// Kind says which provider p is; KMS is split by API version, an empty one meaning v1.
func (p Provider) Kind() ProviderKind {
	n, kind := 0, Unknown
	if p.Identity != nil {
		n, kind = n+1, Identity
	}
	if p.AESCBC != nil {
		n, kind = n+1, AESCBC
	}
	if p.AESGCM != nil {
		n, kind = n+1, AESGCM
	}
	if p.Secretbox != nil {
		n, kind = n+1, Secretbox
	}
	if p.KMS != nil {
		n, kind = n+1, KMSv1
		if p.KMS.APIVersion == "v2" {
			kind = KMSv2
		}
	}
	if n != 1 {
		return Unknown
	}
	return kind
}

// Describe names a provider for a message: "aescbc (key key1)", "kms v2 (name vault)".
func (p Provider) Describe() string {
	switch p.Kind() {
	case Identity:
		return "identity"
	case AESCBC:
		return "aescbc" + firstKey(p.AESCBC)
	case AESGCM:
		return "aesgcm" + firstKey(p.AESGCM)
	case Secretbox:
		return "secretbox" + firstKey(p.Secretbox)
	case KMSv1:
		v := p.KMS.APIVersion
		if v == "" {
			v = "v1, the default"
		}
		return fmt.Sprintf("kms %s (name %s)", v, p.KMS.Name)
	case KMSv2:
		return fmt.Sprintf("kms v2 (name %s)", p.KMS.Name)
	}
	return "an element with no single provider"
}

func firstKey(k *KeyedProvider) string {
	if len(k.Keys) == 0 {
		return " (no keys)"
	}
	return " (key " + k.Keys[0].Name + ")"
}

// StaticKeys reports whether the configuration holds keys in the file itself (aescbc, aesgcm,
// secretbox): whoever reads the file can decrypt what they protect.
func (c *Configuration) StaticKeys() bool {
	for _, e := range c.Resources {
		for _, p := range e.Providers {
			if p.AESCBC != nil || p.AESGCM != nil || p.Secretbox != nil {
				return true
			}
		}
	}
	return false
}

// Parse reads an EncryptionConfiguration from YAML or JSON as the API server does: strictly
// (an unknown or duplicate field is an error), of exactly this apiVersion and kind, and
// validated as the API server validates it before it starts. name is the file's path, which
// errors carry.
func Parse(name string, data []byte) (*Configuration, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("encryption provider configuration %s is empty", name)
	}
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("encryption provider configuration %s: not YAML or JSON: %w", name, err)
	}
	var c Configuration
	strict, err := sigsjson.UnmarshalStrict(j, &c, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return nil, fmt.Errorf("encryption provider configuration %s: %w", name, err)
	}
	if c.APIVersion != APIVersion || c.Kind != Kind {
		return nil, fmt.Errorf("encryption provider configuration %s is apiVersion %q kind %q, want %s %s",
			name, c.APIVersion, c.Kind, APIVersion, Kind)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("encryption provider configuration %s: the API server refuses it: %w", name, errors.Join(strict...))
	}
	if errs := c.validate(); len(errs) > 0 {
		return nil, fmt.Errorf("encryption provider configuration %s: the API server refuses it: %w", name, errors.Join(errs...))
	}
	return &c, nil
}

// Key sizes the API server accepts (crypto/aes: 16, 24, 32 bytes; NaCl secretbox: 32).
var (
	aesKeySizes       = []int{16, 24, 32}
	secretboxKeySizes = []int{32}
)

// validate follows k8s.io/apiserver/pkg/apis/apiserver/validation.ValidateEncryptionConfiguration
// and the masking check of pkg/server/options/encryptionconfig: what makes the API server
// refuse to start.
func (c *Configuration) validate() []error {
	var errs []error
	if len(c.Resources) == 0 {
		return []error{errors.New("resources: at least one entry is required")}
	}
	kmsNames := map[string]bool{}
	seen := map[groupResource]int{}
	for i, e := range c.Resources {
		at := fmt.Sprintf("resources[%d]", i)
		if len(e.Resources) == 0 {
			errs = append(errs, fmt.Errorf("%s.resources: at least one resource is required", at))
		}
		if len(e.Providers) == 0 {
			errs = append(errs, fmt.Errorf("%s.providers: at least one provider is required", at))
		}
		for j, r := range e.Resources {
			if err := validateResourceName(r); err != nil {
				errs = append(errs, fmt.Errorf("%s.resources[%d] %q: %w", at, j, r, err))
			}
		}
		errs = append(errs, masking(e.Resources, i, seen)...)
		for j, p := range e.Providers {
			pat := fmt.Sprintf("%s.providers[%d]", at, j)
			if p.Kind() == Unknown {
				errs = append(errs, fmt.Errorf("%s: exactly one of aescbc, aesgcm, secretbox, identity, kms is required", pat))
				continue
			}
			switch {
			case p.AESCBC != nil:
				errs = append(errs, validateKeys(p.AESCBC.Keys, pat+".aescbc.keys", aesKeySizes)...)
			case p.AESGCM != nil:
				errs = append(errs, validateKeys(p.AESGCM.Keys, pat+".aesgcm.keys", aesKeySizes)...)
			case p.Secretbox != nil:
				errs = append(errs, validateKeys(p.Secretbox.Keys, pat+".secretbox.keys", secretboxKeySizes)...)
			case p.KMS != nil:
				errs = append(errs, validateKMS(p.KMS, pat+".kms", kmsNames)...)
			}
		}
	}
	return errs
}

func validateResourceName(r string) error {
	gr := parseGroupResource(r)
	switch {
	case strings.ToLower(r) != r:
		return errors.New("resource names are lower case")
	case r == "*":
		return errors.New(`use "*." for every resource of the core group or "*.*" for every resource`)
	case r == "apiserveripinfo" || r == "serviceipallocations" || r == "servicenodeportallocations":
		return errors.New("this resource has no REST API and cannot be encrypted")
	case gr.group == "events.k8s.io":
		return errors.New(`events.k8s.io objects are stored as "events"`)
	case gr.group == "extensions":
		return errors.New("the extensions group has been removed")
	case gr.group == "*" && gr.resource != "*":
		return errors.New("a resource cannot be encrypted across groups")
	}
	return nil
}

// masking follows the API server's two checks on overlapping resources: within one entry, a
// resource listed twice, or "*.*" or "*.<group>" beside another resource it covers
// (validateResourceOverlap); across the file in order, a resource after a "*.<group>" or "*.*"
// that already covers it (getTransformerOverridesAndKMSPluginProbes). Either would never take
// effect, and the API server refuses to start.
func masking(resources []string, entry int, seen map[groupResource]int) []error {
	var errs []error
	grs := make([]groupResource, len(resources))
	for i, r := range resources {
		grs[i] = parseGroupResource(r)
	}
	duplicate, overlap := false, false
	for i, a := range grs {
		for j, b := range grs {
			switch {
			case i == j:
			case a == b:
				duplicate = true
			case len(grs) > 1 && a == anyResource,
				a.group == b.group && (a.resource == "*" || b.resource == "*"):
				overlap = true
			}
		}
	}
	if duplicate {
		errs = append(errs, fmt.Errorf("resources[%d].resources: a resource is listed twice", entry))
	}
	if overlap {
		errs = append(errs, fmt.Errorf("resources[%d].resources: a wildcard overlaps another resource of the same list", entry))
	}
	for i, gr := range grs {
		group := groupResource{group: gr.group, resource: "*"}
		if at, ok := seen[group]; ok {
			errs = append(errs, fmt.Errorf("resources[%d]: %q is masked by %q of resources[%d]", entry, resources[i], group, at))
		} else if at, ok := seen[anyResource]; ok {
			errs = append(errs, fmt.Errorf("resources[%d]: %q is masked by \"*.*\" of resources[%d]", entry, resources[i], at))
		}
		if _, ok := seen[gr]; !ok {
			seen[gr] = entry
		}
	}
	return errs
}

func validateKeys(keys []Key, at string, sizes []int) []error {
	if len(keys) == 0 {
		return []error{fmt.Errorf("%s: at least one key is required", at)}
	}
	var errs []error
	for i, k := range keys {
		kat := fmt.Sprintf("%s[%d]", at, i)
		if k.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name is required", kat))
		}
		if k.Secret == "" {
			errs = append(errs, fmt.Errorf("%s.secret is required", kat))
			continue
		}
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.secret is not base64", kat))
			continue
		}
		ok := false
		for _, n := range sizes {
			ok = ok || len(secret) == n
		}
		if !ok {
			errs = append(errs, fmt.Errorf("%s.secret is %d bytes, want one of %v", kat, len(secret), sizes))
		}
	}
	return errs
}

func validateKMS(k *KMS, at string, names map[string]bool) []error {
	var errs []error
	switch {
	case k.Name == "":
		errs = append(errs, fmt.Errorf("%s.name is required", at))
	case strings.Contains(k.Name, ":"):
		errs = append(errs, fmt.Errorf("%s.name %q must not contain ':'", at, k.Name))
	case names[k.Name]:
		errs = append(errs, fmt.Errorf("%s.name %q is used twice", at, k.Name))
	}
	names[k.Name] = true
	if k.APIVersion != "" && k.APIVersion != "v1" && k.APIVersion != "v2" {
		errs = append(errs, fmt.Errorf("%s.apiVersion %q: want v1 or v2", at, k.APIVersion))
	}
	if k.Timeout != nil && k.Timeout.Duration <= 0 {
		errs = append(errs, fmt.Errorf("%s.timeout must be positive", at))
	}
	if k.APIVersion == "v2" && k.CacheSize != nil {
		errs = append(errs, fmt.Errorf("%s.cachesize is not supported by kms v2", at))
	}
	if k.APIVersion != "v2" && k.CacheSize != nil && *k.CacheSize == 0 {
		errs = append(errs, fmt.Errorf("%s.cachesize must be positive, or negative to turn the cache off", at))
	}
	if k.Endpoint == "" {
		errs = append(errs, fmt.Errorf("%s.endpoint is required", at))
	} else if u, err := url.Parse(k.Endpoint); err != nil || u.Scheme != "unix" {
		errs = append(errs, fmt.Errorf("%s.endpoint %q: only unix:// endpoints are supported", at, k.Endpoint))
	}
	return errs
}
