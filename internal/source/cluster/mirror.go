package cluster

import (
	"path"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
)

// mirrorAnnotation marks the API server's copy of a static pod.
const mirrorAnnotation = "kubernetes.io/config.mirror"

// controlPlane are the components whose static pods carry the control plane's command lines.
var controlPlane = []inventory.ComponentKind{inventory.KubeAPIServer, inventory.Etcd, inventory.KubeControllerManager, inventory.KubeScheduler}

// mirrorComponent reads a control-plane component from a mirror pod (kubeadm runs the control
// plane as static pods, and the kubelet publishes each as a mirror pod in kube-system): the
// container's command line is the component's, so the node rules that judge flags can judge it
// from the cluster. ok is false for other pods.
func mirrorComponent(pod *corev1.Pod) (c *inventory.Component, node string, ok bool) {
	if _, mirror := pod.Annotations[mirrorAnnotation]; !mirror || pod.Namespace != "kube-system" {
		return nil, "", false
	}
	for _, ctr := range pod.Spec.Containers {
		argv := append(slices.Clone(ctr.Command), ctr.Args...)
		if len(argv) == 0 {
			continue
		}
		kind := inventory.ComponentKind(path.Base(argv[0]))
		if !slices.Contains(controlPlane, kind) {
			continue
		}
		c := &inventory.Component{
			Kind: kind, Source: inventory.FromMirrorPod, Path: pod.Namespace + "/" + pod.Name,
			Args: argv[1:], Flags: flags.Parse(argv[1:], flags.ComponentSpec(string(kind))),
		}
		for _, e := range ctr.Env {
			if e.ValueFrom == nil {
				if c.Env == nil {
					c.Env = map[string]string{}
				}
				c.Env[e.Name] = e.Value
			}
		}
		return c, pod.Spec.NodeName, true
	}
	return nil, "", false
}

// controlPlaneNodes groups the mirror pods' components by node. When there are none and the
// distribution runs the control plane itself (EKS, GKE, AKS), one node stands for it, on which
// every node rule is not applicable: those checks are the provider's.
func controlPlaneNodes(components map[string][]*inventory.Component, distribution string) []*inventory.Node {
	var out []*inventory.Node
	names := make([]string, 0, len(components))
	for n := range components {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		cs := components[n]
		slices.SortFunc(cs, func(a, b *inventory.Component) int {
			if a.Kind != b.Kind {
				if a.Kind < b.Kind {
					return -1
				}
				return 1
			}
			if a.Path < b.Path {
				return -1
			}
			return 1
		})
		out = append(out, &inventory.Node{Host: n, Remote: true, Components: cs})
	}
	if len(out) == 0 {
		switch distribution {
		case "EKS", "GKE", "AKS":
			out = append(out, &inventory.Node{
				Host: "control-plane", Remote: true, Distribution: distribution,
				Managed: "The control plane of " + distribution + " is run by the provider: its flags and files are the provider's, not visible to a scan, and not applicable here.",
			})
		}
	}
	return out
}
