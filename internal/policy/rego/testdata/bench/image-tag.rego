# METADATA
# title: Images are pinned
# description: Benchmark policy image-tag, in the style of the Pod Security Standards.
# custom:
#   id: custom/image-tag
#   severity: medium
#   remedy: Fix it.
#   scope: pod
package bench.image_tag

violation contains {"msg": sprintf("container %s runs a latest image", [c.name]), "path": array.concat([kind, i], split("image", "."))} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(input.pod.spec, kind, [])
	endswith(c.image, ":latest")
}
