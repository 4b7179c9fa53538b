# METADATA
# title: Pods use only restricted volume types
# description: Benchmark policy volume-types, in the style of the Pod Security Standards.
# custom:
#   id: custom/volume-types
#   severity: medium
#   remedy: Fix it.
#   scope: pod
package bench.volume_types

allowed := {"name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}

violation contains {"msg": sprintf("volume %s is of a type outside the restricted set", [v.name]), "path": ["volumes", i]} if {
	some i, v in object.get(input.pod.spec, "volumes", [])
	some k, _ in v
	not k in allowed
}
