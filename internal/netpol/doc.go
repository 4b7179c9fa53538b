// Package netpol owns the reachability engine of Kubernetes NetworkPolicies: from namespaces
// (their labels), workloads (the labels and container ports of their pod templates) and
// networking.k8s.io/v1 NetworkPolicies, it computes which connections (protocol and port
// ranges) each workload may open to every other workload and to address ranges outside the
// cluster, and explains every verdict by the policies and rules that decide it.
//
// The semantics are those the NetworkPolicy API documents (k8s.io/api networking/v1
// types.go and the network-policies concept page): a pod is isolated for a direction only
// when a policy of its namespace selects it with that policy type; policies only allow, and
// what they allow adds up; a connection needs the egress of its source and the ingress of its
// destination. Workloads are grouped into classes of equal namespace, pod labels, named ports
// and address, so the cost grows with the distinct label sets rather than the pods squared.
//
// Pod addresses are unknown in manifests, so an ipBlock matches a pod only when the workload
// carries its address (a live pod's status.podIP); otherwise ipBlocks only match the
// address ranges outside the cluster. Traffic from a pod to itself (loopback) and pods on the
// host network are outside the API's definition and are not analysed.
//
// It reads an inventory but must not print, decide exit codes or talk to a cluster.
package netpol
