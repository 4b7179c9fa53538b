# METADATA
# title: Images are pinned, never tagged latest
# description: >-
#   An image tagged latest (or not tagged at all) changes under a running workload: two
#   replicas may run different code, and a rollback brings back nothing.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/containers/images/#image-names
#     description: Image names
# custom:
#   id: custom/no-latest-tag
#   severity: medium
#   remedy: Pin every image to a version tag or, better, a digest.
#   scope: pod
#   fields: ["containers[*].image", "initContainers[*].image"]
#   allowed: ["a tag other than latest", "a digest"]
package palisade.no_latest_tag

violation contains {"msg": msg, "path": [kind, i, "image"], "container": c.name} if {
	some kind in ["containers", "initContainers"]
	some i, c in input.pod.spec[kind]
	unpinned(c.image)
	msg := sprintf("container %s runs an image that is not pinned", [c.name])
}

unpinned(image) if endswith(image, ":latest")

unpinned(image) if {
	not contains(image, "@")
	last := regex.split("/", image)[count(regex.split("/", image)) - 1]
	not contains(last, ":")
}
