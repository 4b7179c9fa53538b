# METADATA
# title: Containers drop all capabilities
# description: Benchmark policy drop-all-capabilities, in the style of the Pod Security Standards.
# custom:
#   id: custom/drop-all-capabilities
#   severity: medium
#   remedy: Fix it.
#   scope: pod
package bench.drop_all_capabilities

violation contains {"msg": sprintf("container %s does not drop ALL capabilities", [c.name]), "path": array.concat([kind, i], split("securityContext", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	not "ALL" in object.get(c, ["securityContext", "capabilities", "drop"], [])
}
