package inventory

import (
	"io/fs"
	"time"

	"palisade.dev/palisade/internal/flags"
)

// Node holds what a node source observed on one machine: the Kubernetes components running
// there (or defined by static pod manifests), how each was started, and the files their flags
// and configuration point to. Node-scope rules judge it.
type Node struct {
	// Host is the machine's name, which findings about it carry.
	Host string
	// Distribution is the distribution recognised from the components and paths (kubeadm,
	// EKS, GKE, AKS, k3s, RKE2), or "".
	Distribution string
	Components   []*Component
	// ScannedAt is when the source looked at the node; rules that judge dates (certificate
	// expiry) judge them at this time. Zero when unknown.
	ScannedAt time.Time
	// Remote is true for a node seen only through the API server (the control plane's mirror
	// pods in a cluster scan): its command lines are known, its files are not, and rules that
	// judge files do not apply to it (NotApplicable, never a failure).
	Remote bool
	// Managed, when set, says why no rule applies to this node: a control plane the provider
	// runs (EKS, GKE, AKS) has no flags or files a scan can see.
	Managed string
	// Files are the files the components' flags and configuration name, and the well-known
	// ones (static pod manifests, kubeconfigs, PKI), by their path on the node.
	Files map[string]*File
	// Settings are the components' effective settings, each built once, when first asked
	// for, and shared by all that read them (package settings, settings.ForNode): the
	// endpoints a node audit probes and the rules read the same settings. Held here without
	// its type, since package settings reads the node.
	Settings any
}

// ComponentKind names a Kubernetes component.
type ComponentKind string

// Component kinds.
const (
	KubeAPIServer         ComponentKind = "kube-apiserver"
	Etcd                  ComponentKind = "etcd"
	KubeControllerManager ComponentKind = "kube-controller-manager"
	KubeScheduler         ComponentKind = "kube-scheduler"
	Kubelet               ComponentKind = "kubelet"
	KubeProxy             ComponentKind = "kube-proxy"
	// K3s and RKE2 run the control plane and the kubelet inside one server (or agent)
	// process, configured through their own flags and config files.
	K3sServer  ComponentKind = "k3s-server"
	K3sAgent   ComponentKind = "k3s-agent"
	RKE2Server ComponentKind = "rke2-server"
	RKE2Agent  ComponentKind = "rke2-agent"
)

// SourceKind says where a component's command line was read.
type SourceKind string

// Source kinds.
const (
	// FromProcess is the live process's /proc/<pid>/cmdline (and environ).
	FromProcess SourceKind = "process"
	// FromStaticPod is a static pod manifest on the node, used when the process is not
	// visible (another PID namespace, the component not running).
	FromStaticPod SourceKind = "static-pod"
	// FromMirrorPod is the mirror pod of a static pod, read from the API server by a cluster
	// scan.
	FromMirrorPod SourceKind = "mirror-pod"
)

// Component is one Kubernetes component and how it was started.
type Component struct {
	Kind   ComponentKind
	Source SourceKind
	// Path is where the command line was read: /proc/1234/cmdline, a manifest's path, or
	// kube-system/kube-apiserver-node1 for a mirror pod.
	Path string
	// PID is the process ID for FromProcess, else 0.
	PID int
	// Args are the arguments after the program's name; Flags is them parsed as the
	// component parses them.
	Args  []string
	Flags *flags.Set
	// Env holds the process environment variables that configure it (etcd's ETCD_*), for
	// FromProcess and FromStaticPod.
	Env map[string]string
	// Config is the component's effective configuration where it has a configuration file
	// (the kubelet's KubeletConfiguration), as the source computed it; nil otherwise.
	Config any
}

// Setting is where a component's flag may be given: the flag, or for etcd the ETCD_*
// environment variable that stands for it. Flag wins over environment, as in etcd.
func (c *Component) Setting(flag string) (value string, source string, ok bool) {
	if v := c.Flags.Lookup(flag); v.Given {
		return v.String(), c.Describe() + " flag --" + v.Name, true
	}
	if c.Env != nil {
		key := envName(flag)
		// etcd ignores an empty variable.
		if v, found := c.Env[key]; found && v != "" {
			return v, c.Describe() + " environment " + key, true
		}
	}
	return "", "", false
}

// Describe says where the command line came from, for evidence: "kube-apiserver (process
// /proc/1234/cmdline)".
func (c *Component) Describe() string {
	return string(c.Kind) + " (" + string(c.Source) + " " + c.Path + ")"
}

// envName is etcd's environment variable for a flag: ETCD_ and the flag in upper case with
// dashes as underscores (--client-cert-auth is ETCD_CLIENT_CERT_AUTH).
func envName(flag string) string {
	b := []byte("ETCD_")
	for i := 0; i < len(flag); i++ {
		c := flag[i]
		switch {
		case c == '-':
			c = '_'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// File is a file on the node as the node source found it.
type File struct {
	// Path is the path on the node (not prefixed by a --root mount).
	Path string
	// Exists is false when the file is missing; Err says why it could not be read otherwise.
	Exists bool
	Err    string
	IsDir  bool
	Mode   fs.FileMode
	UID    int
	GID    int
	// Data is the content of a regular file read for its rules (configuration files,
	// certificates, kubeconfigs), up to a bound; nil for files only stat'ed.
	Data []byte
	// Truncated is true when Data holds only the start of a larger file.
	Truncated bool
	// Entries are the names in a directory the source listed (a kubelet's --config-dir, a
	// PKI folder), sorted; their files are in Node.Files too.
	Entries []string
}

// File returns the file at path, or nil when the source did not look at it.
func (n *Node) File(path string) *File {
	if n == nil || n.Files == nil {
		return nil
	}
	return n.Files[path]
}

// ComponentsOf returns the components of one kind, in the order found.
func (n *Node) ComponentsOf(kind ComponentKind) []*Component {
	var out []*Component
	for _, c := range n.Components {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}
