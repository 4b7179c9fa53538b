package pss

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite.
var (
	pssBaseline   = rules.Reference{Kind: "PSS", ID: "baseline", Title: "Pod Security Standards: Baseline", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"}
	pssRestricted = rules.Reference{Kind: "PSS", ID: "restricted", Title: "Pod Security Standards: Restricted", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"}
	docsAdmission = rules.Reference{Kind: "Docs", Title: "Pod Security Admission", URL: "https://kubernetes.io/docs/concepts/security/pod-security-admission/"}
	srcChecks     = rules.Reference{Kind: "Docs", Title: "k8s.io/pod-security-admission: the reference implementation of the checks", URL: "https://github.com/kubernetes/pod-security-admission/tree/master/policy"}
)
