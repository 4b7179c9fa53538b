# METADATA
# title: Containers have memory limits
# description: Benchmark policy resource-limits, in the style of the Pod Security Standards.
# custom:
#   id: custom/resource-limits
#   severity: low
#   remedy: Fix it.
#   scope: pod
package bench.resource_limits

violation contains {"msg": sprintf("container %s has no memory limit", [c.name]), "path": array.concat([kind, i], split("resources", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	not c.resources.limits.memory
}
