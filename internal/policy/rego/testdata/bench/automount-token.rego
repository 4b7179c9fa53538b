# METADATA
# title: Pods do not mount a token by default
# description: Benchmark policy automount-token, in the style of the Pod Security Standards.
# custom:
#   id: custom/automount-token
#   severity: low
#   remedy: Fix it.
#   scope: pod
package bench.automount_token

violation contains {"msg": "the pod mounts the ServiceAccount token", "path": ""} if not input.pod.spec.automountServiceAccountToken == false
