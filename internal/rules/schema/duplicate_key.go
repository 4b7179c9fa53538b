package schema

// manifest/duplicate-key: a key written twice in one map. YAML requires the keys of a mapping
// to be unique; the decoders kubectl and the API server use keep the last value (or reject the
// object under strict field validation), so the first value is silently ignored: a
// securityContext written twice keeps only the second, whatever the first one set.
//
// Restricted fields: every map key of every object.
// Allowed values: each key once per map.
// Sources: YAML 1.2.2 (mappings); Kubernetes API concepts, field validation.

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// DuplicateKey is the manifest/duplicate-key rule.
func DuplicateKey() rules.Rule {
	return rules.Rule{
		ID:       "manifest/duplicate-key",
		Title:    "Key written twice in the same map",
		Severity: finding.Medium,
		Area:     rules.AreaManifest,
		Scope:    rules.ScopeObject,
		Kinds:    []string{"*"},
		Description: "YAML requires the keys of a map to be unique. kubectl and the API server keep " +
			"only the last value of a repeated key (or reject the object under strict field " +
			"validation), so what the first one sets is silently lost: a second `securityContext:` " +
			"replaces the first one whole, a second `runAsNonRoot:` overrides the first.",
		Fields:     []string{"<any map key>"},
		Allowed:    []string{"each key once per map"},
		References: []rules.Reference{docsYAMLMappings, docsFieldValidation},
		Remedy:     "Merge the two entries into one, keeping the value that is meant.",
		Object:     checkDuplicateKeys,
	}
}

func checkDuplicateKeys(ctx *rules.ObjectContext) []rules.Violation {
	var out []rules.Violation
	for _, is := range ctx.Object.Issues() {
		if is.Kind != inventory.DuplicateKey {
			continue
		}
		out = append(out, rules.Violation{
			Path:      is.Path,
			Container: containerAt(ctx.Object, is.Path),
			Message: fmt.Sprintf("`%s` is written more than once in the same map; only the last one counts, "+
				"so the values written before it are ignored (the API server rejects the object under strict field validation)", finding.DescribeName(is.Field)),
			Evidence: "duplicate key " + finding.DescribePath(is.Path),
		})
	}
	return out
}
