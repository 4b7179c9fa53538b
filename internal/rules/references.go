package rules

import "strings"

// The CIS Kubernetes Benchmark versions the rules cite, written here only.
const (
	// CISVersion is the benchmark the node, control-plane, file and endpoint rules cite
	// (kube-bench cfg/cis-1.10: master.yaml, controlplane.yaml, etcd.yaml, node.yaml).
	CISVersion   = "v1.10.0"
	CISBenchmark = "CIS Kubernetes Benchmark " + CISVersion
	// CISLaterVersion is the later benchmark (kube-bench cfg/cis-1.12) a few rules cite for
	// checks that CISVersion does not have or words otherwise.
	CISLaterVersion = "v1.12.0"
	// CISURL is the benchmark's page, for the references that link it.
	CISURL = "https://www.cisecurity.org/benchmark/kubernetes"
)

// CIS is a reference to a check of CISBenchmark, titled as the benchmark words the check.
func CIS(id, title string) Reference { return cis(CISVersion, id, title) }

// CISLater is a reference to a check of the benchmark CISLaterVersion, titled as that
// benchmark words it; absent says in the title that CISVersion does not have the check.
func CISLater(id, title string, absent bool) Reference {
	version := CISLaterVersion
	if absent {
		version += "; not in " + CISVersion
	}
	return cis(version, id, title)
}

func cis(version, id, title string) Reference {
	return Reference{Kind: "CIS", ID: id, Title: title + " (CIS Kubernetes Benchmark " + version + ")"}
}

// Linked is the reference with a link to url.
func (r Reference) Linked(url string) Reference {
	r.URL = url
	return r
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
