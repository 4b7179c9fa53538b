# METADATA
# title: Containers open no host port
# description: Benchmark policy host-ports, in the style of the Pod Security Standards.
# custom:
#   id: custom/host-ports
#   severity: medium
#   remedy: Fix it.
#   scope: pod
package bench.host_ports

violation contains {"msg": sprintf("container %s opens a host port", [c.name]), "path": array.concat([kind, i], split("ports", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	some p in object.get(c, "ports", []); object.get(p, "hostPort", 0) != 0
}
