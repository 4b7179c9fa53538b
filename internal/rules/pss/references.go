package pss

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite.
var (
	pssBaseline   = rules.PSS("baseline", "Pod Security Standards: Baseline")
	pssRestricted = rules.PSS("restricted", "Pod Security Standards: Restricted")
	docsAdmission = rules.Docs("Pod Security Admission", "https://kubernetes.io/docs/concepts/security/pod-security-admission/")
	srcChecks     = rules.Docs("k8s.io/pod-security-admission: the reference implementation of the checks", "https://github.com/kubernetes/pod-security-admission/tree/master/policy")
)
