package netpol

import (
	"fmt"
	"net/netip"
	"path"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// The cases below follow the truth tables of the Kubernetes NetworkPolicy conformance tests
// (test/e2e/network/netpol in kubernetes/kubernetes): namespaces x, y and z, pods a, b and c
// in each (labelled pod=<name>), every pod serving ports 80 and 81 over TCP, UDP and SCTP
// under the names serve-<port>-<protocol>. Each probe starts from "everything reachable" and
// applies its expectations in order; loopback (a pod to itself) is not judged, as upstream.

// truthPods are the nine pods, with addresses so that ipBlocks can match them.
func truthPods() []Workload {
	var out []Workload
	for i, ns := range []string{"x", "y", "z"} {
		for j, name := range []string{"a", "b", "c"} {
			w := Workload{Namespace: ns, Kind: "Pod", Name: name, Labels: map[string]string{"pod": name}, IP: netip.AddrFrom4([4]byte{10, 0, byte(i), byte(j + 1)})}
			for _, port := range []int32{80, 81} {
				for _, p := range []Protocol{TCP, UDP, SCTP} {
					w.Ports = append(w.Ports, ContainerPort{Name: fmt.Sprintf("serve-%d-%s", port, strings.ToLower(p.String())), Protocol: p, Port: port})
				}
			}
			out = append(out, w)
		}
	}
	return out
}

// probe is one protocol and port, and the expected matrix as edits of "all reachable":
// "deny SRC DST" or "allow SRC DST", where SRC and DST are ns/pod patterns (x/a, x/*, *).
type probe struct {
	proto  Protocol
	port   int32
	expect []string
}

type truthCase struct {
	name string
	// policies are NetworkPolicies as YAML documents separated by "---".
	policies string
	// nsLabels adds labels to namespaces.
	nsLabels map[string]map[string]string
	// admin are AdminNetworkPolicies and BaselineAdminNetworkPolicies as YAML documents;
	// problem, when set, is a part of the one problem the engine must report.
	admin   string
	problem string
	probes  []probe
}

func tcp(port int32, expect ...string) probe { return probe{TCP, port, expect} }

var truthCases = []truthCase{
	{
		name:     "a default-deny-ingress policy isolates every pod of its namespace",
		policies: `{metadata: {name: deny-ingress, namespace: x}, spec: {podSelector: {}}}`,
		probes:   []probe{tcp(80, "deny * x/*")},
	},
	{
		name:     "a default-deny-all policy isolates its namespace both ways",
		policies: `{metadata: {name: deny-all, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress, Egress]}}`,
		probes:   []probe{tcp(80, "deny * x/*", "deny x/* *")},
	},
	{
		name: "a podSelector peer admits only pods of the policy's own namespace",
		policies: `{metadata: {name: x-a-from-x-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/a", "allow x/b x/a")},
	},
	{
		name: "an allow-all rule for one pod beside a default deny opens only that pod",
		policies: `{metadata: {name: deny-all, namespace: x}, spec: {podSelector: {}}}
---
{metadata: {name: allow-all-to-a, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/b", "deny * x/c")},
	},
	{
		name: "an empty namespaceSelector admits pods of every namespace",
		policies: `{metadata: {name: from-every-namespace, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {}}]}]}}`,
		probes: []probe{tcp(80)},
	},
	{
		name: "a namespaceSelector alone admits every pod of the selected namespaces only",
		policies: `{metadata: {name: from-y, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}`,
		probes: []probe{tcp(80, "deny x/* x/a", "deny z/* x/a")},
	},
	{
		name: "a podSelector with matchExpressions selects like matchLabels",
		policies: `{metadata: {name: x-a-from-x-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{podSelector: {matchExpressions: [{key: pod, operator: In, values: [b]}]}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/a", "allow x/b x/a")},
	},
	{
		name: "a namespaceSelector with matchExpressions selects like matchLabels",
		policies: `{metadata: {name: from-y, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: ["y"]}]}}]}]}}`,
		probes: []probe{tcp(80, "deny x/* x/a", "deny z/* x/a")},
	},
	{
		name: "two peers in one rule are ORed: other namespaces or pod b of the own namespace",
		policies: `{metadata: {name: either, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}]}},
                    {podSelector: {matchLabels: {pod: b}}}]}]}}`,
		probes: []probe{tcp(80, "deny x/c x/a")},
	},
	{
		name: "a namespaceSelector and a podSelector in one peer are ANDed",
		policies: `{metadata: {name: both, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}]},
                     podSelector: {matchLabels: {pod: b}}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/a", "allow y/b x/a", "allow z/b x/a")},
	},
	{
		name: "an ANDed peer with set-based selectors admits pods b and c of other namespaces",
		policies: `{metadata: {name: both, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}]},
                     podSelector: {matchExpressions: [{key: pod, operator: In, values: [b, c]}]}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/a", "allow y/b x/a", "allow y/c x/a", "allow z/b x/a", "allow z/c x/a")},
	},
	{
		name: "several podSelector peers admit each of their pods",
		policies: `{metadata: {name: b-or-c, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}, {podSelector: {matchLabels: {pod: c}}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/a", "allow x/b x/a", "allow x/c x/a")},
	},
	{
		name: "an ANDed peer naming one namespace and one pod admits that pod alone",
		policies: `{metadata: {name: y-a, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}, podSelector: {matchLabels: {pod: a}}}]}]}}`,
		probes: []probe{
			tcp(80, "deny * x/a", "allow y/a x/a"),
			{UDP, 80, []string{"deny * x/a", "allow y/a x/a"}},
			{SCTP, 80, []string{"deny * x/a", "allow y/a x/a"}},
		},
	},
	{
		name: "a rule with a port allows that port only",
		policies: `{metadata: {name: from-y-on-81, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{port: 81, protocol: TCP}]}]}}`,
		probes: []probe{
			tcp(81, "deny x/* x/a", "deny z/* x/a"),
			tcp(80, "deny * x/a"),
		},
	},
	{
		name: "stacked policies add their ports",
		policies: `{metadata: {name: from-y-on-81, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{port: 81, protocol: TCP}]}]}}
---
{metadata: {name: from-y-on-80, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{port: 80, protocol: TCP}]}]}}`,
		probes: []probe{
			tcp(81, "deny x/* x/a", "deny z/* x/a"),
			tcp(80, "deny x/* x/a", "deny z/* x/a"),
		},
	},
	{
		name:     "the empty ingress rule allows everything",
		policies: `{metadata: {name: allow-all, namespace: x}, spec: {podSelector: {}, ingress: [{}]}}`,
		probes:   []probe{tcp(80), tcp(81), {UDP, 80, nil}},
	},
	{
		name:     "a named ingress port resolves on the destination pod",
		policies: `{metadata: {name: only-81, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: serve-81-tcp}]}]}}`,
		probes:   []probe{tcp(81), tcp(80, "deny * x/*")},
	},
	{
		name: "a named port with a namespaceSelector allows that port from that namespace",
		policies: `{metadata: {name: from-y-on-serve-80, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{port: serve-80-tcp, protocol: TCP}]}]}}`,
		probes: []probe{
			tcp(80, "deny x/* x/a", "deny z/* x/a"),
			tcp(81, "deny * x/a"),
		},
	},
	{
		name:     "a named egress port resolves on the destination pod",
		policies: `{metadata: {name: egress-serve-80, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: serve-80-tcp}]}]}}`,
		probes:   []probe{tcp(80), tcp(81, "deny x/* *")},
	},
	{
		name:     "a named port of another protocol resolves on no container and allows nothing",
		policies: `{metadata: {name: wrong-protocol, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: serve-80-tcp, protocol: UDP}]}]}}`,
		probes:   []probe{tcp(80, "deny * x/*"), {UDP, 80, []string{"deny * x/*"}}},
	},
	{
		name:     "an allow-all policy turned into a deny-all by emptying its rules isolates the namespace",
		policies: `{metadata: {name: mutated, namespace: x}, spec: {podSelector: {}, ingress: []}}`,
		probes:   []probe{tcp(81, "deny * x/*")},
	},
	{
		name: "a namespace label admits the namespace's pods",
		policies: `{metadata: {name: from-updated, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {ns2: updated}}}]}]}}`,
		nsLabels: map[string]map[string]string{"y": {"ns2": "updated"}},
		probes:   []probe{tcp(80, "deny * x/a", "allow y/* x/a")},
	},
	{
		name: "a podSelector matching no pod admits nothing",
		policies: `{metadata: {name: from-updated-pod, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{podSelector: {matchLabels: {pod: b, pod2: updated}}}]}]}}`,
		probes: []probe{tcp(80, "deny * x/a")},
	},
	{
		name:     "an empty podSelector peer admits the own namespace and no other",
		policies: `{metadata: {name: own-namespace, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}}`,
		probes:   []probe{tcp(80, "deny y/* x/*", "deny z/* x/*")},
	},
	{
		name:     "a policy whose podSelector matches no pod isolates nothing",
		policies: `{metadata: {name: deny-isolated, namespace: x}, spec: {podSelector: {matchLabels: {target: isolated}}}}`,
		probes:   []probe{tcp(80)},
	},
	{
		name:     "a deny-egress policy for one pod isolates its egress only",
		policies: `{metadata: {name: deny-egress-a, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress]}}`,
		probes:   []probe{tcp(80, "deny x/a *")},
	},
	{
		name:     "a deny-egress policy for a namespace isolates every pod's egress",
		policies: `{metadata: {name: deny-egress, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress]}}`,
		probes:   []probe{tcp(80, "deny x/* *")},
	},
	{
		name: "ingress and egress rules of one policy both apply",
		policies: `{metadata: {name: both-ways, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress, Ingress],
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}], egress: [{ports: [{port: 80}]}]}}`,
		probes: []probe{
			tcp(80, "deny * x/a", "allow x/b x/a"),
			tcp(81, "deny * x/a", "deny x/a *", "allow x/b x/a"),
		},
	},
	{
		name: "the client's egress denies what the server's ingress allows",
		policies: `{metadata: {name: to-y-a, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}, podSelector: {matchLabels: {pod: a}}}]}]}}
---
{metadata: {name: y-a-from-x-a, namespace: "y"}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "x"}}, podSelector: {matchLabels: {pod: a}}}]}]}}
---
{metadata: {name: y-b-from-x-a, namespace: "y"}, spec: {podSelector: {matchLabels: {pod: b}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "x"}}, podSelector: {matchLabels: {pod: a}}}]}]}}`,
		probes: []probe{tcp(80, "deny x/a *", "deny * y/a", "allow x/a y/a", "deny * y/b")},
	},
	{
		name: "an egress rule with an ANDed peer reaches that pod only",
		policies: `{metadata: {name: to-y-a, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}, podSelector: {matchLabels: {pod: a}}}]}]}}`,
		probes: []probe{tcp(80, "deny x/a *", "allow x/a y/a")},
	},
	{
		name:     "a protocol without a port allows every port of that protocol and isolates the others",
		policies: `{metadata: {name: tcp-only, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{protocol: TCP}]}]}}`,
		probes:   []probe{tcp(80), {UDP, 80, []string{"deny * x/a"}}},
	},
	{
		name: "an allow-all ingress policy outweighs a narrower one",
		policies: `{metadata: {name: only-80, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}}
---
{metadata: {name: allow-all, namespace: x}, spec: {podSelector: {}, ingress: [{}]}}`,
		probes: []probe{tcp(81)},
	},
	{
		name:     "a narrow ingress policy alone denies the other ports",
		policies: `{metadata: {name: only-80, namespace: x}, spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}}`,
		probes:   []probe{tcp(81, "deny * x/*"), tcp(80)},
	},
	{
		name: "an allow-all egress policy outweighs a narrower one",
		policies: `{metadata: {name: only-80, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 80}]}]}}
---
{metadata: {name: allow-all, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}}`,
		probes: []probe{tcp(81)},
	},
	{
		name:     "a narrow egress policy alone denies the other ports",
		policies: `{metadata: {name: only-80, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 80}]}]}}`,
		probes:   []probe{tcp(81, "deny x/* *"), tcp(80)},
	},
	{
		name: "an ipBlock of one pod's address reaches that pod",
		policies: `{metadata: {name: to-y-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.1.2/32}}]}]}}`,
		probes: []probe{tcp(80, "deny x/a *", "allow x/a y/b")},
	},
	{
		name: "an ipBlock's except removes that pod's address",
		policies: `{metadata: {name: around-x-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/4, except: [10.0.0.2/32]}}]}]}}`,
		probes: []probe{tcp(80, "deny x/a x/b")},
	},
	{
		name: "an address excepted by one policy and allowed by another is allowed",
		policies: `{metadata: {name: around-x-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/4, except: [10.0.0.2/32]}}]}]}}
---
{metadata: {name: to-x-b, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.2/32}}]}]}}`,
		probes: []probe{tcp(80)},
	},
	{
		name: "egress and ingress are controlled independently",
		policies: `{metadata: {name: egress-all, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{}]}}
---
{metadata: {name: deny-ingress-a, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}}}`,
		probes: []probe{tcp(80, "deny * x/a")},
	},
	{
		name: "an SCTP-only rule does not allow TCP on the same port",
		policies: `{metadata: {name: deny-ingress, namespace: x}, spec: {podSelector: {}}}
---
{metadata: {name: sctp-81, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 81, protocol: SCTP}]}]}}`,
		probes: []probe{tcp(81, "deny * x/*"), {SCTP, 81, []string{"deny * x/b", "deny * x/c"}}},
	},
	{
		name:     "an SCTP-only rule still isolates the pod for TCP",
		policies: `{metadata: {name: sctp-80, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 80, protocol: SCTP}]}]}}`,
		probes:   []probe{tcp(81, "deny * x/a"), tcp(80, "deny * x/a"), {SCTP, 80, nil}},
	},
	{
		name:     "a UDP-only rule still isolates the pod for TCP",
		policies: `{metadata: {name: udp-81, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 81, protocol: UDP}]}]}}`,
		probes:   []probe{tcp(81, "deny * x/a"), {UDP, 81, nil}, {UDP, 80, []string{"deny * x/a"}}},
	},
	{
		name: "a NotIn namespaceSelector on the name label excludes that namespace",
		policies: `{metadata: {name: not-to-y, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: ["y"]}]}}]}]}}`,
		probes: []probe{tcp(80, "deny x/a y/*")},
	},
	{
		name:     "a default deny on UDP isolates like on TCP",
		policies: `{metadata: {name: deny-all, namespace: x}, spec: {podSelector: {}}}`,
		probes:   []probe{{UDP, 80, []string{"deny * x/*"}}, {SCTP, 80, []string{"deny * x/*"}}},
	},
	{
		name: "a port rule on UDP allows that port from the selected namespace",
		policies: `{metadata: {name: udp-81-from-y, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{port: 81, protocol: UDP}]}]}}`,
		probes: []probe{{UDP, 81, []string{"deny x/* x/a", "deny z/* x/a"}}, tcp(81, "deny * x/a")},
	},
	{
		name: "a port rule on SCTP allows that port from the selected namespace",
		policies: `{metadata: {name: sctp-81-from-y, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}},
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{port: 81, protocol: SCTP}]}]}}`,
		probes: []probe{{SCTP, 81, []string{"deny x/* x/a", "deny z/* x/a"}}, {SCTP, 80, []string{"deny * x/a"}}},
	},
	{
		name: "endPort makes the rule a range that includes both ends",
		policies: `{metadata: {name: range, namespace: x}, spec: {podSelector: {}, policyTypes: [Ingress],
  ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 80, endPort: 81}]}]}}`,
		probes: []probe{tcp(80), tcp(81), {UDP, 80, []string{"deny * x/*"}}},
	},
	{
		name:     "an egress range that stops below a port denies that port",
		policies: `{metadata: {name: range, namespace: x}, spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 1, endPort: 80}]}]}}`,
		probes:   []probe{tcp(80), tcp(81, "deny x/* *")},
	},
	{
		name:     "absent policyTypes with egress rules isolate egress too",
		policies: `{metadata: {name: implied, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, egress: [{to: [{podSelector: {matchLabels: {pod: b}}}]}]}}`,
		probes:   []probe{tcp(80, "deny * x/a", "deny x/a *", "allow x/a x/b")},
	},
	{
		name:     "an empty egress list with absent policyTypes isolates ingress only",
		policies: `{metadata: {name: implied, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, egress: []}}`,
		probes:   []probe{tcp(80, "deny * x/a")},
	},
	{
		name:     "an empty from list allows every source",
		policies: `{metadata: {name: empty-from, namespace: x}, spec: {podSelector: {}, ingress: [{from: [], ports: [{port: 80}]}]}}`,
		probes:   []probe{tcp(80), tcp(81, "deny * x/*")},
	},
	{
		name:     "an empty ports list allows every port",
		policies: `{metadata: {name: empty-ports, namespace: x}, spec: {podSelector: {}, ingress: [{from: [{podSelector: {}}], ports: []}]}}`,
		probes:   []probe{tcp(81, "deny y/* x/*", "deny z/* x/*"), {SCTP, 80, []string{"deny y/* x/*", "deny z/* x/*"}}},
	},
	{
		name:     "a policy in one namespace does not select pods of another",
		policies: `{metadata: {name: deny-y-a, namespace: x}, spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress, Egress]}}`,
		probes:   []probe{tcp(80, "deny * x/a", "deny x/a *")},
	},
}

func parsePolicies(t testing.TB, docs string) []Policy {
	t.Helper()
	var out []Policy
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var np networkingv1.NetworkPolicy
		if err := yaml.UnmarshalStrict([]byte(doc), &np); err != nil {
			t.Fatalf("policy: %v", err)
		}
		out = append(out, Policy{Namespace: np.Namespace, Name: np.Name, Spec: np.Spec})
	}
	return out
}

// expected applies a probe's edits to the all-reachable matrix.
func expected(t *testing.T, pods []Workload, edits []string) map[[2]int]bool {
	want := map[[2]int]bool{}
	for i := range pods {
		for j := range pods {
			want[[2]int{i, j}] = true
		}
	}
	matches := func(pattern string, w Workload) bool {
		ok, err := path.Match(pattern, w.Namespace+"/"+w.Name)
		if err != nil {
			t.Fatalf("pattern %q: %v", pattern, err)
		}
		return pattern == "*" || ok
	}
	for _, e := range edits {
		f := strings.Fields(e)
		if len(f) != 3 || (f[0] != "deny" && f[0] != "allow") {
			t.Fatalf("edit %q is not deny|allow SRC DST", e)
		}
		for i, s := range pods {
			for j, d := range pods {
				if matches(f[1], s) && matches(f[2], d) {
					want[[2]int{i, j}] = f[0] == "allow"
				}
			}
		}
	}
	return want
}

func truthInput(t testing.TB, c truthCase) Input {
	in := Input{Workloads: truthPods(), Policies: parsePolicies(t, c.policies), AdminPolicies: parseAdmin(t, c.admin)}
	for _, ns := range []string{"x", "y", "z"} {
		in.Namespaces = append(in.Namespaces, Namespace{Name: ns, Labels: c.nsLabels[ns]})
	}
	return in
}

func TestConformanceTruthTables(t *testing.T) {
	for _, c := range truthCases {
		t.Run(c.name, func(t *testing.T) { checkTruthCase(t, c) })
	}
}

// checkTruthCase holds the matrix (Between, Connections), the explanation and Reaching of
// every pair of pods to the case's expectations.
func checkTruthCase(t *testing.T, c truthCase) {
	a := Analyze(truthInput(t, c))
	switch {
	case c.problem == "" && len(a.Problems) > 0:
		t.Fatalf("problems: %q", a.Problems)
	case c.problem != "" && (len(a.Problems) != 1 || !strings.Contains(a.Problems[0], c.problem)):
		t.Fatalf("problems %q, want one naming %q", a.Problems, c.problem)
	}
	listed := map[[2]string]ConnSet{}
	for conn := range a.Connections {
		listed[[2]string{conn.Src, conn.Dst}] = conn.Conns
	}
	for _, p := range c.probes {
		want := expected(t, a.Workloads, p.expect)
		var wrong []string
		for i := range a.Workloads {
			for j := range a.Workloads {
				if i == j {
					continue
				}
				got := a.Between(i, j).Contains(p.proto, p.port)
				ex := a.Explain(Endpoint{Workload: i}, Endpoint{Workload: j}, p.proto, p.port)
				inList := listed[[2]string{a.Workloads[i].ID(), a.Workloads[j].ID()}].Contains(p.proto, p.port)
				if got != want[[2]int{i, j}] || ex.Allowed != got || inList != got {
					wrong = append(wrong, fmt.Sprintf("%s -> %s: matrix %v, explanation %v, listed %v, want %v", a.Workloads[i].ID(), a.Workloads[j].ID(), got, ex.Allowed, inList, want[[2]int{i, j}]))
				}
			}
		}
		for j := range a.Workloads {
			reached := map[int]bool{}
			for cl := range a.Reaching(j, p.proto, p.port) {
				for _, m := range a.Members(cl) {
					reached[int(m)] = true
				}
			}
			for i := range a.Workloads {
				if i != j && reached[i] != want[[2]int{i, j}] {
					wrong = append(wrong, fmt.Sprintf("%s -> %s: Reaching %v, want %v", a.Workloads[i].ID(), a.Workloads[j].ID(), reached[i], want[[2]int{i, j}]))
				}
			}
		}
		if len(wrong) > 0 {
			t.Errorf("%v %d:\n%s", p.proto, p.port, strings.Join(wrong, "\n"))
		}
	}
}
