package etcdprobe

// etcd/probe-secrets-encryption: Secrets are stored in etcd in plain text, proven by reading
// a bounded sample of their stored values with the client certificate the user gave and
// telling each one's form from its first bytes: k8s:enc:<provider>:v1:<key>: (or
// k8s:enc:kms:v2:<name>:) when an encryption provider wrote it, k8s\x00 (protobuf) or {
// (JSON) when it is plain text. The flag rules of package apiserver read
// --encryption-provider-config; this one proves what is on disk, including Secrets written
// before encryption was configured, which stay in plain text until rewritten.
//
// Restricted fields:
//   the stored form of the values under <--etcd-prefix>/secrets/ on etcd's client port
//
// Allowed values:
//   every value sampled encrypted (pass, with the count by provider and key as evidence).
//   Every value in plain text is critical; some encrypted and some not is high (encryption
//   is configured but existing Secrets were never rewritten). Without credentials, without
//   Secrets, or with an answer that is not etcd's, it is not applicable: never a pass.
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.27, 1.2.28;
// https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func encryptionRule() rules.Rule {
	return rules.Rule{
		ID:       "etcd/probe-secrets-encryption",
		Title:    "Secrets are stored in etcd in plain text (proven)",
		Severity: finding.Critical,
		Area:     rules.AreaEtcd,
		Scope:    rules.ScopeEndpoint,
		Description: "With etcd's client certificate, key and CA given, Palisade reads a bounded sample of the values " +
			"stored under the API server's prefix for Secrets and tells from each one's first bytes whether an " +
			"encryption provider wrote it (k8s:enc:aescbc, aesgcm, secretbox, kms) or it is plain text (protobuf or " +
			"JSON); it never shows or keeps a value. Plain text means whoever reads etcd, its data directory, a " +
			"snapshot or a backup reads every Secret. Enabling encryption does not rewrite existing objects: " +
			"Secrets written before stay in plain text until they are written again.",
		Fields:             []string{"the stored form of the values under <--etcd-prefix>/secrets/"},
		Allowed:            []string{"every value sampled begins with k8s:enc: (aescbc, aesgcm, secretbox or kms)"},
		References:         []rules.Reference{cisEncryptionConfig, cisEncryptionProvider, docsEncryptData},
		EndpointComponents: []string{etcdClient},
		Remedy: "Give the API server an --encryption-provider-config whose first provider for secrets is kms (v2), " +
			"secretbox, aescbc or aesgcm (not identity), then rewrite every existing Secret so that it is stored " +
			"encrypted: kubectl get secrets -A -o json | kubectl replace -f -",
		Endpoint: rules.Answering(checkEncryption),
	}
}

// rewrite is how existing Secrets are stored again, through the configured provider.
const rewrite = "kubectl get secrets -A -o json | kubectl replace -f -"

func checkEncryption(ctx *rules.EndpointContext) []rules.Violation {
	ep := ctx.Endpoint
	a := rangeAnswer(ep, inventory.AnswerSecretsSampled, inventory.AnswerSecretsUnproven)
	if a == nil {
		ctx.NotApplicable(fmt.Sprintf("encryption at rest not proven on %s: give etcd's client certificate, key and CA "+
			"(palisade probe --etcd-cert, --etcd-key, --etcd-ca) to read a bounded sample of how Secrets are stored; "+
			"the API server's --encryption-provider-config is judged by the flag rules", ep.Address))
		return nil
	}
	evidence := fmt.Sprintf("POST %s with the client certificate given: %s", rangePath, a.Summary)
	p := a.Secrets
	switch {
	case p != nil && p.Total == 0 && p.Sampled == 0:
		ctx.NotApplicable(fmt.Sprintf("%s holds %s: nothing to prove (if the API server's --etcd-prefix is not /registry, give it to palisade probe --etcd-prefix)", ep.Address, a.Summary))
		return nil
	case a.Kind != inventory.AnswerSecretsSampled || p == nil || p.Sampled == 0:
		ctx.NotApplicable(fmt.Sprintf("encryption at rest not proven on %s: %s", ep.Address, unproven(a)))
		return nil
	case p.Plain == 0 && p.Encrypted > 0:
		ctx.Pass(evidence)
		return nil
	case p.Plain == 0:
		ctx.NotApplicable(fmt.Sprintf("none of the %d values sampled on %s is in a form the API server writes: %s", p.Sampled, ep.Address, a.Summary))
		return nil
	case p.Encrypted == 0:
		return []rules.Violation{{
			Path: p.Prefix,
			Message: fmt.Sprintf("Secrets are stored in etcd in plain text: all %d of the %d sampled under %s (of %d); whoever "+
				"reads etcd, its data directory, a snapshot or a backup reads every Secret", p.Plain, p.Sampled, p.Prefix, p.Total),
			Evidence: evidence,
		}}
	}
	high := finding.High
	return []rules.Violation{{
		Path: p.Prefix,
		Message: fmt.Sprintf("Secrets are partly stored in etcd in plain text: %d of the %d sampled under %s (of %d) are plain "+
			"text, %d encrypted. Encryption is configured, but objects written before it are not re-encrypted; rewrite "+
			"every Secret so that it is stored encrypted: %s", p.Plain, p.Sampled, p.Prefix, p.Total, p.Encrypted, rewrite),
		Evidence: evidence,
		Severity: &high,
	}}
}
