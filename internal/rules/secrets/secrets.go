// Package secrets holds the rules about credentials in the configuration of workloads:
// credentials written as literal values into a container's environment or into a ConfigMap,
// where every reader of the workload or of its manifest reads them, and Secrets handed to
// containers as environment variables rather than files. Each rule lives in its own file that
// opens with its contract: what it is for, the restricted fields, the allowed values and the
// references. The package only reads objects; it never changes them, and it never copies a
// value it judges into a finding: evidence names the variable or key and says how long the
// value is.
package secrets

import "palisade.dev/palisade/internal/rules"

// everyContainerList names the container lists of a pod spec: environment variables may be set
// in init, regular and ephemeral containers alike.
var everyContainerList = []string{"initContainers", "containers", "ephemeralContainers"}

// containerFields names field in every container list, relative to the pod spec as
// Rule.Fields wants it: containerFields("env[*].value") gives "containers[*].env[*].value" ...
func containerFields(fields ...string) []string {
	out := make([]string, 0, len(everyContainerList)*len(fields))
	for _, f := range fields {
		for _, l := range everyContainerList {
			out = append(out, l+"[*]."+f)
		}
	}
	return out
}

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		credentialsInEnvRule(),
		configMapCredentialsRule(),
		secretsInEnvRule(),
	}
}
