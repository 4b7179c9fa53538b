// Package namespace holds the rules judged per namespace: resource quotas, limit ranges, a
// default-deny NetworkPolicy and the Pod Security Admission enforce label.
package namespace

import "palisade.dev/palisade/internal/rules"

// Rules returns the package's rules.
func Rules() []rules.Rule { return nil }
