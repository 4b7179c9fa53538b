package encryptionconfig

import (
	"fmt"
	"strings"
)

// groupResource is a resource as the file names it: "secrets" is {"", "secrets"},
// "*.apps" {"apps", "*"}, "*." {"", "*"} (every core resource), "*.*" {"*", "*"}.
type groupResource struct{ group, resource string }

var anyResource = groupResource{group: "*", resource: "*"}

// parseGroupResource splits at the first dot, as schema.ParseGroupResource does.
func parseGroupResource(s string) groupResource {
	if r, g, ok := strings.Cut(s, "."); ok {
		return groupResource{group: g, resource: r}
	}
	return groupResource{resource: s}
}

// String writes it back as the file would: "secrets", "*.apps", "*.", "*.*".
func (gr groupResource) String() string {
	if gr.group == "" {
		if gr.resource == "*" {
			return "*."
		}
		return gr.resource
	}
	return gr.resource + "." + gr.group
}

// Verdict is what the configuration does to a resource's new writes.
type Verdict string

// Verdicts, from worst to best.
const (
	// NotCovered: no entry names the resource, so it is stored as plain text.
	NotCovered Verdict = "not-covered"
	// PlainText: the first provider is identity, so new writes are stored as plain text
	// (the providers after it only decrypt what was written before).
	PlainText Verdict = "plain-text"
	// DeprecatedKMS: the first provider is KMS v1, deprecated since Kubernetes 1.28 and off by
	// default since 1.29 (the API server starts with it only under --feature-gates=KMSv1=true);
	// it calls the plugin on every read without a cache miss bound and has no key rotation
	// story of its own.
	DeprecatedKMS Verdict = "kms-v1"
	// NeedsRotation: the first provider is aesgcm, whose random nonces make a key unsafe after
	// about 200,000 writes: it must be rotated, which Palisade cannot see.
	NeedsRotation Verdict = "aesgcm"
	// Encrypted: aescbc, secretbox or KMS v2 encrypts new writes.
	Encrypted Verdict = "encrypted"
)

// Judgement says how one resource is stored and which part of the file decides it.
type Judgement struct {
	// Resource is the resource asked about, as {resource}.{group} ("secrets", "deployments.apps").
	Resource string
	// Entry is the index in resources[] that decides, -1 when none covers the resource.
	Entry int
	// Match is the name in that entry that matched: the resource itself, "*.<group>", "*." or "*.*".
	Match string
	// Providers are the providers the API server uses for the resource, in order: the first
	// writes, all read. An exact name listed by several entries gets all their providers.
	Providers []Provider
	Verdict   Verdict
}

// First is the provider that encrypts new writes; the zero Provider when none covers the resource.
func (j Judgement) First() Provider {
	if len(j.Providers) == 0 {
		return Provider{}
	}
	return j.Providers[0]
}

// Where says which entry decides: `resources[1] ("*.") providers[0]: aescbc (key k1)`.
func (j Judgement) Where() string {
	if j.Entry < 0 {
		return "no entry names " + j.Resource + ", \"*." + groupOf(j.Resource) + "\" or \"*.*\""
	}
	return fmt.Sprintf("resources[%d] (%q) providers[0]: %s", j.Entry, j.Match, j.First().Describe())
}

func groupOf(resource string) string { return parseGroupResource(resource).group }

// Explain says in a sentence what the verdict means for the resource.
func (j Judgement) Explain() string {
	switch j.Verdict {
	case NotCovered:
		return j.Resource + " are not encrypted: " + j.Where() + ", so they are stored in etcd as plain text"
	case PlainText:
		s := j.Resource + " are written to etcd as plain text: the first provider, which encrypts new writes, is identity (" + j.Where() + ")"
		if len(j.Providers) > 1 {
			s += "; the providers after it only decrypt what was written before"
		}
		return s
	case DeprecatedKMS:
		return j.Resource + " are encrypted by KMS v1 (" + j.Where() + "), deprecated since Kubernetes 1.28 and off by default since 1.29: the API server starts with it only under --feature-gates=KMSv1=true; migrate to KMS v2"
	case NeedsRotation:
		return j.Resource + " are encrypted by aesgcm (" + j.Where() + "), whose key must be rotated before about 200,000 writes, since its random nonces start to repeat; prefer KMS v2, or rotate the key on a schedule"
	}
	return j.Resource + " are encrypted (" + j.Where() + ")"
}

// For judges one resource, given as "secrets" or "{resource}.{group}" ("deployments.apps"),
// as the API server picks its providers (transformerFromOverrides): an entry naming it
// exactly, else "*.<group>", else "*.*".
func (c *Configuration) For(resource string) Judgement {
	gr := parseGroupResource(resource)
	j := Judgement{Resource: resource, Entry: -1}
	for _, want := range []groupResource{gr, {group: gr.group, resource: "*"}, anyResource} {
		for i, e := range c.Resources {
			for _, r := range e.Resources {
				if parseGroupResource(r) != want {
					continue
				}
				if j.Entry < 0 {
					j.Entry, j.Match = i, r
				}
				j.Providers = append(j.Providers, e.Providers...)
			}
		}
		if j.Entry >= 0 {
			break
		}
	}
	j.Verdict = verdict(j)
	return j
}

func verdict(j Judgement) Verdict {
	if j.Entry < 0 || len(j.Providers) == 0 {
		return NotCovered
	}
	switch j.First().Kind() {
	case Identity, Unknown:
		return PlainText
	case KMSv1:
		return DeprecatedKMS
	case AESGCM:
		return NeedsRotation
	}
	return Encrypted
}
