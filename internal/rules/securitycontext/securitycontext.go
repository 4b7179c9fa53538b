// Package securitycontext holds the pod rules about who a container runs as and what it may
// do to the kernel: user and group, root filesystem, privilege escalation, privileged mode,
// capabilities, seccomp, AppArmor, SELinux, /proc mounts, host namespaces, user namespaces and
// Windows HostProcess. Effective values follow Kubernetes: a container setting overrides the
// pod setting, and a pod setting covers containers that do not set it.
package securitycontext

import "palisade.dev/palisade/internal/rules"

// Rules returns the package's rules.
func Rules() []rules.Rule { return nil }
