# METADATA
# title: Root filesystems are read-only
# description: Benchmark policy read-only-root, in the style of the Pod Security Standards.
# custom:
#   id: custom/read-only-root
#   severity: low
#   remedy: Fix it.
#   scope: pod
package bench.read_only_root

violation contains {"msg": sprintf("container %s has a writable root filesystem", [c.name]), "path": array.concat([kind, i], split("securityContext", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	not c.securityContext.readOnlyRootFilesystem
}
