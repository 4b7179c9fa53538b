# METADATA
# title: Pods do not share the host IPC namespace
# description: Benchmark policy host-ipc, in the style of the Pod Security Standards.
# custom:
#   id: custom/host-ipc
#   severity: high
#   remedy: Fix it.
#   scope: pod
package bench.host_ipc

violation contains {"msg": "the pod shares the host IPC namespace", "path": "hostIPC"} if input.pod.spec.hostIPC
