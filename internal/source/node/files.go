package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
)

// depth is how much of a path is read.
type depth int

const (
	// statOnly records the file's metadata (a data directory, a log).
	statOnly depth = iota
	// content also reads a regular file and lists a directory.
	content
	// tree also reads the files of a directory and of its subdirectories, within
	// maxTreeFiles (a PKI folder, the kubelet's --config-dir).
	tree
)

// maxTreeFiles bounds the files read under one tree.
const maxTreeFiles = 200

// wellKnown are the files the CIS permission checks (1.1.x, 4.1.x) and the distributions'
// kubelet configurations name, read whether or not a flag names them.
var wellKnown = []struct {
	path  string
	depth depth
}{
	{"/etc/kubernetes/manifests", tree},
	{"/etc/kubernetes/admin.conf", content},
	{"/etc/kubernetes/super-admin.conf", content},
	{"/etc/kubernetes/scheduler.conf", content},
	{"/etc/kubernetes/controller-manager.conf", content},
	{"/etc/kubernetes/kubelet.conf", content},
	{"/etc/kubernetes/bootstrap-kubelet.conf", content},
	{"/etc/kubernetes/pki", tree},
	{"/var/lib/kubelet/config.yaml", content},
	{"/var/lib/kubelet/kubeadm-flags.env", content},
	{"/var/lib/kubelet/pki", tree},
	{"/etc/kubernetes/kubelet/config.json", content},  // EKS
	{"/etc/kubernetes/kubelet/config.json.d", tree},   // EKS AL2023 drop-ins
	{"/home/kubernetes/kubelet-config.yaml", content}, // GKE
	{"/etc/default/kubeletconfig.json", content},      // AKS
	// AKS's cloud configuration holds the cluster's service principal secret: its mode
	// matters, its content is not Palisade's to read.
	{"/etc/kubernetes/azure.json", statOnly},
	{"/etc/rancher/k3s/config.yaml", content},
	{"/etc/rancher/rke2/config.yaml", content},
	{rke2Manifests, tree},
	{"/var/lib/rancher/rke2/agent/etc/kubelet.conf.d", tree},
}

// statOnlyFlags name data directories and logs: their owner and mode matter (the etcd data
// directory, CIS 1.1.11-12), their content is not configuration.
var statOnlyFlags = map[string]bool{
	"data-dir": true, "wal-dir": true, "root-dir": true, "log-dir": true, "log-file": true,
	"audit-log-path": true, "etcd-snapshot-dir": true,
	"temp-dir": true, "lock-file": true,
}

// treeFlags name folders whose files are configuration or certificates.
var treeFlags = map[string]bool{"config-dir": true, "cert-dir": true}

// notPathFlags take absolute paths that are not files on the node.
var notPathFlags = map[string]bool{
	"etcd-prefix": true, "cgroup-root": true, "kubelet-cgroups": true, "system-cgroups": true,
	"runtime-cgroups": true, "kube-reserved-cgroup": true, "system-reserved-cgroup": true,
	"service-account-jwks-uri": true,
}

// rancherArgFlags pass flags on to embedded components ("audit-policy-file=/etc/...").
var rancherArgFlags = map[string]bool{
	"kube-apiserver-arg": true, "kube-controller-manager-arg": true, "kube-controller-arg": true,
	"kube-scheduler-arg": true, "kubelet-arg": true, "kube-proxy-arg": true, "etcd-arg": true,
	"kube-cloud-controller-manager-arg": true, "kube-cloud-controller-arg": true,
}

// fileSet gathers the paths to read and reads them into the node's files.
type fileSet struct {
	s     *scanner
	files map[string]*inventory.File
	want  map[string]depth
	done  map[string]depth
}

func newFileSet(s *scanner, files map[string]*inventory.File) *fileSet {
	return &fileSet{s: s, files: files, want: map[string]depth{}, done: map[string]depth{}}
}

// add asks for an absolute path on the node to be read to a depth.
func (f *fileSet) add(p string, d depth) {
	if !path.IsAbs(p) {
		return
	}
	p = path.Clean(p)
	if old, ok := f.want[p]; !ok || d > old {
		f.want[p] = d
	}
}

// addComponent asks for the files a component's flags and environment name.
func (f *fileSet) addComponent(c *inventory.Component) {
	for _, o := range c.Flags.All() {
		f.addValue(o.Name, o.Value)
	}
	for k, v := range c.Env {
		f.addValue(strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(k, "ETCD_")), "_", "-"), v)
	}
}

// addValue asks for the absolute paths in a flag's value: the value itself, or each of its
// comma-separated items.
func (f *fileSet) addValue(name, value string) {
	name = flags.Normalize(name)
	if notPathFlags[name] {
		return
	}
	if rancherArgFlags[name] {
		// --kube-apiserver-arg=audit-policy-file=/etc/rancher/audit.yaml
		inner, v, ok := strings.Cut(strings.TrimLeft(value, "-"), "=")
		if ok {
			f.addValue(inner, v)
		}
		return
	}
	for _, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		if name == "tls-sni-cert-key" {
			// "cert,key:name1,name2": the names follow the key.
			item, _, _ = strings.Cut(item, ":")
		}
		if !path.IsAbs(item) {
			continue
		}
		switch {
		case statOnlyFlags[name]:
			f.add(item, statOnly)
		case treeFlags[name] || strings.Contains(item, "/pki"):
			f.add(item, tree)
		default:
			f.add(item, content)
		}
	}
}

// addWellKnown asks for the well-known paths.
func (f *fileSet) addWellKnown() {
	for _, w := range wellKnown {
		f.add(w.path, w.depth)
	}
}

// addKubeletPaths asks for the files a kubelet's effective configuration names (its client
// CA, serving certificate and key, static pod folder), which its flags may not.
func (f *fileSet) addKubeletPaths(e *kubeletconfig.Effective) {
	for _, p := range []string{"authentication.x509.clientCAFile", "tlsCertFile", "tlsPrivateKeyFile"} {
		f.add(e.Get(p).Value, content)
	}
	f.add(e.Get("staticPodPath").Value, tree)
}

// read reads every path asked for and not yet read to its depth, in order.
func (f *fileSet) read(ctx context.Context) {
	paths := make([]string, 0, len(f.want))
	for p, d := range f.want {
		if done, ok := f.done[p]; !ok || d > done {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		if ctx.Err() != nil {
			return
		}
		budget := maxTreeFiles
		f.record(p, f.want[p], &budget)
	}
}

// record reads one path to a depth into the node's files.
func (f *fileSet) record(p string, d depth, budget *int) {
	if done, ok := f.done[p]; ok && done >= d {
		return
	}
	f.done[p] = d
	file := &inventory.File{Path: p}
	f.files[p] = file
	real, fi, err := f.s.fs.stat(p)
	switch {
	case err != nil && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)):
		return
	case err != nil:
		file.Exists = true
		f.unreadable(file, "reading", err)
		return
	}
	file.Exists = true
	file.IsDir = fi.IsDir()
	file.Mode = fi.Mode()
	file.UID, file.GID = owner(fi)
	if d == statOnly {
		return
	}
	switch {
	case fi.Mode().IsRegular():
		data, truncated, err := f.s.fs.readFile(real, f.s.opts.MaxFileSize)
		if err != nil {
			f.unreadable(file, "reading", err)
			return
		}
		file.Data, file.Truncated = data, truncated
	case fi.IsDir():
		entries, err := f.s.fs.readDir(real)
		if err != nil {
			f.unreadable(file, "listing", err)
			return
		}
		file.Entries = make([]string, len(entries))
		for i, e := range entries {
			file.Entries[i] = e.Name()
		}
		if d < tree {
			return
		}
		for _, name := range file.Entries {
			if *budget <= 0 {
				file.Err = fmt.Sprintf("only the first %d files under %s were read", maxTreeFiles, p)
				return
			}
			*budget--
			f.record(path.Join(p, name), tree, budget)
		}
	}
}

// unreadable records why a file that exists could not be read.
func (f *fileSet) unreadable(file *inventory.File, what string, err error) {
	err = unwrapPath(err) // the node's path is named instead of this process's view of it
	file.Err = err.Error()
	f.s.fail(file.Path, fmt.Sprintf("%s %s: %v", what, file.Path, err))
}
