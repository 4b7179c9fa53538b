# METADATA
# title: Containers use the default proc mount
# description: Benchmark policy proc-mount, in the style of the Pod Security Standards.
# custom:
#   id: custom/proc-mount
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.proc_mount

violation contains {"msg": sprintf("container %s unmasks /proc", [c.name]), "path": array.concat([kind, i], split("securityContext.procMount", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	object.get(c, ["securityContext", "procMount"], "Default") != "Default"
}
