# METADATA
# title: Containers cannot gain privileges
# description: Benchmark policy allow-privilege-escalation, in the style of the Pod Security Standards.
# custom:
#   id: custom/allow-privilege-escalation
#   severity: medium
#   remedy: Fix it.
#   scope: pod
package bench.allow_privilege_escalation

violation contains {"msg": sprintf("container %s may gain privileges", [c.name]), "path": array.concat([kind, i], split("securityContext", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	not c.securityContext.allowPrivilegeEscalation == false
}
