# METADATA
# title: Pods do not share the host PID namespace
# description: Benchmark policy host-pid, in the style of the Pod Security Standards.
# custom:
#   id: custom/host-pid
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.host_pid

violation contains {"msg": "the pod shares the host PID namespace", "path": "hostPID"} if input.pod.spec.hostPID
