# METADATA
# title: Containers run as non-root
# description: Benchmark policy run-as-non-root, in the style of the Pod Security Standards.
# custom:
#   id: custom/run-as-non-root
#   severity: medium
#   remedy: Fix it.
#   scope: pod
package bench.run_as_non_root

violation contains {"msg": sprintf("container %s may run as root", [c.name]), "path": array.concat([kind, i], split("securityContext", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	not non_root(c)
}

non_root(c) if c.securityContext.runAsNonRoot == true

non_root(c) if {
	not c.securityContext.runAsNonRoot == false
	input.pod.spec.securityContext.runAsNonRoot == true
}
