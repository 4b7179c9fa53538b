// Package node reads the machine Palisade runs on into an inventory.Node: the Kubernetes
// components running there (kube-apiserver, etcd, kube-controller-manager, kube-scheduler,
// kubelet, kube-proxy, k3s and RKE2 servers and agents), found through /proc/<pid>/cmdline,
// or for a control-plane component that no process shows, through its static pod manifest;
// their flags parsed as the components parse them; etcd's ETCD_* environment; the files those
// flags name and the well-known files of the CIS permission checks, stat'ed and read under a
// root that may be the host's filesystem mounted elsewhere; the host's name and distribution.
//
// It owns that reading and nothing that judges what it reads. It never runs other programs,
// never keeps an environment variable other than etcd's ETCD_* (the environment may hold
// secrets), and never follows a symbolic link out of the root.
package node

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
)

// Options say where the host's filesystem and processes are.
type Options struct {
	// Root is the host's filesystem root ("/" by default): every file path is read under it,
	// so that a container with the host mounted at /host reads the host's files.
	Root string
	// Proc is the host's /proc (Root+"/proc" by default).
	Proc string
	// Host overrides the host name (by default Root/etc/hostname, else os.Hostname).
	Host string
	// PIDs, when set, are the only processes considered.
	PIDs []int
	// MaxFileSize bounds what is read of one file (1 MiB by default); a larger file is read
	// up to it and marked Truncated.
	MaxFileSize int64
}

// Result is what a scan found.
type Result struct {
	Node *inventory.Node
	// Errors are what could not be read: a /proc entry of a process that is still there, a
	// malformed static pod manifest, a file that exists but cannot be read. The rest of the
	// node is read regardless.
	Errors []finding.ScanError
}

// DefaultMaxFileSize bounds the content read of one file.
const DefaultMaxFileSize = 1 << 20

// Scan reads the node. It stops early, with what it has, when ctx ends.
func Scan(ctx context.Context, opts Options) *Result {
	if opts.Root == "" {
		opts.Root = "/"
	}
	opts.Root = filepath.Clean(opts.Root)
	if opts.Proc == "" {
		opts.Proc = filepath.Join(opts.Root, "proc")
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	s := &scanner{opts: opts, fs: hostFS{root: opts.Root}}
	n := &inventory.Node{ScannedAt: time.Now(), Files: map[string]*inventory.File{}}
	n.Host = s.hostName()
	s.host = n.Host

	n.Components = s.processes(ctx)
	n.Components = append(n.Components, s.staticPods(ctx, n.Components)...)
	sortComponents(n.Components)

	files := newFileSet(s, n.Files)
	for _, c := range n.Components {
		files.addComponent(c)
	}
	files.addWellKnown()
	files.read(ctx)
	// A kubelet's configuration files are read now; the files they name in turn (its
	// certificates, its static pod folder) are read next.
	for _, c := range n.Components {
		if c.Kind == inventory.Kubelet {
			e := kubeletconfig.Resolve(c.Flags, n.File)
			files.addKubeletPaths(e)
			c.Config = e
		}
	}
	files.read(ctx)

	n.Distribution = s.distribution(n)
	finding.SortErrors(s.errors)
	return &Result{Node: n, Errors: s.errors}
}

// scanner is the state of one scan.
type scanner struct {
	opts   Options
	fs     hostFS
	host   string
	errors []finding.ScanError
}

// fail records something that could not be read, at a path on the node (or in Proc).
func (s *scanner) fail(path, message string) {
	s.errors = append(s.errors, finding.ScanError{
		Location: finding.Location{Host: s.host, File: path}, Message: message})
}

// hostName is the machine's name: the override, Root/etc/hostname, or the kernel's.
func (s *scanner) hostName() string {
	if s.opts.Host != "" {
		return s.opts.Host
	}
	if data, err := s.fs.readSmall("/etc/hostname", 256); err == nil {
		first, _, _ := strings.Cut(string(data), "\n")
		if h := strings.TrimSpace(first); h != "" {
			return h
		}
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return ""
}

// parseComponent builds a component from its argument list, parsing the flags as the
// component does.
func parseComponent(kind inventory.ComponentKind, src inventory.SourceKind, path string, pid int, args []string, env map[string]string) *inventory.Component {
	return &inventory.Component{
		Kind: kind, Source: src, Path: path, PID: pid,
		Args: args, Flags: flags.Parse(flagArgs(kind, args), flags.ComponentSpec(string(kind))),
		Env: env,
	}
}

// sortComponents orders components by kind, then by where they were read.
func sortComponents(cs []*inventory.Component) {
	slices.SortStableFunc(cs, func(a, b *inventory.Component) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.PID, b.PID), cmp.Compare(a.Path, b.Path))
	})
}
