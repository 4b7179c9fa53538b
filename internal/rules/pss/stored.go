package pss

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
)

// storedSpec returns the pod spec as the API server would store it, which is what Pod Security
// Admission evaluates: the defaults that change a check's verdict are applied to a copy, and
// the inventory's object is never changed (other rules read it concurrently).
//
//   - A volume that names no source is an emptyDir (k8s.io/kubernetes pkg/apis/core/v1
//     defaults.go, SetDefaults_Volume); without this, restrictedVolumes would reject it as an
//     unknown volume type.
//   - In a Pod with hostNetwork: true, every container port with no hostPort gets
//     hostPort = containerPort (SetDefaults_Pod, defaultHostNetworkPorts). Since Kubernetes 1.28
//     this applies to Pods only, not to the pod templates of workloads (feature gate
//     DefaultHostNetworkHostPortsInPodTemplates, off by default).
func storedSpec(o *inventory.Object, spec *corev1.PodSpec) *corev1.PodSpec {
	if slices.ContainsFunc(spec.Volumes, hasNoSource) {
		s := *spec
		s.Volumes = slices.Clone(spec.Volumes)
		for i := range s.Volumes {
			if hasNoSource(s.Volumes[i]) {
				s.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
			}
		}
		spec = &s
	}
	if isPod(o) && spec.HostNetwork && (hasUnsetHostPort(spec.Containers) || hasUnsetHostPort(spec.InitContainers)) {
		s := *spec
		s.Containers = withHostNetworkPorts(spec.Containers)
		s.InitContainers = withHostNetworkPorts(spec.InitContainers)
		spec = &s
	}
	return spec
}

func isPod(o *inventory.Object) bool {
	return o.GVK.Group == "" && o.GVK.Kind == "Pod"
}

func hasNoSource(v corev1.Volume) bool {
	return v.VolumeSource == (corev1.VolumeSource{})
}

func hasUnsetHostPort(cs []corev1.Container) bool {
	return slices.ContainsFunc(cs, func(c corev1.Container) bool {
		return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.HostPort == 0 })
	})
}

func withHostNetworkPorts(cs []corev1.Container) []corev1.Container {
	if !hasUnsetHostPort(cs) {
		return cs
	}
	out := slices.Clone(cs)
	for i := range out {
		out[i].Ports = slices.Clone(out[i].Ports)
		for j := range out[i].Ports {
			if out[i].Ports[j].HostPort == 0 {
				out[i].Ports[j].HostPort = out[i].Ports[j].ContainerPort
			}
		}
	}
	return out
}
