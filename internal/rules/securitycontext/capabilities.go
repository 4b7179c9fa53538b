package securitycontext

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// This file reads capability names the way container runtimes do. Kubernetes passes
// capabilities.add and capabilities.drop to the runtime unchanged (the API server does not
// validate the names). CRI-O upper-cases a name and prefixes CAP_ unless it already starts
// with cap_ in any case (SpecSetupCapabilities in internal/factory/container); containerd
// upper-cases it and always prefixes CAP_ (WithCapabilities in its CRI plugin). Both treat
// "ALL" case-insensitively. A name is therefore normalised here by upper-casing it and
// removing one CAP_ prefix, so that sys_admin, SYS_ADMIN and CAP_SYS_ADMIN are the same
// capability. (containerd turns CAP_SYS_ADMIN into CAP_CAP_SYS_ADMIN, a name no kernel knows,
// while CRI-O grants CAP_SYS_ADMIN; Palisade takes the reading that grants it.)

// capabilityName is a normalised capability name, without the CAP_ prefix.
type capabilityName string

const capAll capabilityName = "ALL"

func normaliseCapability(name string) capabilityName {
	up := strings.ToUpper(name)
	return capabilityName(strings.TrimPrefix(up, "CAP_"))
}

// linuxCapabilities are the capabilities of capabilities(7), as of Linux 5.9
// (CAP_CHECKPOINT_RESTORE, number 40, is the last).
var linuxCapabilities = map[capabilityName]bool{
	"CHOWN": true, "DAC_OVERRIDE": true, "DAC_READ_SEARCH": true, "FOWNER": true, "FSETID": true,
	"KILL": true, "SETGID": true, "SETUID": true, "SETPCAP": true, "LINUX_IMMUTABLE": true,
	"NET_BIND_SERVICE": true, "NET_BROADCAST": true, "NET_ADMIN": true, "NET_RAW": true,
	"IPC_LOCK": true, "IPC_OWNER": true, "SYS_MODULE": true, "SYS_RAWIO": true, "SYS_CHROOT": true,
	"SYS_PTRACE": true, "SYS_PACCT": true, "SYS_ADMIN": true, "SYS_BOOT": true, "SYS_NICE": true,
	"SYS_RESOURCE": true, "SYS_TIME": true, "SYS_TTY_CONFIG": true, "MKNOD": true, "LEASE": true,
	"AUDIT_WRITE": true, "AUDIT_CONTROL": true, "SETFCAP": true, "MAC_OVERRIDE": true,
	"MAC_ADMIN": true, "SYSLOG": true, "WAKE_ALARM": true, "BLOCK_SUSPEND": true, "AUDIT_READ": true,
	"PERFMON": true, "BPF": true, "CHECKPOINT_RESTORE": true,
}

// capabilities is the container's capabilities, never nil.
func (c containerContext) capabilities() *corev1.Capabilities {
	if caps := c.sc().Capabilities; caps != nil {
		return caps
	}
	return &corev1.Capabilities{}
}

// addedCapability returns the index in capabilities.add of the first entry that normalises to
// name (or to ALL, which includes it), or -1.
func (c containerContext) addedCapability(name capabilityName) int {
	for i, a := range c.capabilities().Add {
		if n := normaliseCapability(string(a)); n == name || n == capAll {
			return i
		}
	}
	return -1
}

// dropsAll reports whether capabilities.drop includes ALL, which both runtimes match
// case-insensitively.
func (c containerContext) dropsAll() bool {
	for _, d := range c.capabilities().Drop {
		if strings.EqualFold(string(d), string(capAll)) {
			return true
		}
	}
	return false
}
