package secrets

// pod/credentials-in-env: a credential written as the literal value of a container's
// environment variable. The value is then part of the workload object: stored in etcd with it
// (encryption at rest, where configured, usually covers Secrets only), printed by kubectl get
// -o yaml and kubectl describe to everyone who may read the workload (the built-in view role
// may; it may not read Secrets), and kept in every copy and in the history of the repository
// the manifest lives in. A credential that has been there must be taken as disclosed.
//
// Restricted fields:
//   spec.{initContainers,containers,ephemeralContainers}[*].env[*].value
//
// Allowed values:
//   any value that is not a credential. A value is taken for a credential when it has the
//   shape of one whatever its name (a PEM private key, an AWS access key ID, a URL with a
//   password, a signed JWT, a GitHub or Slack token), or when the variable's name ends with a
//   credential term (PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, PRIVATE_KEY, CREDENTIALS,
//   AUTH ..., or DSN and CONNECTION_STRING when the value carries a password) and the value is
//   not plainly something else (a boolean, a file path, a URL without a password).
//   PASSWORD_FILE, TOKEN_TTL_SECONDS and PRIVATE_KEY_PATH name something about a credential and
//   pass. Empty values, values made only of $(VAR) references, and valueFrom are not literal.
//   See credential.go for the terms and shapes.
//
// The finding never carries the value: the evidence names the variable and the value's length.
//
// References: Kubernetes "Good practices for Kubernetes Secrets"
// https://kubernetes.io/docs/concepts/security/secrets-good-practices/; ConfigMaps and Secrets
// https://kubernetes.io/docs/concepts/configuration/secret/; the view role reads workloads but
// not Secrets: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func credentialsInEnvRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/credentials-in-env",
		Title:    "Credential written into a container's environment",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "An environment variable whose literal value is a password, token, key or other " +
			"credential puts that credential into the workload object itself: it is stored with the " +
			"object, shown by kubectl get and describe to everyone who may read workloads (the " +
			"built-in view role may, though it may not read Secrets), and kept in every copy and " +
			"in the history of the manifest's repository. Credentials are recognised by their " +
			"shape (private keys, AWS access key IDs, URLs with passwords, JWTs, GitHub and Slack " +
			"tokens) or by a variable name that ends with a credential term; names that describe " +
			"a credential (PASSWORD_FILE, TOKEN_TTL_SECONDS) and values that are references, " +
			"paths or booleans are not reported. The finding never repeats the value.",
		Fields: containerFields("env[*].value"),
		Allowed: []string{
			"a value that is not a credential",
			"valueFrom (a secretKeyRef, or better a Secret mounted as a file)",
			"a value made only of $(VAR) references",
		},
		References: []rules.Reference{docsSecretsGoodPractices, docsSecretsAsFiles, docsViewRole},
		Remedy: "Rotate the credential: it has been readable wherever the manifest was. Put the new " +
			"one in a Secret created outside the manifests (by a secret manager, External Secrets or " +
			"Sealed Secrets), mount the Secret as a file and point the application at the file " +
			"(many images read NAME_FILE variables), or at least reference it with valueFrom.secretKeyRef.",
		Pod: checkCredentialsInEnv,
	}
}

func checkCredentialsInEnv(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	for _, c := range ctx.Pod.Containers() {
		for j, e := range c.Env {
			if e.ValueFrom != nil || e.Value == "" {
				continue
			}
			s, ok := credentialIn(e.Name, e.Value, false)
			if !ok {
				continue
			}
			out = append(out, rules.Violation{
				Path:      fmt.Sprintf("%s.env[%d].value", c.Path, j),
				Container: c.Name,
				Message: fmt.Sprintf("container %q sets %s (env[%d].value) to a literal value that %s: it is stored "+
					"in plain text in the %[5]s, shown to everyone who may read the %[5]s (the view role may, though "+
					"it may not read Secrets) and kept in every copy of the manifest",
					c.Name, e.Name, j, s.reason("name"), ctx.Object.GVK.Kind),
				Evidence: fmt.Sprintf("%s[%d].env[%d] %s: %s", c.List, c.Index, j, e.Name, redacted(e.Value)),
			})
		}
	}
	return out
}
