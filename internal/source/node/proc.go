package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
)

// maxProcFile bounds what is read of a cmdline or environ file (the kernel's ARG_MAX is
// 2 MiB; a component's command line is a few KiB).
const maxProcFile = 4 << 20

// processes finds the components among the running processes.
func (s *scanner) processes(ctx context.Context) []*inventory.Component {
	pids := s.opts.PIDs
	if pids == nil {
		var err error
		if pids, err = listPIDs(s.opts.Proc); err != nil {
			s.fail(s.opts.Proc, fmt.Sprintf("listing processes: %v", err))
			return nil
		}
	}
	var out []*inventory.Component
	for _, pid := range pids {
		if ctx.Err() != nil {
			break
		}
		if c := s.process(pid); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// listPIDs returns the numeric entries of a /proc directory.
func listPIDs(proc string) ([]int, error) {
	entries, err := os.ReadDir(proc)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// process reads one process and returns it as a component, or nil when it is not one (or
// is gone).
func (s *scanner) process(pid int) *inventory.Component {
	// Reported under the node's own /proc, wherever the host's /proc is mounted here.
	dir := filepath.Join(s.opts.Proc, strconv.Itoa(pid))
	onNode := "/proc/" + strconv.Itoa(pid)
	data, err := readProcFile(filepath.Join(dir, "cmdline"))
	if err != nil {
		if !vanished(err) {
			s.fail(onNode+"/cmdline", fmt.Sprintf("reading the command line of process %d: %v", pid, unwrapPath(err)))
		}
		return nil
	}
	kind, args, ok := recognise(splitCmdline(data))
	if !ok {
		return nil
	}
	var env map[string]string
	if kind == inventory.Etcd {
		data, err := readProcFile(filepath.Join(dir, "environ"))
		switch {
		case err == nil:
			env = etcdEnv(splitNUL(data))
		case vanished(err):
			return nil
		default:
			// etcd reads flags from ETCD_* variables: without them a check could pass a
			// setting the environment overrides, so say that they were not read.
			s.fail(onNode+"/environ", fmt.Sprintf("reading the environment of etcd (process %d): %v", pid, unwrapPath(err)))
		}
	}
	return parseComponent(kind, inventory.FromProcess, onNode+"/cmdline", pid, args, env)
}

// readProcFile reads a /proc file, bounded.
func readProcFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxProcFile))
}

// vanished reports whether an error means the process has exited meanwhile.
func vanished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH)
}

// splitNUL splits NUL-terminated strings (a cmdline or environ file); a missing final NUL
// is tolerated.
func splitNUL(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	s := strings.TrimSuffix(string(data), "\x00")
	return strings.Split(s, "\x00")
}

// splitCmdline splits a command line. A process that rewrote its argv into one
// space-separated string (setproctitle, as some supervisors do) is split at spaces, the best
// that can be done for it.
func splitCmdline(data []byte) []string {
	argv := splitNUL(data)
	if len(argv) == 1 && strings.ContainsRune(argv[0], ' ') {
		return strings.Fields(argv[0])
	}
	return argv
}

// etcdEnv keeps the ETCD_* variables of an environment, which etcd reads as flags, and
// nothing else: other variables may hold secrets.
func etcdEnv(environ []string) map[string]string {
	var env map[string]string
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "ETCD_") {
			continue
		}
		if env == nil {
			env = map[string]string{}
		}
		env[k] = v
	}
	return env
}

// componentNames are the program names of the components, and the names hyperkube knew them
// by.
var componentNames = map[string]inventory.ComponentKind{
	"kube-apiserver":          inventory.KubeAPIServer,
	"apiserver":               inventory.KubeAPIServer,
	"etcd":                    inventory.Etcd,
	"kube-controller-manager": inventory.KubeControllerManager,
	"controller-manager":      inventory.KubeControllerManager,
	"kube-scheduler":          inventory.KubeScheduler,
	"scheduler":               inventory.KubeScheduler,
	"kubelet":                 inventory.Kubelet,
	"kube-proxy":              inventory.KubeProxy,
	"proxy":                   inventory.KubeProxy,
}

// recognise names the component a command line starts, by the program's base name:
// kube-apiserver, etcd, ..., "hyperkube <component>", "k3s server|agent", "rke2 server|agent".
// args are the arguments after the program (and after hyperkube's component name). The
// short names hyperkube accepted (apiserver, proxy ...) count only after hyperkube.
func recognise(argv []string) (kind inventory.ComponentKind, args []string, ok bool) {
	if len(argv) == 0 || argv[0] == "" {
		return "", nil, false
	}
	base := path.Base(argv[0])
	switch base {
	case "hyperkube":
		if len(argv) < 2 {
			return "", nil, false
		}
		kind, ok = componentNames[path.Base(argv[1])]
		return kind, argv[2:], ok
	case "k3s", "rke2":
		sub := firstPositional(argv[1:])
		switch {
		case base == "k3s" && sub == "server":
			kind = inventory.K3sServer
		case base == "k3s" && sub == "agent":
			kind = inventory.K3sAgent
		case base == "rke2" && sub == "server":
			kind = inventory.RKE2Server
		case base == "rke2" && sub == "agent":
			kind = inventory.RKE2Agent
		default:
			return "", nil, false
		}
		return kind, argv[1:], true
	case "apiserver", "controller-manager", "scheduler", "proxy":
		return "", nil, false
	case "kubemark":
		return hollowKubelet(argv[1:])
	}
	kind, ok = componentNames[base]
	return kind, argv[1:], ok
}

// hollowKubelet reads kubemark --morph=kubelet, Kubernetes' hollow node, as the kubelet it
// runs: a real kubelet server built by options.NewKubeletConfiguration, which applies the
// defaults of a kubelet run with flags only, and kubemark's own flags for its ports and name
// (pkg/kubemark/hollow_kubelet.go). Its other flags are kubemark's and are dropped.
func hollowKubelet(args []string) (inventory.ComponentKind, []string, bool) {
	set := flags.Parse(args, nil)
	if set.Lookup("morph").String() != "kubelet" {
		return "", nil, false
	}
	rename := map[string]string{"kubelet-port": "port", "kubelet-read-only-port": "read-only-port", "name": "hostname-override", "kubeconfig": "kubeconfig"}
	var out []string
	for _, o := range set.All() {
		if to, ok := rename[o.Name]; ok {
			out = append(out, "--"+to+"="+o.Value)
		}
	}
	return inventory.Kubelet, out, true
}

// firstPositional is the first argument that is not a flag (k3s's subcommand).
func firstPositional(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// rancherAliases are the one-letter names of k3s and RKE2 flags (urfave/cli "data-dir,d").
var rancherAliases = map[string]string{"d": "data-dir", "t": "token", "s": "server",
	"o": "write-kubeconfig", "i": "node-ip", "c": "config"}

// flagArgs is a command line as flags.Parse should read it. etcd (Go's flag package) and k3s
// and RKE2 (urfave/cli over Go's flag package) accept long flags with one dash: "-data-dir"
// is "--data-dir" to them, where pflag would read -d and "ata-dir". The value of a flag
// given as the next argument is left as it is, even when it starts with a dash.
func flagArgs(kind inventory.ComponentKind, args []string) []string {
	var aliases map[string]string
	switch kind {
	case inventory.Etcd:
	case inventory.K3sServer, inventory.K3sAgent, inventory.RKE2Server, inventory.RKE2Agent:
		aliases = rancherAliases
	default:
		return args
	}
	spec := flags.ComponentSpec(string(kind))
	out := make([]string, len(args))
	copy(out, args)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if long, ok := aliases[name]; ok {
			name = long
		}
		out[i] = "--" + name
		if hasValue {
			out[i] += "=" + value
		} else if spec[flags.Normalize(name)] != flags.Bool {
			i++ // the next argument is this flag's value
		}
	}
	return out
}
