package secrets

// pod/secrets-in-env: a Secret handed to a container as environment variables. The Secret stays
// protected in the API, but inside the container an environment variable travels further than
// a file: every child process inherits it, it is readable in /proc/<pid>/environ by anything
// that may read the process, it is written into crash dumps and core files, and debugging and
// error-reporting tools print the environment into their logs. A Secret mounted as a file sits
// on a tmpfs volume, reaches only the code that opens it, can be limited to one container
// and, unless mounted with subPath, is updated in place when the Secret changes; environment
// variables keep their value until the container restarts.
//
// Restricted fields:
//   spec.{initContainers,containers,ephemeralContainers}[*].env[*].valueFrom.secretKeyRef
//   spec.{initContainers,containers,ephemeralContainers}[*].envFrom[*].secretRef
//
// Allowed values:
//   unset: Secrets are consumed through secret (or projected) volumes.
//
// References: CIS Kubernetes Benchmark v1.10.0 5.4.1 "Prefer using Secrets as files over
// Secrets as environment variables" https://www.cisecurity.org/benchmark/kubernetes;
// https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod
// (mounted Secrets are updated, environment variables are not); Kubernetes "Good practices for
// Kubernetes Secrets" https://kubernetes.io/docs/concepts/security/secrets-good-practices/

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// whyFiles is the reason every message of the rule gives.
const whyFiles = "environment variables are inherited by every child process, readable in /proc/<pid>/environ, " +
	"written into crash dumps and printed by debugging and error-reporting tools; a Secret mounted as a file " +
	"reaches only the code that opens it and is updated when the Secret changes"

func secretsInEnvRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/secrets-in-env",
		Title:    "Secret passed as environment variables",
		Severity: finding.Low,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A Secret read into environment variables (env[].valueFrom.secretKeyRef, " +
			"envFrom[].secretRef) leaks more easily than one mounted as a file: the environment is " +
			"inherited by child processes, readable in /proc/<pid>/environ, written into crash " +
			"dumps and printed by debugging and error-reporting tools. A mounted Secret reaches only " +
			"the code that opens the file, and the kubelet updates it when the Secret changes, while " +
			"environment variables keep their value until the container restarts.",
		Fields:     containerFields("env[*].valueFrom.secretKeyRef", "envFrom[*].secretRef"),
		Allowed:    []string{"unset (mount the Secret as a volume instead)"},
		References: []rules.Reference{cisSecretsAsFiles, docsSecretsAsFiles, docsSecretsAsEnv, docsSecretsGoodPractices},
		Remedy: "Mount the Secret as a read-only secret volume (only the keys the container needs, with " +
			"items) and have the application read the file; many images accept a NAME_FILE variable " +
			"holding the file's path (POSTGRES_PASSWORD_FILE, for example).",
		CEL: []rules.CELCheck{{
			Expression: "variables.containers.all(c, !c.?env.orValue([]).exists(e, e.?valueFrom.?secretKeyRef.hasValue()) && " +
				"!c.?envFrom.orValue([]).exists(f, f.?secretRef.hasValue()))",
			MessageExpression: "'containers: ' + variables.containers.filter(c, c.?env.orValue([]).exists(e, e.?valueFrom.?secretKeyRef.hasValue()) || " +
				"c.?envFrom.orValue([]).exists(f, f.?secretRef.hasValue())).map(c, c.name).join(', ')",
		}},
		Pod: checkSecretsInEnv,
	}
}

func checkSecretsInEnv(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	for _, c := range ctx.Pod.Containers() {
		for j, e := range c.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			out = append(out, rules.Violation{
				Path:      fmt.Sprintf("%s.env[%d].valueFrom.secretKeyRef", c.Path, j),
				Container: c.Name,
				Message: fmt.Sprintf("container %q reads key %q of Secret %q into environment variable %s "+
					"(env[%d].valueFrom.secretKeyRef): %s", c.Name, ref.Key, ref.Name, e.Name, j, whyFiles),
				Evidence: fmt.Sprintf("%s[%d].env[%d] %s: secretKeyRef %s/%s", c.List, c.Index, j, e.Name, ref.Name, ref.Key),
			})
		}
		for j, from := range c.EnvFrom {
			if from.SecretRef == nil {
				continue
			}
			prefix := ""
			if from.Prefix != "" {
				prefix = fmt.Sprintf(" (prefixed %s)", from.Prefix)
			}
			out = append(out, rules.Violation{
				Path:      fmt.Sprintf("%s.envFrom[%d].secretRef", c.Path, j),
				Container: c.Name,
				Message: fmt.Sprintf("container %q reads every key of Secret %q into environment variables%s "+
					"(envFrom[%d].secretRef): %s", c.Name, from.SecretRef.Name, prefix, j, whyFiles),
				Evidence: fmt.Sprintf("%s[%d].envFrom[%d]: secretRef %s", c.List, c.Index, j, from.SecretRef.Name),
			})
		}
	}
	return out
}
