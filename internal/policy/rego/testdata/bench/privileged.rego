# METADATA
# title: Containers are not privileged
# description: Benchmark policy privileged, in the style of the Pod Security Standards.
# custom:
#   id: custom/privileged
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.privileged

violation contains {"msg": sprintf("container %s runs privileged", [c.name]), "path": array.concat([kind, i], split("securityContext", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	c.securityContext.privileged == true
}
