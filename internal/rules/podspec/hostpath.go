package podspec

// pod/host-path: a hostPath volume gives the pod a directory or file of the node itself. The
// kubelet bind-mounts it as it is, so the pod reads (and, unless every mount is read-only,
// writes) the node's files with the container's user, outside every isolation Kubernetes adds.
// Paths that hold node credentials, the container runtime's socket, kernel interfaces or other
// pods' data are a route to the whole node; any writable host path can plant files the node or
// other pods later trust.
//
// Restricted fields:
//   spec.volumes[*].hostPath
//   spec.{initContainers,containers,ephemeralContainers}[*].volumeMounts[*].readOnly
//   spec.{initContainers,containers,ephemeralContainers}[*].volumeMounts[*].recursiveReadOnly
//
// Allowed values:
//   no hostPath volume. When one is needed, the severity says how bad it is:
//   critical  the path is, is below, or contains a sensitive path (sensitiveHostPaths below),
//             whatever the mounts say;
//   high      another path that some container mounts writable (readOnly unset or false);
//   medium    another path that every container mounts read-only (or none mounts).
//
// Paths are compared cleaned (path.Clean: trailing slashes, `.` and `..` resolved; the API server
// rejects `..` in a hostPath, but a manifest may still carry it), and also with /var/run read as
// /run, the symlink it is on systemd distributions, so that /var/run/containerd and /run/crio
// count as sensitive too.
//
// References: CIS Kubernetes Benchmark 5.2.12; Pod Security Standards baseline "HostPath
// Volumes"; https://kubernetes.io/docs/concepts/storage/volumes/#hostpath (which warns that
// hostPath "presents many security risks"); read-only and recursive read-only mounts:
// https://kubernetes.io/docs/concepts/storage/volumes/#read-only-mounts (KEP-3857).

import (
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func hostPathRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/host-path",
		Title:    "hostPath volume",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A hostPath volume mounts a file or directory of the node into the pod. The container " +
			"then reads, and unless the mount is read-only writes, the node's files outside the " +
			"isolation Kubernetes gives it. Sensitive paths (/, /etc, /proc, /sys, /var/lib/kubelet, " +
			"the container runtime's socket ...) lead to the node and every pod on it (critical); " +
			"another writable path is high, a read-only one medium.",
		Fields: append([]string{"volumes[*].hostPath.path"}, slices.Concat(
			containerFields(everyContainerList, "volumeMounts[*].readOnly"),
			containerFields(everyContainerList, "volumeMounts[*].recursiveReadOnly"),
		)...),
		Allowed:    []string{"no hostPath volume"},
		References: []rules.Reference{cisHostPath, pssHostPath, docsHostPath, docsReadOnlyMounts},
		Remedy: "Use a volume that does not reach into the node (emptyDir, configMap, secret, projected, " +
			"a PersistentVolumeClaim). When a node agent truly needs a host path, mount the narrowest " +
			"path, with readOnly: true and recursiveReadOnly: Enabled on every volumeMount, and run it " +
			"in a namespace of its own.",
		CEL: []rules.CELCheck{{
			Expression:        "!variables.spec.?volumes.orValue([]).exists(v, v.?hostPath.?path.orValue('') != '')",
			MessageExpression: "'volumes: ' + variables.spec.?volumes.orValue([]).filter(v, v.?hostPath.?path.orValue('') != '').map(v, v.name + ' (' + v.hostPath.path + ')').join(', ')",
		}},
		Pod: checkHostPaths,
	}
}

// sensitiveHostPath is a node path whose exposure leads to the node or to other pods.
type sensitiveHostPath struct {
	path string
	what string // what the path holds, for messages
}

// sensitiveHostPaths are the node paths a pod must not reach. A hostPath that is one of them,
// lies below one, or contains one is sensitive.
var sensitiveHostPaths = []sensitiveHostPath{
	{"/", "the node's whole filesystem"},
	{"/etc", "the node's configuration, including kubelet credentials and static pod manifests"},
	{"/etc/kubernetes", "the kubelet's and control plane's credentials and the static pod manifests the kubelet runs"},
	{"/proc", "every process of the node and the kernel's settings"},
	{"/sys", "the kernel's and devices' settings, cgroups included"},
	{"/boot", "the node's kernel and boot loader"},
	{"/root", "the home of the node's root user (SSH keys, cloud credentials)"},
	{"/home", "the node's user homes (SSH keys, credentials)"},
	{"/dev", "the node's devices, disks included"},
	{"/var/run/docker.sock", "the Docker API socket: whoever reaches it controls every container on the node"},
	{"/run/containerd", "containerd's socket and state: whoever reaches it controls every container on the node"},
	{"/var/run/crio", "CRI-O's socket: whoever reaches it controls every container on the node"},
	{"/var/lib/kubelet", "the kubelet's state, with every pod's volumes, Secrets and tokens"},
	{"/var/lib/etcd", "etcd's data, with every Secret of the cluster"},
	{"/var/lib/docker", "Docker's storage, with every container's filesystem"},
	{"/var/lib/containerd", "containerd's storage, with every container's filesystem"},
	{"/var/lib/containers", "CRI-O's storage, with every container's filesystem"},
	{"/var/log", "the node's and every pod's logs (a writable log path lets the kubelet's log reader follow planted symlinks)"},
}

// hostPathExposure is what a hostPath exposes, as classifyHostPath judges it.
type hostPathExposure struct {
	// Cleaned is the path as the node resolves it.
	Cleaned string
	// Sensitive is true when the path is, is below, or contains a sensitive path.
	Sensitive bool
	// Reason says which sensitive path it touches and what that holds; empty when not sensitive.
	Reason string
}

// classifyHostPath judges one hostPath.path. A relative path is read from /, the kubelet's
// working directory.
func classifyHostPath(p string) hostPathExposure {
	cleaned := path.Clean("/" + p)
	out := hostPathExposure{Cleaned: cleaned}
	var under *sensitiveHostPath
	var contains []string
	for i := range sensitiveHostPaths {
		s := &sensitiveHostPaths[i]
		switch {
		case pathWithin(cleaned, s.path):
			// The deepest sensitive path it is or lies below says the most.
			if under == nil || len(s.path) > len(under.path) {
				under = s
			}
		case pathWithin(s.path, cleaned):
			contains = append(contains, s.path)
		}
	}
	// Every path lies within "/", so under is never nil; "/" alone does not make a path sensitive.
	switch {
	case runAlias(under.path) == runAlias(cleaned):
		out.Sensitive, out.Reason = true, fmt.Sprintf("%s holds %s", cleaned, under.what)
	case under.path != "/":
		out.Sensitive, out.Reason = true, fmt.Sprintf("%s lies within %s, which holds %s", cleaned, under.path, under.what)
	case len(contains) > 0:
		out.Sensitive, out.Reason = true, fmt.Sprintf("%s contains %s", cleaned, strings.Join(contains, ", "))
	}
	return out
}

// pathWithin reports whether the cleaned absolute path p is dir or lies below it, reading
// /var/run as /run on either side.
func pathWithin(p, dir string) bool {
	return lexicallyWithin(p, dir) || lexicallyWithin(runAlias(p), runAlias(dir))
}

func lexicallyWithin(p, dir string) bool {
	if dir == "/" || p == dir {
		return true
	}
	return strings.HasPrefix(p, dir+"/")
}

// runAlias reads /var/run as /run: on systemd distributions /var/run is a symlink to /run
// (Filesystem Hierarchy Standard 3.0, section 5.13), so both name the same sockets.
func runAlias(p string) string {
	if p == "/var/run" || strings.HasPrefix(p, "/var/run/") {
		return "/run" + strings.TrimPrefix(p, "/var/run")
	}
	return p
}

// hostPathMount is one container's mount of a hostPath volume.
type hostPathMount struct {
	container string
	mountPath string
	readOnly  bool
	// recursive is how the read-only mount treats the mounts below it (recursiveReadOnly).
	recursive corev1.RecursiveReadOnlyMode
}

func (m hostPathMount) String() string {
	mode := "read-write"
	if m.readOnly {
		switch m.recursive {
		case corev1.RecursiveReadOnlyEnabled:
			mode = "recursively read-only"
		case corev1.RecursiveReadOnlyIfPossible:
			mode = "read-only (recursively where the runtime supports it)"
		default:
			mode = "read-only (not recursively: mounts below it stay writable)"
		}
	}
	return fmt.Sprintf("%s %s at %s", m.container, mode, m.mountPath)
}

func checkHostPaths(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	containers := ctx.Pod.Containers()
	for i, v := range ctx.Pod.Spec.Volumes {
		if v.HostPath == nil || v.HostPath.Path == "" {
			// An empty path is rejected by the API server's validation; nothing gets mounted.
			continue
		}
		out = append(out, hostPathViolation(ctx.Pod.SpecPath, i, v, mountsOf(v.Name, containers)))
	}
	return out
}

func mountsOf(volume string, containers []inventory.ContainerRef) []hostPathMount {
	var out []hostPathMount
	for _, c := range containers {
		for _, m := range c.VolumeMounts {
			if m.Name != volume {
				continue
			}
			hm := hostPathMount{container: c.Name, mountPath: m.MountPath, readOnly: m.ReadOnly}
			if m.RecursiveReadOnly != nil {
				hm.recursive = *m.RecursiveReadOnly
			}
			out = append(out, hm)
		}
	}
	return out
}

func hostPathViolation(specPath string, index int, v corev1.Volume, mounts []hostPathMount) rules.Violation {
	exposure := classifyHostPath(v.HostPath.Path)
	writable := false
	names := make([]string, len(mounts))
	for i, m := range mounts {
		writable = writable || !m.readOnly
		names[i] = m.String()
	}
	mounted := "no container mounts it"
	if len(mounts) > 0 {
		mounted = "mounted by " + strings.Join(names, ", ")
	}

	var sev finding.Severity
	var why string
	switch {
	case exposure.Sensitive:
		sev = finding.Critical
		why = exposure.Reason + "; a read-only mount still discloses it"
	case writable:
		sev = finding.High
		why = "a writable host path lets the container change node files that outlive the pod and that the node or other pods may trust"
	default:
		sev = finding.Medium
		why = "it ties the pod to one node's files and discloses them to the container"
	}

	var container string
	if len(mounts) == 1 {
		container = mounts[0].container
	}
	evidence := fmt.Sprintf("volumes[%d].hostPath.path: %q", index, v.HostPath.Path)
	if exposure.Cleaned != v.HostPath.Path {
		evidence += fmt.Sprintf(" (resolves to %s)", exposure.Cleaned)
	}
	evidence += "; " + mounted
	return rules.Violation{
		Path:      fmt.Sprintf("%s.volumes[%d].hostPath.path", specPath, index),
		Container: container,
		Message: fmt.Sprintf("volume %q exposes the node's %s, %s: %s",
			v.Name, exposure.Cleaned, mounted, why),
		Evidence: evidence,
		Severity: &sev,
	}
}
