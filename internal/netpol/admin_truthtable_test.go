package netpol

import (
	"strings"
	"testing"

	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/yaml"
)

// The cases below pin the order the AdminNetworkPolicy API documents (v1alpha1
// AdminNetworkPolicySpec and the rule actions): AdminNetworkPolicies by priority, Allow and
// Deny final, Pass handing over to the NetworkPolicies, then the baseline where no
// NetworkPolicy isolates, then allow. Several follow the scenarios of the API's own
// conformance suite (the admin tier's priority, port range, pass and integration tests),
// told on the namespaces x, y, z and pods a, b, c of the NetworkPolicy truth tables; pod
// addresses are 10.0.<namespace index>.<pod index + 1>.

func parseAdmin(t testing.TB, docs string) []AdminPolicy {
	t.Helper()
	var out []AdminPolicy
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("admin policy: %v", err)
		}
		switch head.Kind {
		case "AdminNetworkPolicy":
			var p anpv1alpha1.AdminNetworkPolicy
			if err := yaml.UnmarshalStrict([]byte(doc), &p); err != nil {
				t.Fatalf("AdminNetworkPolicy: %v", err)
			}
			out = append(out, AdminFromANP(p.Name, &p.Spec))
		case "BaselineAdminNetworkPolicy":
			var p anpv1alpha1.BaselineAdminNetworkPolicy
			if err := yaml.UnmarshalStrict([]byte(doc), &p); err != nil {
				t.Fatalf("BaselineAdminNetworkPolicy: %v", err)
			}
			out = append(out, AdminFromBANP(p.Name, &p.Spec))
		default:
			t.Fatalf("a document of kind %q", head.Kind)
		}
	}
	return out
}

func udp(port int32, expect ...string) probe  { return probe{UDP, port, expect} }
func sctp(port int32, expect ...string) probe { return probe{SCTP, port, expect} }

var adminTruthCases = []truthCase{
	{
		name:     "an AdminNetworkPolicy Deny beats a NetworkPolicy that allows everything",
		policies: `{metadata: {name: allow-all, namespace: x}, spec: {podSelector: {}, ingress: [{}]}}`,
		admin: `{kind: AdminNetworkPolicy, metadata: {name: deny-y}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{name: from-y, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}`,
		probes: []probe{tcp(80, "deny y/* x/*"), udp(81, "deny y/* x/*")},
	},
	{
		name:     "an AdminNetworkPolicy Allow bypasses a NetworkPolicy default deny",
		policies: `{metadata: {name: deny-all, namespace: x}, spec: {podSelector: {}}}`,
		admin: `{kind: AdminNetworkPolicy, metadata: {name: allow-y}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/*", "allow y/* x/*")},
	},
	{
		name: "Pass skips the later AdminNetworkPolicies and defers to the NetworkPolicies",
		policies: `{metadata: {name: from-y-a, namespace: x}, spec: {podSelector: {},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}, podSelector: {matchLabels: {pod: a}}}]}]}}`,
		admin: `{kind: AdminNetworkPolicy, metadata: {name: pass-y}, spec: {priority: 1,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}
---
{kind: AdminNetworkPolicy, metadata: {name: deny-y}, spec: {priority: 2,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/*", "allow y/a x/*")},
	},
	{
		name: "Pass with no NetworkPolicy falls to the baseline",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: pass-y}, spec: {priority: 1,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}
---
{kind: BaselineAdminNetworkPolicy, metadata: {name: default}, spec: {
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Deny, from: [{namespaces: {}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/*")},
	},
	{
		name:     "a baseline Deny applies only where no NetworkPolicy isolates the pod",
		policies: `{metadata: {name: from-z, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: z}}}]}]}}`,
		admin: `{kind: BaselineAdminNetworkPolicy, metadata: {name: default}, spec: {subject: {namespaces: {}},
  ingress: [{action: Deny, from: [{namespaces: {}}]}]}}`,
		probes: []probe{tcp(80, "deny * *", "allow z/* x/*")},
	},
	{
		name: "the baseline's rules apply in order, the first match deciding",
		admin: `{kind: BaselineAdminNetworkPolicy, metadata: {name: default}, spec: {subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}, {action: Deny, from: [{namespaces: {}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/*", "allow y/* x/*")},
	},
	{
		name: "the lower priority number decides before the higher",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: allow-y}, spec: {priority: 5,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}
---
{kind: AdminNetworkPolicy, metadata: {name: deny-all}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Deny, from: [{namespaces: {}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/*", "allow y/* x/*")},
	},
	{
		name: "a Deny at a lower priority number overrides an Allow written first",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: allow-y}, spec: {priority: 20,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}
---
{kind: AdminNetworkPolicy, metadata: {name: deny-all}, spec: {priority: 3,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Deny, from: [{namespaces: {}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/*")},
	},
	{
		name:    "equal priorities are evaluated by name and reported",
		problem: "share priority 7",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: b-deny}, spec: {priority: 7,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}
---
{kind: AdminNetworkPolicy, metadata: {name: a-allow}, spec: {priority: 7,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}`,
		probes: []probe{tcp(80)},
	},
	{
		name: "a port range denied in part leaves the other ports to the later rules",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: ports}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [
    {name: web-range, action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{portRange: {protocol: TCP, start: 81, end: 90}}]},
    {name: rest, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}`,
		probes: []probe{tcp(80, "deny y/* x/*"), tcp(81), udp(81, "deny y/* x/*")},
	},
	{
		name:     "a port number Deny closes that port only, the NetworkPolicy deciding the others",
		policies: `{metadata: {name: deny-all, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 80}, {port: 81}]}]}}`,
		admin: `{kind: AdminNetworkPolicy, metadata: {name: no-80}, spec: {priority: 10,
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: a}}}},
  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}]}}`,
		probes: []probe{tcp(80, "deny * */a"), tcp(81), udp(80, "deny * x/*")},
	},
	{
		name: "a named port in an AdminNetworkPolicy resolves on the destination, whatever its protocol",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: named}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}},
  egress: [{action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}], ports: [{namedPort: serve-80-sctp}]}]}}`,
		probes: []probe{sctp(80, "deny y/* x/*"), tcp(80), sctp(81)},
	},
	{
		name: "an egress networks CIDR matches the pods whose addresses it covers",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: cidr}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  egress: [{action: Deny, to: [{networks: [10.0.1.0/24, 10.0.2.3/32]}]}]}}`,
		probes: []probe{tcp(80, "deny x/* y/*", "deny x/* z/c")},
	},
	{
		name: "a pods subject and a pods peer select by namespace and pod labels together",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: pods}, spec: {priority: 10,
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: a}}}},
  ingress: [{action: Deny, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}, podSelector: {matchLabels: {pod: b}}}}]}]}}`,
		probes: []probe{tcp(80, "deny y/b */a")},
	},
	{
		name: "egress and ingress rules of one policy judge each side, and a connection needs both",
		admin: `{kind: AdminNetworkPolicy, metadata: {name: gress}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  egress: [{action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}],
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}
---
{kind: BaselineAdminNetworkPolicy, metadata: {name: default}, spec: {subject: {namespaces: {}},
  egress: [{action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}}]}]}}`,
		probes: []probe{tcp(80, "deny x/* y/*", "deny y/* x/*", "deny z/* x/*", "deny x/* x/*")},
	},
	{
		name:     "an AdminNetworkPolicy Allow of egress does not open an ingress its NetworkPolicy closes",
		policies: `{metadata: {name: deny-all, namespace: "y"}, spec: {podSelector: {}}}`,
		admin: `{kind: AdminNetworkPolicy, metadata: {name: out}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  egress: [{action: Allow, to: [{namespaces: {}}]}]}}`,
		probes: []probe{tcp(80, "deny * y/*")},
	},
}

func TestAdminTruthTables(t *testing.T) {
	for _, c := range adminTruthCases {
		t.Run(c.name, func(t *testing.T) { checkTruthCase(t, c) })
	}
}
