package securitycontext

import (
	"fmt"
	"maps"
	"slices"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/dangerous-capabilities: a container may add back only capabilities that container
// runtimes grant by default anyway; anything else widens what a compromised process can do to
// the kernel and the node. Each added capability outside that set is its own finding, named
// after normalisation (capabilities.go), at high severity, or critical for the capabilities
// that amount to root on the node (SYS_ADMIN, SYS_MODULE, SYS_PTRACE, BPF, DAC_READ_SEARCH) and
// for ALL. A name that is not a Linux capability is reported too: CRI-O refuses to start the
// container and containerd hands the runtime a name it cannot apply.
//
// Restricted fields:
//
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.add[*]
//
// Allowed values: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
// NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT, in any case, with or without
// the CAP_ prefix. This is the set the Pod Security Standards baseline allows: the capabilities
// containerd grants every container by default minus NET_RAW, so adding one back after dropping
// ALL restores at most the runtime's default. (The restricted level allows only
// NET_BIND_SERVICE; pss/restricted reports that.)
//
// Windows pods are skipped: the API server forbids capabilities on them.
//
// References: PSS baseline "Capabilities"; CIS 5.2.8 (NET_RAW) and 5.2.9; capabilities(7).

// defaultCapabilities are the capabilities a container may add: each is in containerd's
// default set and the PSS baseline list.
var defaultCapabilities = map[capabilityName]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true,
	"KILL": true, "MKNOD": true, "NET_BIND_SERVICE": true, "SETFCAP": true, "SETGID": true,
	"SETPCAP": true, "SETUID": true, "SYS_CHROOT": true,
}

// capabilityRisk says what an added capability lets a process do (capabilities(7)), and
// whether that is as good as root on the node.
type capabilityRisk struct {
	what     string
	critical bool
}

var capabilityRisks = map[capabilityName]capabilityRisk{
	"ALL":             {"grants every Linux capability, most of what privileged: true gives", true},
	"SYS_ADMIN":       {"allows mount, namespace and many other administrative operations, enough to escape the container", true},
	"SYS_MODULE":      {"allows loading kernel modules, which run with full control of the node", true},
	"SYS_PTRACE":      {"allows tracing and reading the memory of other processes, including across a shared or host PID namespace", true},
	"BPF":             {"allows loading eBPF programs, which read kernel memory and intercept other processes' traffic", true},
	"DAC_READ_SEARCH": {"bypasses file read permissions and allows open_by_handle_at, the basis of known container escapes", true},
	"NET_ADMIN":       {"allows reconfiguring interfaces, routes and firewall rules of the pod network namespace (of the node with hostNetwork)", false},
	"NET_RAW":         {"allows raw sockets, used to forge packets and spoof ARP and DNS on the pod network", false},
	"SYS_RAWIO":       {"allows raw I/O on ports and devices such as /dev/mem", false},
	"SYS_BOOT":        {"allows rebooting the node and loading a new kernel with kexec_load", false},
	"SYS_TIME":        {"allows setting the node's clock, which every container shares", false},
	"MAC_ADMIN":       {"allows changing AppArmor or SELinux policy", false},
	"MAC_OVERRIDE":    {"allows overriding mandatory access control (AppArmor, SELinux)", false},
	"PERFMON":         {"allows performance monitoring that can observe other processes and the kernel", false},
	"SYSLOG":          {"allows reading kernel messages and addresses, which defeats KASLR", false},
	"IPC_LOCK":        {"allows locking memory, which can exhaust the node's memory", false},
	"SYS_RESOURCE":    {"allows overriding resource limits and quotas", false},
	"LINUX_IMMUTABLE": {"allows changing immutable and append-only file flags", false},
}

func dangerousCapabilitiesRule() rules.Rule {
	allowed := make([]string, 0, len(defaultCapabilities))
	for _, name := range slices.Sorted(maps.Keys(defaultCapabilities)) {
		allowed = append(allowed, string(name))
	}
	return rules.Rule{
		ID:       "pod/dangerous-capabilities",
		Title:    "Container adds a dangerous capability",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "Capabilities split root's power into pieces; several pieces are enough to take over the " +
			"node (SYS_ADMIN, SYS_MODULE, SYS_PTRACE, BPF, DAC_READ_SEARCH, or ALL of them) and others let a " +
			"process attack its neighbours (NET_RAW, NET_ADMIN). A container may add back only capabilities " +
			"that runtimes grant by default. Names are read as runtimes read them: in any case, with or " +
			"without the CAP_ prefix.",
		Fields:  containerFields("securityContext.capabilities.add[*]"),
		Allowed: allowed,
		References: []rules.Reference{
			pssBaseline("Capabilities"),
			rules.CIS("5.2.8", "Minimize the admission of containers with the NET_RAW capability"),
			rules.CIS("5.2.9", "Minimize the admission of containers with added capabilities"),
			docs("capabilities(7)", "https://man7.org/linux/man-pages/man7/capabilities.7.html"),
		},
		Remedy: "Remove the capability from capabilities.add; if the workload truly needs it, exempt this " +
			"workload with a reason rather than granting it everywhere.",
		CEL: celLinuxOnly(celEachContainer(celContainerField("capabilities.add") + ".orValue([]).all(a, " +
			celCapabilityIn("a", slices.Sorted(maps.Keys(defaultCapabilities))) + ")")),
		Pod: linuxOnly(eachContainer(checkDangerousCapabilities)),
	}
}

func checkDangerousCapabilities(_ *rules.PodContext, c containerContext) []rules.Violation {
	var out []rules.Violation
	for i, added := range c.capabilities().Add {
		name := normaliseCapability(string(added))
		if defaultCapabilities[name] {
			continue
		}
		v := violation(c, fmt.Sprintf("%s[%d]", c.field("capabilities.add"), i),
			capabilityMessage(c, name),
			fmt.Sprintf("capabilities.add[%d]=%q in container securityContext", i, string(added)))
		if risk, ok := capabilityRisks[name]; ok && risk.critical {
			v.Severity = severity(finding.Critical)
		}
		out = append(out, v)
	}
	return out
}

func capabilityMessage(c containerContext, name capabilityName) string {
	if risk, ok := capabilityRisks[name]; ok {
		if name == capAll {
			return fmt.Sprintf("%s adds ALL capabilities, which %s", describe(c), risk.what)
		}
		return fmt.Sprintf("%s adds CAP_%s, which %s", describe(c), name, risk.what)
	}
	if !linuxCapabilities[name] {
		return fmt.Sprintf("%s adds %q, which is not a Linux capability: CRI-O refuses to start the container "+
			"and containerd passes a name the runtime cannot apply; it is probably a typo", describe(c), string(name))
	}
	return fmt.Sprintf("%s adds CAP_%s, which container runtimes do not grant by default and which widens what "+
		"a compromised process can do to the kernel", describe(c), name)
}
