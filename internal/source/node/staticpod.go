package node

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/inventory"
)

// Static pod folders: kubeadm's (the kubelet's --pod-manifest-path / staticPodPath) and
// RKE2's.
const (
	kubeadmManifests = "/etc/kubernetes/manifests"
	rke2Manifests    = "/var/lib/rancher/rke2/agent/pod-manifests"
)

// maxManifestSize bounds a static pod manifest.
const maxManifestSize = 1 << 20

// controlPlane are the components a static pod may run; a static pod stands in for one only
// when no process of its kind was found (another PID namespace, or the component down).
var controlPlane = []inventory.ComponentKind{inventory.KubeAPIServer, inventory.Etcd,
	inventory.KubeControllerManager, inventory.KubeScheduler}

// staticPods returns the control-plane components that no process shows, from their static
// pod manifests.
func (s *scanner) staticPods(ctx context.Context, running []*inventory.Component) []*inventory.Component {
	seen := map[inventory.ComponentKind]bool{}
	for _, c := range running {
		seen[c.Kind] = true
	}
	if !slices.ContainsFunc(controlPlane, func(k inventory.ComponentKind) bool { return !seen[k] }) {
		return nil
	}
	var out []*inventory.Component
	for _, dir := range []string{kubeadmManifests, rke2Manifests} {
		for _, p := range s.manifestFiles(dir) {
			if ctx.Err() != nil {
				return out
			}
			data, err := s.fs.readSmall(p, maxManifestSize)
			if err != nil {
				s.fail(p, fmt.Sprintf("reading the static pod manifest %s: %v", p, unwrapPath(err)))
				continue
			}
			c, err := staticPodComponent(p, data)
			if err != nil {
				s.fail(p, fmt.Sprintf("reading the static pod manifest %s: %v", p, err))
				continue
			}
			if c != nil && !seen[c.Kind] {
				out = append(out, c)
			}
		}
	}
	// Two manifests of one kind are both reported: the kubelet would run both.
	return out
}

// manifestFiles are the files of a static pod folder the kubelet reads: not hidden, and
// YAML or JSON.
func (s *scanner) manifestFiles(dir string) []string {
	real, err := s.fs.resolve(dir, true)
	if err != nil {
		return nil
	}
	entries, err := s.fs.readDir(real)
	if err != nil {
		return nil // a missing folder; an unreadable one is reported with the node's files
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		switch path.Ext(name) {
		case ".yaml", ".yml", ".json", ".manifest":
			out = append(out, path.Join(dir, name))
		}
	}
	return out
}

// staticPodComponent reads the control-plane component a static pod runs, or nil when it
// runs none. The program is the container's command[0] (or, without a command, the
// container's name: the image's entrypoint is then the program), the arguments the rest of
// the command and args; etcd's environment is its ETCD_* variables given as values.
func staticPodComponent(p string, data []byte) (*inventory.Component, error) {
	var pod corev1.Pod
	if err := yaml.Unmarshal(data, &pod); err != nil {
		return nil, err
	}
	if pod.Kind != "" && pod.Kind != "Pod" {
		return nil, fmt.Errorf("kind %s is not Pod", pod.Kind)
	}
	for _, ctr := range pod.Spec.Containers {
		argv := podCommand(ctr)
		kind, args, ok := recognise(argv)
		if !ok || !slices.Contains(controlPlane, kind) {
			continue
		}
		var env map[string]string
		if kind == inventory.Etcd {
			var environ []string
			for _, e := range ctr.Env {
				if e.ValueFrom == nil {
					environ = append(environ, e.Name+"="+e.Value)
				}
			}
			env = etcdEnv(environ)
		}
		return parseComponent(kind, inventory.FromStaticPod, p, 0, args, env), nil
	}
	return nil, nil
}

// podCommand is a container's command line: command then args, or the container's name
// then args when the image's entrypoint runs.
func podCommand(ctr corev1.Container) []string {
	if len(ctr.Command) > 0 {
		return append(slices.Clone(ctr.Command), ctr.Args...)
	}
	if len(ctr.Args) > 0 {
		return append([]string{ctr.Name}, ctr.Args...)
	}
	return nil
}
