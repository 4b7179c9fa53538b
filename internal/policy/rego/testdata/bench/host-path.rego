# METADATA
# title: Pods mount no hostPath
# description: Benchmark policy host-path, in the style of the Pod Security Standards.
# custom:
#   id: custom/host-path
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.host_path

violation contains {"msg": sprintf("volume %s mounts a host path", [v.name]), "path": ["volumes", i, "hostPath"]} if {
	some i, v in object.get(input.pod.spec, "volumes", [])
	v.hostPath
}
