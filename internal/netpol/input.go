package netpol

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"palisade.dev/palisade/internal/inventory"
)

// NamespaceNameLabel is the label the API server sets on every namespace to its name
// (kubernetes.io/metadata.name, Kubernetes 1.22 and later), so policies select namespaces
// by name through it.
const NamespaceNameLabel = "kubernetes.io/metadata.name"

// Input is what the engine analyses.
type Input struct {
	// Namespaces are the namespaces with their labels. A namespace that workloads or policies
	// use without a Namespace object has only its name label.
	Namespaces []Namespace
	Workloads  []Workload
	Policies   []Policy
	// AdminPolicies are the AdminNetworkPolicies and BaselineAdminNetworkPolicies.
	AdminPolicies []AdminPolicy
	Services      []Service
	// Problems are what reading the input could not read, reported with the policies'.
	Problems []string
}

// Namespace is a namespace and its labels.
type Namespace struct {
	Name   string
	Labels map[string]string
}

// Workload is what runs pods: a Pod or a controller with a pod template.
type Workload struct {
	Namespace, Kind, Name string
	// Labels are the pod's labels (a controller's template labels).
	Labels map[string]string
	// Ports are the containers' ports, for named ports.
	Ports []ContainerPort
	// IP is the pod's address when it is known (a live pod), so that ipBlocks match it;
	// the zero value for workloads read from manifests.
	IP netip.Addr
	// Where is the workload's origin (file:line), for explanations.
	Where string
}

// ID is the workload's name in output: namespace/kind/name.
func (w *Workload) ID() string { return w.Namespace + "/" + w.Kind + "/" + w.Name }

// ContainerPort is one port a container declares.
type ContainerPort struct {
	Name     string
	Protocol Protocol
	Port     int32
}

// Policy is one NetworkPolicy.
type Policy struct {
	Namespace, Name string
	Spec            networkingv1.NetworkPolicySpec
	// Locate returns the origin (file:line) of a field of the policy, such as
	// "spec.ingress[0]"; nil when the origin is unknown.
	Locate func(path string) string
}

// ID is the policy's name in explanations: namespace/name.
func (p *Policy) ID() string { return p.Namespace + "/" + p.Name }

func (p *Policy) where(path string) string {
	if p.Locate == nil {
		return ""
	}
	return p.Locate(path)
}

// FromInventory collects the namespaces, workloads, networking.k8s.io NetworkPolicies and
// policy.networking.k8s.io/v1alpha1 AdminNetworkPolicies and BaselineAdminNetworkPolicies
// of an inventory (an admin policy that does not decode is left out and named in Problems). Pod templates (kind PodTemplate) run nothing and pods on the host network
// are outside what NetworkPolicies select, so both are left out.
func FromInventory(inv *inventory.Inventory) Input {
	// Room for what the kinds seen say there will be: the lists are long, and their items
	// large to copy as they grow.
	workloads := 0
	for _, k := range WorkloadKinds() {
		workloads += len(inv.ByKind(k))
	}
	in := Input{
		Namespaces: make([]Namespace, 0, len(inv.ByKind("Namespace"))),
		Workloads:  make([]Workload, 0, workloads),
		Policies:   make([]Policy, 0, len(inv.ByKind("NetworkPolicy"))),
		Services:   make([]Service, 0, len(inv.ByKind("Service"))),
	}
	for _, o := range inv.ByKind("Namespace") {
		in.Namespaces = append(in.Namespaces, Namespace{Name: o.Name, Labels: o.Labels})
	}
	for _, o := range inv.Objects() {
		in.addObject(o)
	}
	return in
}

// WorkloadKinds returns the built-in kinds whose objects run pods, which a cluster has
// whatever it serves besides: the workloads the analysis is usually given.
func WorkloadKinds() []string {
	return []string{"Pod", "ReplicationController", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
}

// Add collects one object as FromInventory does, a Namespace included: for a caller that
// sees the objects one at a time, as a streaming scan reads them, before their content is let
// go. The order of the objects does not change the analysis but that of Problems.
func (in *Input) Add(o *inventory.Object) {
	if o.GVK.Kind == "Namespace" && o.GVK.Group == "" {
		in.Namespaces = append(in.Namespaces, Namespace{Name: o.Name, Labels: o.Labels})
		return
	}
	in.addObject(o)
}

// addObject collects one object that is not a Namespace.
func (in *Input) addObject(o *inventory.Object) {
	if svc, ok := o.Typed.(*corev1.Service); ok {
		in.Services = append(in.Services, serviceFrom(o.Namespace, o.Name, &svc.Spec))
		return
	}
	if np, ok := o.Typed.(*networkingv1.NetworkPolicy); ok {
		in.Policies = append(in.Policies, Policy{Namespace: o.Namespace, Name: o.Name, Spec: np.Spec, Locate: locator(o)})
		return
	}
	if o.GVK.Group == anpv1alpha1.GroupName {
		if p, ok, err := adminFromObject(o); err != nil {
			in.Problems = append(in.Problems, fmt.Sprintf("%s %s: %v", o.GVK.Kind, o.Name, err))
		} else if ok {
			in.AdminPolicies = append(in.AdminPolicies, p)
		}
		return
	}
	if o.GVK.Kind == "PodTemplate" {
		return
	}
	pod, ok := o.PodSummary()
	if !ok || pod.HostNetwork {
		return
	}
	w := Workload{Namespace: o.Namespace, Kind: o.GVK.Kind, Name: o.Name, Labels: pod.Labels, Ports: containerPorts(pod.Ports), Where: locator(o)("")}
	if ip, err := netip.ParseAddr(pod.PodIP); err == nil {
		w.IP = ip
	}
	in.Workloads = append(in.Workloads, w)
}

// adminFromObject reads an AdminNetworkPolicy or BaselineAdminNetworkPolicy of version
// v1alpha1, which manifests and clusters both carry as plain content; false for another
// kind or version of the group.
func adminFromObject(o *inventory.Object) (AdminPolicy, bool, error) {
	if o.GVK.Version != anpv1alpha1.GroupVersion.Version || o.Content == nil {
		return AdminPolicy{}, false, nil
	}
	var p AdminPolicy
	switch o.GVK.Kind {
	case "AdminNetworkPolicy":
		var anp anpv1alpha1.AdminNetworkPolicy
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, &anp); err != nil {
			return p, false, fmt.Errorf("the object does not decode as %s (%T)", o.GVK.Kind, err)
		}
		p = AdminFromANP(o.Name, &anp.Spec)
	case "BaselineAdminNetworkPolicy":
		var banp anpv1alpha1.BaselineAdminNetworkPolicy
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Content, &banp); err != nil {
			return p, false, fmt.Errorf("the object does not decode as %s (%T)", o.GVK.Kind, err)
		}
		p = AdminFromBANP(o.Name, &banp.Spec)
	default:
		return p, false, nil
	}
	p.Locate = locator(o)
	return p, true, nil
}

func locator(o *inventory.Object) func(string) string {
	return func(path string) string {
		if o.Origin.File == "" {
			return ""
		}
		return o.Locate(path).String()
	}
}

func containerPorts(ports []corev1.ContainerPort) []ContainerPort {
	var out []ContainerPort
	for _, p := range ports {
		proto, ok := ParseProtocol(cmp.Or(string(p.Protocol), "TCP"))
		if !ok {
			continue
		}
		out = append(out, ContainerPort{Name: p.Name, Protocol: proto, Port: p.ContainerPort})
	}
	slices.SortFunc(out, func(a, b ContainerPort) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Port, b.Port))
	})
	return out
}
