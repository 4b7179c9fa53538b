package inventory

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodSummary is what reachability reads of an object that runs pods: the pod labels that
// NetworkPolicy selectors match, the container ports that named ports resolve on, the
// images, the address of a live pod and the controllers that own the object; the
// ServiceAccount its pods run as, which RBAC escalation paths read; and the pod template's
// annotations, which exemptions are read from once the scan has judged every object. A released
// object keeps it, so a check that only needs it does not keep the whole object.
type PodSummary struct {
	// Labels are the labels of the pod template (of the Pod itself for a Pod).
	Labels      map[string]string
	HostNetwork bool
	// Ports are the ports of the init containers, then of the containers, as written.
	Ports []corev1.ContainerPort
	// Images are the images of the containers (not of the init containers).
	Images []string
	// PodIP is a Pod's status.podIP; "" for other kinds and for manifests that do not set it.
	PodIP string
	// Controllers are the owner references that mark a controller.
	Controllers []metav1.OwnerReference
	// ServiceAccount is the ServiceAccount the pods run as (ServiceAccountOf).
	ServiceAccount string
	// MetaPath is the path of the pod template's metadata ("metadata" for a Pod), and
	// Annotations its annotations, which exemption annotations are read from.
	MetaPath    string
	Annotations map[string]string
}

// PodSummary returns the object's PodSummary; ok is false when the object runs no pod (or
// one without a spec). It answers after Release too, which keeps the answer.
func (o *Object) PodSummary() (PodSummary, bool) {
	t, ok := PodTemplateOf(o)
	if !ok {
		if o.pod == nil {
			return PodSummary{}, false
		}
		return *o.pod, true
	}
	if t.Spec == nil {
		return PodSummary{}, false
	}
	s := PodSummary{HostNetwork: t.Spec.HostNetwork, ServiceAccount: ServiceAccountOf(t.Spec), MetaPath: t.MetaPath}
	if t.Meta != nil {
		s.Labels, s.Annotations = t.Meta.Labels, t.Meta.Annotations
	}
	for _, cs := range [][]corev1.Container{t.Spec.InitContainers, t.Spec.Containers} {
		for _, c := range cs {
			s.Ports = append(s.Ports, c.Ports...)
		}
	}
	for _, c := range t.Spec.Containers {
		s.Images = append(s.Images, c.Image)
	}
	if pod, ok := o.Typed.(*corev1.Pod); ok {
		s.PodIP = pod.Status.PodIP
	}
	if m, ok := o.Typed.(metav1.Object); ok {
		for _, ref := range m.GetOwnerReferences() {
			if ref.Controller != nil && *ref.Controller {
				s.Controllers = append(s.Controllers, ref)
			}
		}
	}
	return s, true
}

// keepSummaries keeps what PodSummary, ServiceAddresses and AutomountServiceAccountToken
// answer before the object's content is released, and lets go of the rare parts that
// content is: the object as meant, the pod template found by shape.
func (o *Object) keepSummaries() {
	o.keepPodSummary()
	o.keepAccountToken()
	issues, ips := o.Issues(), o.ServiceAddresses()
	o.rare = nil
	if issues != nil || ips != nil {
		o.rare = &rareParts{issues: issues, serviceIPs: ips}
	}
}

// keepPodSummary keeps what PodSummary answers before the object's content is released.
func (o *Object) keepPodSummary() {
	if s, ok := o.PodSummary(); ok {
		o.pod = &s
	}
}
