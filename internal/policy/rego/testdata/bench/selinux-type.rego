# METADATA
# title: Containers use an allowed SELinux type
# description: Benchmark policy selinux-type, in the style of the Pod Security Standards.
# custom:
#   id: custom/selinux-type
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.selinux_type

violation contains {"msg": sprintf("container %s uses a disallowed SELinux type", [c.name]), "path": array.concat([kind, i], split("securityContext.seLinuxOptions", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	t := object.get(c, ["securityContext", "seLinuxOptions", "type"], "container_t"); not t in {"container_t", "container_init_t", "container_kvm_t"}
}
