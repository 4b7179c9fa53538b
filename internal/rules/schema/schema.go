// Package schema holds the rules about how a manifest is written: fields the API server would
// drop (unknown or at the wrong level), keys written twice, and invalid values of the
// enumerations that carry security settings. Each says which control the mistake disables.
package schema

import "palisade.dev/palisade/internal/rules"

// Rules returns the package's rules.
func Rules() []rules.Rule { return nil }
