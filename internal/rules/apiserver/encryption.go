package apiserver

// The encryption at rest rules: apiserver/encryption-provider-config (is there a configuration,
// and does the API server accept it), apiserver/encryption-secrets-provider (what it does to
// Secrets, judged per resource by encryptionconfig) and apiserver/encryption-keys-file-mode
// (who can read the static keys in it).
//
// Restricted fields:
//   --encryption-provider-config and the EncryptionConfiguration it names: the entry that
//   covers secrets (exactly, "*." or "*.*") and its first provider; the file's mode
//
// Allowed values:
//   a valid file whose entry for secrets starts with aescbc, secretbox or kms v2 (aesgcm
//   passes only with rotation, so it fails at low severity; kms v1 at medium); the file
//   readable by its owner only when it holds static keys
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.27, 1.2.28;
// https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/

import (
	"fmt"

	"palisade.dev/palisade/internal/encryptionconfig"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// encryptionConfig reads the configuration the flag names; nil with no violation when the
// rule does not apply (the flag is absent: apiserver/encryption-provider-config reports that),
// or was recorded not applicable.
func encryptionConfig(ctx *rules.NodeContext, requireFlag bool) (*encryptionconfig.Configuration, string, []rules.Violation) {
	v := flag(ctx, "encryption-provider-config")
	if !v.Set() || v.Given() == "" {
		if requireFlag {
			return nil, "", fail("encryption-provider-config", "--encryption-provider-config is not set: Secrets and every other object are stored in etcd as plain text, readable by whoever reads etcd, its backups or its disk", evidence(ctx, "encryption-provider-config", ""))
		}
		ctx.NotApplicable("--encryption-provider-config is not set; apiserver/encryption-provider-config reports that.")
		return nil, "", nil
	}
	f, vs := nodeFile(ctx, "encryption-provider-config", v.Given())
	if f == nil {
		return nil, "", vs
	}
	type parsed struct {
		cfg *encryptionconfig.Configuration
		err error
	}
	r := ctx.Memo("apiserver/encryption-config:"+v.Given(), func() any {
		cfg, err := encryptionconfig.Parse(v.Given(), f.Data)
		return parsed{cfg, err}
	}).(parsed)
	cfg, err := r.cfg, r.err
	if err != nil {
		return nil, "", fail("encryption-provider-config", err.Error()+" (--encryption-provider-config)", evidence(ctx, "encryption-provider-config", ""))
	}
	return cfg, evidence(ctx, "encryption-provider-config", ""), nil
}

func encryptionConfigRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/encryption-provider-config", Title: "API server does not encrypt objects at rest", Severity: finding.High,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "Without --encryption-provider-config the API server writes every object, Secrets included, to etcd as " +
			"plain text (protobuf starting with k8s\\x00), where etcd's data directory, snapshots and backups expose them. The " +
			"file it names must exist and be a valid EncryptionConfiguration, or the API server does not start.",
		Fields:     []string{"--encryption-provider-config"},
		Allowed:    []string{"set, naming a valid apiserver.config.k8s.io/v1 EncryptionConfiguration"},
		References: []rules.Reference{cisEncryptionConfig, docsEncryptData},
		Remedy: "Write an EncryptionConfiguration whose first provider for secrets is kms (apiVersion v2), aescbc or secretbox, " +
			"point --encryption-provider-config at it, and rewrite existing Secrets (kubectl get secrets -A -o json | kubectl replace -f -) " +
			"so that they are encrypted too.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			_, ev, vs := encryptionConfig(ctx, true)
			if vs == nil && ev != "" {
				ctx.Pass(ev)
			}
			return vs
		},
	}
}

func encryptionProviderRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/encryption-secrets-provider", Title: "Secrets are not encrypted at rest by a strong provider", Severity: finding.High,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "The EncryptionConfiguration is judged for Secrets as the API server reads it: the entry that names " +
			"secrets exactly wins over \"*.\" (every core resource), which wins over \"*.*\", and of that entry's providers " +
			"the first encrypts new writes while the others only decrypt. Secrets not named by any entry, or with identity " +
			"first, are written as plain text (kube-bench greps the first provider of the file, whatever resource it is for). " +
			"KMS v1 (a kms provider without apiVersion: v2) is deprecated since 1.28 and off by default since 1.29; aesgcm " +
			"needs its key rotated before about 200,000 writes.",
		Fields:     []string{"--encryption-provider-config resources[*].resources", "--encryption-provider-config resources[*].providers[0]"},
		Allowed:    []string{"first provider for secrets: kms (apiVersion v2), aescbc or secretbox"},
		References: []rules.Reference{cisEncryptionProvider, docsEncryptData, docsKMS},
		Remedy: "Put a kms (apiVersion: v2), aescbc or secretbox provider first in the entry that covers secrets, keep identity " +
			"after it only while existing Secrets are rewritten, then rewrite them (kubectl get secrets -A -o json | kubectl replace -f -).",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			cfg, ev, vs := encryptionConfig(ctx, false)
			if cfg == nil {
				return vs
			}
			j := cfg.For("secrets")
			ev = j.Where() + " in " + ev
			var sev finding.Severity
			switch j.Verdict {
			case encryptionconfig.Encrypted:
				ctx.Pass(ev)
				return nil
			case encryptionconfig.NeedsRotation:
				sev = finding.Low
			case encryptionconfig.DeprecatedKMS:
				sev = finding.Medium
			default:
				sev = finding.High
			}
			return []rules.Violation{{Path: "--encryption-provider-config", Message: j.Explain(), Evidence: ev, Severity: &sev}}
		},
	}
}

func encryptionKeysFileRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/encryption-keys-file-mode", Title: "Static encryption keys are readable by others", Severity: finding.High,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "aescbc, aesgcm and secretbox keep their keys in the EncryptionConfiguration itself. Whoever can read the " +
			"file can decrypt what they protect, so it should be readable by its owner (root) only.",
		Fields:     []string{"--encryption-provider-config (file mode and owner)"},
		Allowed:    []string{"mode 600 or stricter, owned by root, when the file holds static keys"},
		References: []rules.Reference{cisEncryptionProvider, docsEncryptData},
		Remedy:     "chmod 600 and chown root:root the file; better, use a KMS v2 provider so that no key is on the node.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			cfg, ev, vs := encryptionConfig(ctx, false)
			if cfg == nil {
				return vs
			}
			f := ctx.Node.File(flag(ctx, "encryption-provider-config").Given())
			if !cfg.StaticKeys() {
				ctx.NotApplicable("The configuration holds no static keys (only kms or identity providers).")
				return nil
			}
			ev = fmt.Sprintf("mode %04o, owner %d:%d of %s (%s)", f.Mode.Perm(), f.UID, f.GID, f.Path, ev)
			switch {
			case f.Mode.Perm()&0o077 != 0:
				return fail("encryption-provider-config", fmt.Sprintf("%s holds static encryption keys and is mode %04o: users other than its owner can read them and decrypt the Secrets they protect", f.Path, f.Mode.Perm()), ev)
			case f.UID != 0:
				return fail("encryption-provider-config", fmt.Sprintf("%s holds static encryption keys and is owned by UID %d, not root", f.Path, f.UID), ev)
			}
			ctx.Pass(ev)
			return nil
		},
	}
}
