# METADATA
# title: Pods do not use the host network
# description: Benchmark policy host-network, in the style of the Pod Security Standards.
# custom:
#   id: custom/host-network
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.host_network

violation contains {"msg": "the pod uses the host network", "path": "hostNetwork"} if input.pod.spec.hostNetwork
