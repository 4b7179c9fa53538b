package secrets

// configmap/credentials: a credential kept in a ConfigMap. ConfigMaps are meant for
// non-confidential data and offer no secrecy (Kubernetes docs: "If the data you want to store
// are confidential, use a Secret rather than a ConfigMap"); RBAC treats them so: the built-in
// view role reads every ConfigMap of a namespace but no Secret, and encryption at rest is
// usually configured for Secrets only. A credential there is readable by far more people and
// components than one in a Secret, and by everyone who has the manifest.
//
// Restricted fields:
//   data[*], binaryData[*]
//
// Allowed values:
//   keys and values that are not credentials, judged as pod/credentials-in-env judges
//   environment variables: a value with the shape of a credential (a PEM private key, an AWS
//   access key ID, a URL with a password, a signed JWT, a GitHub or Slack token), or a key
//   named as a credential (db-password, API_KEY, .pgpass, credentials.json: a key that is a
//   file name is judged without its extension) with a non-empty value that is not plainly
//   something else. A certificate (BEGIN CERTIFICATE) is public and passes. binaryData values
//   are judged by their key and, when they are text, by their shape.
//
// The finding never carries the value: the evidence names the key and the value's length.
//
// References: https://kubernetes.io/docs/concepts/configuration/configmap/;
// Kubernetes "Good practices for Kubernetes Secrets"
// https://kubernetes.io/docs/concepts/security/secrets-good-practices/; the view role:
// https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles

import (
	"fmt"
	"slices"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func configMapCredentialsRule() rules.Rule {
	return rules.Rule{
		ID:       "configmap/credentials",
		Title:    "Credential kept in a ConfigMap",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopeObject,
		Kinds:    []string{"ConfigMap"},
		Description: "ConfigMaps are for non-confidential configuration and offer no secrecy: the built-in " +
			"view role reads them (it may not read Secrets), encryption at rest is usually configured " +
			"for Secrets only, and their content is in every copy of the manifest. A ConfigMap key " +
			"named as a credential (db-password, API_KEY, .pgpass) with a value, or any value with the " +
			"shape of a credential (private key, AWS access key ID, URL with a password, JWT, GitHub " +
			"or Slack token), is reported. The finding never repeats the value.",
		Fields:     []string{"data[*]", "binaryData[*]"},
		Allowed:    []string{"keys and values that are not credentials"},
		References: []rules.Reference{docsConfigMaps, docsSecretsGoodPractices, docsViewRole},
		Remedy: "Rotate the credential: it has been readable by everyone who could read the ConfigMap or " +
			"its manifest. Keep the new one in a Secret created outside the manifests and mount that " +
			"Secret as a file where the ConfigMap was used.",
		Object: checkConfigMapCredentials,
	}
}

func checkConfigMapCredentials(ctx *rules.ObjectContext) []rules.Violation {
	cm, ok := ctx.Object.Typed.(*corev1.ConfigMap)
	if !ok {
		return nil
	}
	var out []rules.Violation
	for _, k := range sortedKeys(cm.Data) {
		v := cm.Data[k]
		if s, ok := credentialIn(k, v, true); ok {
			out = append(out, configMapViolation("data", k, s, redacted(v)))
		}
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		v := cm.BinaryData[k]
		if len(v) == 0 {
			continue
		}
		// Binary content is judged by its key, and by its shape only when it is text.
		s, ok := credentialNamed(k, true)
		if utf8.Valid(v) {
			s, ok = credentialIn(k, string(v), true)
		}
		if ok {
			out = append(out, configMapViolation("binaryData", k, s, plural(len(v), "byte")+", redacted"))
		}
	}
	return out
}

func configMapViolation(field, key string, s suspicion, evidence string) rules.Violation {
	return rules.Violation{
		Path: fmt.Sprintf("%s[%s]", field, key),
		Message: fmt.Sprintf("ConfigMap %s key %q holds a value that %s: ConfigMaps offer no secrecy, the view "+
			"role reads them (though it may not read Secrets), encryption at rest usually covers Secrets only, "+
			"and the value is in every copy of the manifest", field, key, s.reason("key")),
		Evidence: fmt.Sprintf("%s[%s]: %s", field, key, evidence),
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
