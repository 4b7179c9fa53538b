package rules

import "strings"

// CISBenchmark is the CIS Kubernetes Benchmark the node, control-plane, file and endpoint rules
// cite (kube-bench cfg/cis-1.10: master.yaml, controlplane.yaml, etcd.yaml, node.yaml); its
// version is written here only.
const CISBenchmark = "CIS Kubernetes Benchmark v1.10.0"

// CIS is a reference to a check of CISBenchmark, titled as the benchmark words the check.
func CIS(id, title string) Reference {
	return Reference{Kind: "CIS", ID: id, Title: title + " (" + CISBenchmark + ")"}
}

// PSSURL is the Pod Security Standards page; a check's level is its anchor.
const PSSURL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

// PSS is a reference to the Pod Security Standards: a check ("baseline/hostPorts"), a level
// ("baseline") or the page ("levels"), linked to the level's section of the page.
func PSS(id, title string) Reference {
	url := PSSURL
	switch level, _, _ := strings.Cut(id, "/"); level {
	case "privileged", "baseline", "restricted":
		url += "#" + level
	}
	return Reference{Kind: "PSS", ID: id, Title: title, URL: url}
}

// Docs is a reference to a document: the Kubernetes documentation, a component's or a
// library's.
func Docs(title, url string) Reference { return Reference{Kind: "Docs", Title: title, URL: url} }

// KEP is a reference to a Kubernetes Enhancement Proposal ("KEP-4265").
func KEP(id, title, url string) Reference {
	return Reference{Kind: "KEP", ID: id, Title: title, URL: url}
}
