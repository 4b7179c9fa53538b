// Package podspec holds the pod rules about what a pod reaches outside its containers and how
// it is configured: hostPath volumes, host ports, sysctls, resource requests and limits, image
// references, and service account token mounting.
package podspec

import "palisade.dev/palisade/internal/rules"

// Rules returns the package's rules.
func Rules() []rules.Rule { return nil }
