# METADATA
# title: Containers are not Windows host processes
# description: Benchmark policy windows-host-process, in the style of the Pod Security Standards.
# custom:
#   id: custom/windows-host-process
#   severity: critical
#   remedy: Fix it.
#   scope: pod
package bench.windows_host_process

violation contains {"msg": sprintf("container %s is a host process", [c.name]), "path": array.concat([kind, i], split("securityContext.windowsOptions", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	object.get(c, ["securityContext", "windowsOptions", "hostProcess"], false)
}
