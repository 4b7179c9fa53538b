package inventory

import corev1 "k8s.io/api/core/v1"

// ServiceAddresses returns the cluster IPs of a Service (spec.clusterIPs, else
// spec.clusterIP), leaving out "None" of a headless Service; nil for other kinds and for a
// Service that has none yet (manifests rarely set them). It answers after Release too, which
// keeps the answer, so reachability checks do not keep Services whole.
func (o *Object) ServiceAddresses() []string {
	s, ok := o.Typed.(*corev1.Service)
	if !ok {
		if o.rare == nil {
			return nil
		}
		return o.rare.serviceIPs
	}
	ips := s.Spec.ClusterIPs
	if len(ips) == 0 && s.Spec.ClusterIP != "" {
		ips = []string{s.Spec.ClusterIP}
	}
	var out []string
	for _, ip := range ips {
		if ip != "" && ip != corev1.ClusterIPNone {
			out = append(out, ip)
		}
	}
	return out
}
