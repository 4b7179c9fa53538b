package schema

// The container and NetworkPolicy parts of manifest/invalid-value: capability names,
// procMount, image pull policy and protocols (k8s.io/api core/v1 and networking/v1 define the
// enumerations; the kernel defines capability names).

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
)

// linuxCapabilities are the capabilities Linux defines (include/uapi/linux/capability.h,
// capabilities(7)), without the CAP_ prefix Kubernetes manifests leave out.
var linuxCapabilities = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

// knownCapability accepts a Linux capability name in any case, with or without CAP_, and ALL
// (container runtimes normalise the case and the prefix; ALL means every capability).
func knownCapability(name string) bool {
	n := strings.ToUpper(name)
	if n == "ALL" {
		return true
	}
	n = strings.TrimPrefix(n, "CAP_")
	for _, c := range linuxCapabilities {
		if c == n {
			return true
		}
	}
	return false
}

func capabilityNames(pod inventory.PodTemplate) []rules.Violation {
	var out []rules.Violation
	for _, c := range pod.Containers() {
		if c.SecurityContext == nil || c.SecurityContext.Capabilities == nil {
			continue
		}
		caps := c.SecurityContext.Capabilities
		for i, name := range caps.Drop {
			out = append(out, capabilityName(c, "drop", i, string(name),
				"Dropping it drops nothing, so the capability meant stays in the container's set.", finding.High)...)
		}
		for i, name := range caps.Add {
			out = append(out, capabilityName(c, "add", i, string(name),
				"Adding it adds nothing, and container runtimes may refuse to start the container.", finding.Medium)...)
		}
	}
	return out
}

func capabilityName(c inventory.ContainerRef, list string, i int, name, consequence string, sev finding.Severity) []rules.Violation {
	if knownCapability(name) {
		return nil
	}
	path := fmt.Sprintf("%s.securityContext.capabilities.%s[%d]", c.Path, list, i)
	msg := fmt.Sprintf("capability `%s` in capabilities.%s of container `%s` is not a Linux capability", name, list, c.Name)
	bare := strings.TrimPrefix(strings.ToUpper(name), "CAP_")
	best := suggest.Closest(bare, append(linuxCapabilities, "ALL"))
	if best != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", best)
	} else {
		msg += "."
	}
	v := rules.Violation{Path: path, Container: c.Name, Message: msg + " " + consequence, Evidence: fmt.Sprintf("%s: %q", path, name)}
	if best != "" && list == "drop" {
		// Only a dropped name is corrected: dropping the capability meant takes nothing away
		// from the container's confinement, whereas adding one grants it.
		v.Fix = []finding.Patch{{Path: path, Value: best}}
	}
	if sev != finding.High {
		v.Severity = severity(sev)
	}
	return []rules.Violation{v}
}

var procMountTypes = []string{string(corev1.DefaultProcMount), string(corev1.UnmaskedProcMount)}

func procMounts(pod inventory.PodTemplate) []rules.Violation {
	var out []rules.Violation
	for _, c := range pod.Containers() {
		if c.SecurityContext == nil || c.SecurityContext.ProcMount == nil {
			continue
		}
		out = append(out, enumValue{
			path: c.Path + ".securityContext.procMount", container: c.Name,
			what: fmt.Sprintf("procMount of container `%s`", c.Name), got: string(*c.SecurityContext.ProcMount),
			allowed:     procMountTypes,
			consequence: "The API server rejects the object, so the /proc masking meant is never applied.",
			severity:    finding.High,
		}.check()...)
	}
	return out
}

var pullPolicies = []string{string(corev1.PullAlways), string(corev1.PullIfNotPresent), string(corev1.PullNever)}

func pullPolicyValues(pod inventory.PodTemplate) []rules.Violation {
	var out []rules.Violation
	for _, c := range pod.Containers() {
		if c.ImagePullPolicy == "" {
			continue
		}
		out = append(out, enumValue{
			path: c.Path + ".imagePullPolicy", container: c.Name,
			what: fmt.Sprintf("imagePullPolicy of container `%s`", c.Name), got: string(c.ImagePullPolicy),
			allowed:     pullPolicies,
			consequence: "The API server rejects the object.",
			severity:    finding.Medium,
		}.check()...)
	}
	return out
}

var protocols = []string{string(corev1.ProtocolTCP), string(corev1.ProtocolUDP), string(corev1.ProtocolSCTP)}

func containerPortProtocols(pod inventory.PodTemplate) []rules.Violation {
	var out []rules.Violation
	for _, c := range pod.Containers() {
		for i, p := range c.Ports {
			if p.Protocol == "" {
				continue
			}
			out = append(out, enumValue{
				path: fmt.Sprintf("%s.ports[%d].protocol", c.Path, i), container: c.Name,
				what: fmt.Sprintf("the protocol of port %d of container `%s`", p.ContainerPort, c.Name), got: string(p.Protocol),
				allowed:     protocols,
				consequence: "The API server rejects the object (protocols are upper case).",
				severity:    finding.Medium,
			}.check()...)
		}
	}
	return out
}

var policyTypes = []string{string(networkingv1.PolicyTypeIngress), string(networkingv1.PolicyTypeEgress)}

// networkPolicyValues checks policyTypes and the protocols of the rules' ports. Both are
// high: the API server rejects the policy, so the isolation it was written for does not exist.
func networkPolicyValues(np *networkingv1.NetworkPolicy) []rules.Violation {
	rejected := "The API server rejects the policy, so the isolation it was written for does not exist."
	var out []rules.Violation
	for i, t := range np.Spec.PolicyTypes {
		out = append(out, enumValue{
			path: fmt.Sprintf("spec.policyTypes[%d]", i), what: "a policy type", got: string(t),
			allowed: policyTypes, consequence: rejected, severity: finding.High,
		}.check()...)
	}
	ports := func(kind string, i int, ps []networkingv1.NetworkPolicyPort) {
		for j, p := range ps {
			if p.Protocol == nil {
				continue
			}
			out = append(out, enumValue{
				path: fmt.Sprintf("spec.%s[%d].ports[%d].protocol", kind, i, j), what: fmt.Sprintf("the protocol of an %s rule's port", kind),
				got: string(*p.Protocol), allowed: protocols, consequence: rejected, severity: finding.High,
			}.check()...)
		}
	}
	for i, r := range np.Spec.Ingress {
		ports("ingress", i, r.Ports)
	}
	for i, r := range np.Spec.Egress {
		ports("egress", i, r.Ports)
	}
	return out
}
