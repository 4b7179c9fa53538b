// Package netpolcorpus generates the deterministic clusters the reachability engine is
// benchmarked on: N pods in N/10 namespaces with N/5 NetworkPolicies, shaped like a platform
// of teams: every namespace holds a few label sets (web, api, db), denies everything by
// default and allows its own traffic, DNS, HTTPS out, and its team's api pods in; optionally
// AdminNetworkPolicies guarding the teams' databases, and a baseline.
package netpolcorpus

import (
	"cmp"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"palisade.dev/palisade/internal/netpol"
)

// Corpus is one generated cluster.
type Corpus struct {
	Namespaces []corev1.Namespace
	Pods       []corev1.Pod
	Policies   []networkingv1.NetworkPolicy
	// AdminPolicies and Baseline are what AddAdminPolicies adds.
	AdminPolicies []anpv1alpha1.AdminNetworkPolicy
	Baseline      *anpv1alpha1.BaselineAdminNetworkPolicy
}

// PodsPerNamespace is how many pods each namespace runs; teams are groups of namespaces
// that let each other's api pods in.
const (
	PodsPerNamespace      = 10
	NamespacesPerTeam     = 10
	PoliciesPerNamespace  = 2
	appsPerNamespaceCycle = 10
)

// apps are the label sets of a namespace's pods, in order: 4 web, 4 api, 2 db.
var apps = [appsPerNamespaceCycle]string{"web", "web", "web", "web", "api", "api", "api", "api", "db", "db"}

// Generate makes the corpus of n pods (rounded up to whole namespaces).
func Generate(n int) *Corpus {
	c := &Corpus{}
	nns := max(1, (n+PodsPerNamespace-1)/PodsPerNamespace)
	for i := range nns {
		ns := fmt.Sprintf("ns-%05d", i)
		team := fmt.Sprintf("team-%04d", i/NamespacesPerTeam)
		c.Namespaces = append(c.Namespaces, corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": team}},
		})
		for j := range PodsPerNamespace {
			app := apps[j%appsPerNamespaceCycle]
			port := corev1.ContainerPort{Name: "http", ContainerPort: 8080}
			if app == "db" {
				port = corev1.ContainerPort{Name: "pg", ContainerPort: 5432}
			}
			c.Pods = append(c.Pods, corev1.Pod{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", app, j), Namespace: ns, Labels: map[string]string{"app": app, "team": team}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: app, Image: "registry.example/" + app + ":1", Ports: []corev1.ContainerPort{port}}}},
			})
		}
		c.Policies = append(c.Policies, defaultDeny(ns), allow(ns, team))
	}
	return c
}

func policy(ns, name string, spec networkingv1.NetworkPolicySpec) networkingv1.NetworkPolicy {
	return networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       spec,
	}
}

func defaultDeny(ns string) networkingv1.NetworkPolicy {
	return policy(ns, "default-deny", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}})
}

func port(p int32, proto corev1.Protocol) networkingv1.NetworkPolicyPort {
	v := intstr.FromInt32(p)
	return networkingv1.NetworkPolicyPort{Port: &v, Protocol: &proto}
}

func named(name string) networkingv1.NetworkPolicyPort {
	v := intstr.FromString(name)
	return networkingv1.NetworkPolicyPort{Port: &v}
}

func labels(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

// allow lets in: the namespace's own pods to every pod on its named port, the team's api
// pods on 8080-8090; and out: the own namespace, the team's web pods on 8080, DNS in
// kube-system, HTTPS outside the private range.
func allow(ns, team string) networkingv1.NetworkPolicy {
	end := int32(8090)
	teamAPI := port(8080, corev1.ProtocolTCP)
	teamAPI.EndPort = &end
	return policy(ns, "allow", networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{},
		Ingress: []networkingv1.NetworkPolicyIngressRule{
			{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}, Ports: []networkingv1.NetworkPolicyPort{named("http"), named("pg")}},
			{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: labels("team", team), PodSelector: labels("app", "api")}}, Ports: []networkingv1.NetworkPolicyPort{teamAPI}},
		},
		Egress: []networkingv1.NetworkPolicyEgressRule{
			{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}},
			{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: labels("team", team), PodSelector: labels("app", "web")}}, Ports: []networkingv1.NetworkPolicyPort{port(8080, corev1.ProtocolTCP)}},
			{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: labels("kubernetes.io/metadata.name", "kube-system")}}, Ports: []networkingv1.NetworkPolicyPort{port(53, corev1.ProtocolUDP), port(53, corev1.ProtocolTCP)}},
			{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}}}}, Ports: []networkingv1.NetworkPolicyPort{port(443, corev1.ProtocolTCP)}},
		},
	})
}

// Input is the corpus as the reachability engine reads it, as netpol.FromInventory would
// make it from the corpus's manifests.
func (c *Corpus) Input() netpol.Input {
	var in netpol.Input
	for _, ns := range c.Namespaces {
		in.Namespaces = append(in.Namespaces, netpol.Namespace{Name: ns.Name, Labels: ns.Labels})
	}
	for _, p := range c.Pods {
		w := netpol.Workload{Namespace: p.Namespace, Kind: "Pod", Name: p.Name, Labels: p.Labels}
		for _, ct := range p.Spec.Containers {
			for _, cp := range ct.Ports {
				proto, _ := netpol.ParseProtocol(cmp.Or(string(cp.Protocol), string(corev1.ProtocolTCP)))
				w.Ports = append(w.Ports, netpol.ContainerPort{Name: cp.Name, Protocol: proto, Port: cp.ContainerPort})
			}
		}
		in.Workloads = append(in.Workloads, w)
	}
	for _, p := range c.Policies {
		in.Policies = append(in.Policies, netpol.Policy{Namespace: p.Namespace, Name: p.Name, Spec: p.Spec})
	}
	for _, p := range c.AdminPolicies {
		in.AdminPolicies = append(in.AdminPolicies, netpol.AdminFromANP(p.Name, &p.Spec))
	}
	if c.Baseline != nil {
		in.AdminPolicies = append(in.AdminPolicies, netpol.AdminFromBANP(c.Baseline.Name, &c.Baseline.Spec))
	}
	return in
}

// AddAdminPolicies adds n AdminNetworkPolicies, one per team in turn with priorities 1 to n,
// and the baseline. Each passes its team's own traffic to the NetworkPolicies, denies the
// database port to everyone else, allows DNS to kube-system and TCP 8000-8100 to 10.0.0.0/8;
// the baseline denies egress to every address on the TCP ports below 443.
func AddAdminPolicies(c *Corpus, n int) {
	teams := max(1, (len(c.Namespaces)+NamespacesPerTeam-1)/NamespacesPerTeam)
	for i := range n {
		team := fmt.Sprintf("team-%04d", i%teams)
		own := &metav1.LabelSelector{MatchLabels: map[string]string{"team": team}}
		pg := "pg"
		c.AdminPolicies = append(c.AdminPolicies, anpv1alpha1.AdminNetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: anpv1alpha1.GroupVersion.String(), Kind: "AdminNetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("guard-%04d", i)},
			Spec: anpv1alpha1.AdminNetworkPolicySpec{
				Priority: int32(i + 1),
				Subject:  anpv1alpha1.AdminNetworkPolicySubject{Namespaces: own},
				Ingress: []anpv1alpha1.AdminNetworkPolicyIngressRule{
					{Name: "own-team", Action: anpv1alpha1.AdminNetworkPolicyRuleActionPass, From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: own}}},
					{Name: "guard-db", Action: anpv1alpha1.AdminNetworkPolicyRuleActionDeny, From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{}}},
						Ports: &[]anpv1alpha1.AdminNetworkPolicyPort{{NamedPort: &pg}}},
				},
				Egress: []anpv1alpha1.AdminNetworkPolicyEgressRule{
					{Name: "dns", Action: anpv1alpha1.AdminNetworkPolicyRuleActionAllow,
						To:    []anpv1alpha1.AdminNetworkPolicyEgressPeer{{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "kube-system"}}}},
						Ports: &[]anpv1alpha1.AdminNetworkPolicyPort{{PortNumber: &anpv1alpha1.Port{Protocol: corev1.ProtocolUDP, Port: 53}}}},
					{Name: "internal-services", Action: anpv1alpha1.AdminNetworkPolicyRuleActionAllow,
						To:    []anpv1alpha1.AdminNetworkPolicyEgressPeer{{Networks: []anpv1alpha1.CIDR{"10.0.0.0/8"}}},
						Ports: &[]anpv1alpha1.AdminNetworkPolicyPort{{PortRange: &anpv1alpha1.PortRange{Protocol: corev1.ProtocolTCP, Start: 8000, End: 8100}}}},
				},
			},
		})
	}
	c.Baseline = &anpv1alpha1.BaselineAdminNetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: anpv1alpha1.GroupVersion.String(), Kind: "BaselineAdminNetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: anpv1alpha1.BaselineAdminNetworkPolicySpec{
			Subject: anpv1alpha1.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{}},
			Egress: []anpv1alpha1.BaselineAdminNetworkPolicyEgressRule{
				{Name: "no-low-ports-out", Action: anpv1alpha1.BaselineAdminNetworkPolicyRuleActionDeny,
					To:    []anpv1alpha1.BaselineAdminNetworkPolicyEgressPeer{{Networks: []anpv1alpha1.CIDR{"0.0.0.0/0"}}},
					Ports: &[]anpv1alpha1.AdminNetworkPolicyPort{{PortRange: &anpv1alpha1.PortRange{Protocol: corev1.ProtocolTCP, Start: 1, End: 442}}}},
			},
		},
	}
}
