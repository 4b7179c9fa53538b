package rbac

import (
	"cmp"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/inventory"
)

// Surroundings are what escalation paths need beyond the RBAC objects: the ServiceAccounts a
// pod may run as, the namespaces whose Pod Security labels are known, and the ServiceAccounts
// that pods and workloads mount.
type Surroundings struct {
	// ServiceAccounts are the ServiceAccount objects of the input.
	ServiceAccounts []NamespacedName
	// NamespaceLabels holds the labels of each Namespace object of the input; a namespace
	// missing from it is one the input does not define.
	NamespaceLabels map[string]map[string]string
	// Mounted are the ServiceAccounts that pods and workloads of the input run as
	// (spec.serviceAccountName, default when empty), each once, in the order first seen.
	Mounted []NamespacedName
	mounted map[NamespacedName]bool
}

// NamespacedName names a namespaced object.
type NamespacedName struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (n NamespacedName) String() string { return n.Namespace + "/" + n.Name }

func compareNamespacedName(a, b NamespacedName) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// AddInventory keeps what an object of the input says about the surroundings (a
// ServiceAccount, a Namespace's labels, the ServiceAccount a pod or workload runs as) and
// reports whether it said anything.
func (s *Surroundings) AddInventory(o *inventory.Object) bool {
	switch o.GVK.Kind {
	case "ServiceAccount":
		s.ServiceAccounts = append(s.ServiceAccounts, NamespacedName{o.Namespace, o.Name})
		return true
	case "Namespace":
		if s.NamespaceLabels == nil {
			s.NamespaceLabels = map[string]map[string]string{}
		}
		s.NamespaceLabels[o.Name] = o.Labels
		return true
	}
	name, ok := o.ServiceAccountName()
	if !ok || o.GVK.Kind == "PodTemplate" {
		return false // a PodTemplate runs nothing by itself
	}
	s.AddMounted(o.Namespace, name)
	return true
}

// AddMounted records that pods of namespace ns run as the ServiceAccount name.
func (s *Surroundings) AddMounted(ns, name string) {
	n := NamespacedName{ns, name}
	if s.mounted == nil {
		s.mounted = map[NamespacedName]bool{}
	}
	if !s.mounted[n] {
		s.mounted[n] = true
		s.Mounted = append(s.Mounted, n)
	}
}

// Pod Security Admission's enforce label and the levels that forbid privileged pods and
// hostPath volumes (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
const podSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"

// privilegedPodsAllowed reports whether a namespace lets a privileged pod with a hostPath
// volume in, and whether that is known (the Namespace is in the input) or assumed.
func (s *Surroundings) privilegedPodsAllowed(ns string) (allowed, known bool) {
	labels, known := s.NamespaceLabels[ns]
	if !known {
		return true, false
	}
	switch labels[podSecurityEnforceLabel] {
	case "baseline", "restricted":
		return false, true
	}
	return true, true
}

// AddClusterAdmin adds the ClusterRole cluster-admin, as every cluster's API server creates it
// at start-up, when the objects do not hold it: manifests bind it without defining it.
func (s *Objects) AddClusterAdmin() {
	for _, r := range s.ClusterRoles {
		if r.Name == ClusterAdmin {
			return
		}
	}
	s.ClusterRoles = append(s.ClusterRoles, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: ClusterAdmin, Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"}},
		Rules: []rbacv1.PolicyRule{
			{Verbs: []string{rbacv1.VerbAll}, APIGroups: []string{rbacv1.APIGroupAll}, Resources: []string{rbacv1.ResourceAll}},
			{Verbs: []string{rbacv1.VerbAll}, NonResourceURLs: []string{rbacv1.NonResourceAll}},
		},
	})
}
