# METADATA
# title: Containers do not run as UID 0
# description: Benchmark policy run-as-user-zero, in the style of the Pod Security Standards.
# custom:
#   id: custom/run-as-user-zero
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.run_as_user_zero

violation contains {"msg": sprintf("container %s runs as UID 0", [c.name]), "path": array.concat([kind, i], split("securityContext.runAsUser", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	c.securityContext.runAsUser == 0
}
