package podspec

// pod/unsafe-sysctls: a pod may set kernel parameters (sysctls) for itself. Only a small set is
// "safe": namespaced by the kernel and isolated from other pods on the node. Any other sysctl
// either changes the whole node or lets one pod starve or disturb its neighbours; the kubelet
// refuses such pods unless the node allows them with --allowed-unsafe-sysctls, and Pod Security
// Standards baseline forbids them.
//
// Restricted fields:
//   spec.securityContext.sysctls[*].name
//
// Allowed values (an allowlist, never a prefix denylist: a prefix such as net.* covers both safe
// and unsafe names):
//   the safe set of the Pod Security Standards version in force (--pss-version, default latest),
//   as k8s.io/pod-security-admission v0.37.2 (policy/check_sysctls.go) defines it:
//   v1.0+   kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
//           net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start
//   v1.27+  net.ipv4.ip_local_reserved_ports
//   v1.29+  net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl,
//           net.ipv4.tcp_keepalive_probes
//   v1.32+  net.ipv4.tcp_rmem, net.ipv4.tcp_wmem
//   v1.37+  net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat
//
// References: Pod Security Standards baseline "Sysctls";
// https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/ (safe and unsafe sysctls).

import (
	"fmt"

	psaapi "k8s.io/pod-security-admission/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// safeSysctl is a sysctl of the safe set and the Pod Security Standards minor version (of
// Kubernetes 1.x) that added it.
type safeSysctl struct {
	name  string
	since int
}

// safeSysctls is the safe set by version, as k8s.io/pod-security-admission v0.37.2 defines it
// (policy/check_sysctls.go); a test compares it with that package for every version.
var safeSysctls = []safeSysctl{
	{"kernel.shm_rmid_forced", 0},
	{"net.ipv4.ip_local_port_range", 0},
	{"net.ipv4.tcp_syncookies", 0},
	{"net.ipv4.ping_group_range", 0},
	{"net.ipv4.ip_unprivileged_port_start", 0},
	{"net.ipv4.ip_local_reserved_ports", 27},
	{"net.ipv4.tcp_keepalive_time", 29},
	{"net.ipv4.tcp_fin_timeout", 29},
	{"net.ipv4.tcp_keepalive_intvl", 29},
	{"net.ipv4.tcp_keepalive_probes", 29},
	{"net.ipv4.tcp_rmem", 32},
	{"net.ipv4.tcp_wmem", 32},
	{"net.ipv4.tcp_slow_start_after_idle", 37},
	{"net.ipv4.tcp_notsent_lowat", 37},
}

func unsafeSysctlsRule() rules.Rule {
	allowed := make([]string, len(safeSysctls))
	for i, s := range safeSysctls {
		allowed[i] = fmt.Sprintf("%s (v1.%d+)", s.name, s.since)
	}
	return rules.Rule{
		ID:       "pod/unsafe-sysctls",
		Title:    "Unsafe sysctl",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A sysctl outside the kubelet's safe set is either not namespaced (it changes the " +
			"whole node) or not isolated between pods (one pod can exhaust or disturb the kernel " +
			"resources of the others). Pod Security Standards baseline forbids them; the safe set " +
			"grows with the standard's version (--pss-version).",
		Fields:     []string{"securityContext.sysctls[*].name"},
		Allowed:    allowed,
		References: []rules.Reference{pssSysctls, docsSysctls},
		Remedy: "Remove the sysctl from the pod. When a workload truly needs it, set it on dedicated nodes " +
			"(allowed there with the kubelet's --allowed-unsafe-sysctls) and keep other workloads off " +
			"them with taints.",
		Pod: checkSysctls,
	}
}

// safeSysctlMinor reads the Pod Security Standards version of the scan as the minor version
// whose safe set applies; "latest" (and any version newer than the newest entry) gets the whole
// table. The CLI validates --pss-version, so an unreadable one is taken as latest.
func safeSysctlMinor(opts *rules.Options) (minor int, label string) {
	latest := 0
	for _, s := range safeSysctls {
		latest = max(latest, s.since)
	}
	if opts == nil || opts.PSSVersion == "" {
		return latest, "latest"
	}
	v, err := psaapi.ParseVersion(opts.PSSVersion)
	if err != nil || v.Latest() {
		return latest, "latest"
	}
	return v.Minor(), v.String()
}

func isSafeSysctl(name string, minor int) bool {
	for _, s := range safeSysctls {
		if s.name == name && s.since <= minor {
			return true
		}
	}
	return false
}

func checkSysctls(ctx *rules.PodContext) []rules.Violation {
	sc := ctx.Pod.Spec.SecurityContext
	if sc == nil {
		return nil
	}
	minor, version := safeSysctlMinor(ctx.Options)
	var out []rules.Violation
	for i, s := range sc.Sysctls {
		if isSafeSysctl(s.Name, minor) {
			continue
		}
		out = append(out, rules.Violation{
			Path: fmt.Sprintf("%s.securityContext.sysctls[%d].name", ctx.Pod.SpecPath, i),
			Message: fmt.Sprintf("the pod sets sysctl %q (securityContext.sysctls[%d]), which is not in the kubelet's safe set "+
				"(Pod Security Standards %s): it is not namespaced or not isolated between pods, so it changes the node "+
				"or its other pods, and the kubelet refuses the pod unless the node allows it", s.Name, i, version),
			Evidence: fmt.Sprintf("securityContext.sysctls[%d]: name %s, value %q", i, s.Name, s.Value),
		})
	}
	return out
}
