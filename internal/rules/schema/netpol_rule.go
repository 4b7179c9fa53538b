package schema

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// ruleAt matches the path of a field written directly in a NetworkPolicy rule.
var ruleAt = regexp.MustCompile(`^spec\.(ingress|egress)\[(\d+)\]\.[^.\[]+$`)

// allowedAsKept says what a NetworkPolicy rule allows once the API server has dropped a
// misspelt `from`, `to` or `ports` (the seed's own `- form:`): the rule as it is stored, not
// as it was meant. "" when the field is not one of those or the rule cannot be found.
func allowedAsKept(o *inventory.Object, is inventory.FieldIssue, meant string) string {
	np, ok := o.Typed.(*networkingv1.NetworkPolicy)
	if !ok || (meant != "from" && meant != "to" && meant != "ports") {
		return ""
	}
	m := ruleAt.FindStringSubmatch(is.Path)
	if m == nil {
		return ""
	}
	i, _ := strconv.Atoi(m[2])
	var peers []networkingv1.NetworkPolicyPeer
	var ports []networkingv1.NetworkPolicyPort
	source, target := "source", "to"
	switch {
	case m[1] == "ingress" && i < len(np.Spec.Ingress):
		peers, ports = np.Spec.Ingress[i].From, np.Spec.Ingress[i].Ports
	case m[1] == "egress" && i < len(np.Spec.Egress):
		peers, ports = np.Spec.Egress[i].To, np.Spec.Egress[i].Ports
		source, target = "destination", "from"
	default:
		return ""
	}
	who := fmt.Sprintf("the %d %ss it lists", len(peers), source)
	if len(peers) == 1 {
		who = "the " + source + " it lists"
	}
	if len(peers) == 0 {
		who = "every " + source + " (every pod of every namespace, and every address outside the cluster)"
	}
	pods := "every pod of namespace " + o.Namespace
	if sel := metav1.FormatLabelSelector(&np.Spec.PodSelector); sel != "<none>" {
		pods = fmt.Sprintf("the pods of namespace %s that match %s", o.Namespace, sel)
	}
	return fmt.Sprintf(" As stored, spec.%s[%d] allows %s on %s, %s %s.", m[1], i, who, portsAllowed(ports), target, pods)
}

// portsAllowed describes the ports of a rule: every port when there are none.
func portsAllowed(ports []networkingv1.NetworkPolicyPort) string {
	if len(ports) == 0 {
		return "every port of every protocol"
	}
	var out []string
	for _, p := range ports {
		proto := "TCP"
		if p.Protocol != nil {
			proto = finding.DescribeName(string(*p.Protocol))
		}
		switch {
		case p.Port == nil:
			out = append(out, "every "+proto+" port")
		case p.Port.Type == intstr.String:
			out = append(out, proto+" port `"+finding.DescribeName(p.Port.StrVal)+"`")
		case p.EndPort != nil:
			out = append(out, fmt.Sprintf("%s %d-%d", proto, p.Port.IntVal, *p.EndPort))
		default:
			out = append(out, fmt.Sprintf("%s %d", proto, p.Port.IntVal))
		}
	}
	return strings.Join(out, ", ")
}
