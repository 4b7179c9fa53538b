package rules

// CISBenchmark is the CIS Kubernetes Benchmark the node, control-plane, file and endpoint rules
// cite (kube-bench cfg/cis-1.10: master.yaml, controlplane.yaml, etcd.yaml, node.yaml); its
// version is written here only.
const CISBenchmark = "CIS Kubernetes Benchmark v1.10.0"

// CIS is a reference to a check of CISBenchmark, titled as the benchmark words the check.
func CIS(id, title string) Reference {
	return Reference{Kind: "CIS", ID: id, Title: title + " (" + CISBenchmark + ")"}
}
