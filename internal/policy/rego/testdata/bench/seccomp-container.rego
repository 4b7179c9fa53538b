# METADATA
# title: Containers do not run Unconfined seccomp
# description: Benchmark policy seccomp-container, in the style of the Pod Security Standards.
# custom:
#   id: custom/seccomp-container
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.seccomp_container

violation contains {"msg": sprintf("container %s runs unconfined", [c.name]), "path": array.concat([kind, i], split("securityContext.seccompProfile", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	object.get(c, ["securityContext", "seccompProfile", "type"], "") == "Unconfined"
}
