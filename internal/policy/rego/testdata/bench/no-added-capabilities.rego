# METADATA
# title: Containers add no dangerous capability
# description: Benchmark policy no-added-capabilities, in the style of the Pod Security Standards.
# custom:
#   id: custom/no-added-capabilities
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.no_added_capabilities

violation contains {"msg": sprintf("container %s adds a dangerous capability", [c.name]), "path": array.concat([kind, i], split("securityContext.capabilities.add", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	some cap in object.get(c, ["securityContext", "capabilities", "add"], []); cap in {"SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_MODULE"}
}
