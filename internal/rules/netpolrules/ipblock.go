package netpolrules

// network/ipblock-covers-cluster: an ipBlock peer whose range, less its `except` entries,
// holds addresses of the cluster's own pods or Services. The API meant ipBlocks for
// addresses outside the cluster and leaves what they do with pod and Service addresses to
// the network plugin (k8s.io/api networking/v1 IPBlock; the network-policies concept page):
// pod addresses are ephemeral, some plugins match them by ipBlock and others do not, and a
// Service address is usually rewritten to a pod's before policies apply. A rule such as
// "egress to 0.0.0.0/0" written for the internet may then admit every pod of the cluster,
// past the selectors the other rules spell out, or not, depending on the plugin.
//
// Restricted fields:
//   NetworkPolicy spec.ingress[*].from[*].ipBlock, spec.egress[*].to[*].ipBlock
//
// Allowed values: a cidr whose addresses, less except, hold no known pod range, pod address
// or Service address.
//
// Severity: medium. Whether the rule opens the cluster to the selected pods depends on the
// plugin, which the manifest does not say.
//
// The cluster's addresses are known only from what the input holds: the podCIDRs of Nodes,
// the addresses of running Pods, the cluster IPs of Services, and the ranges the control
// plane is given (--cluster-cidr, --service-cluster-ip-range, read from its mirror pods by a
// cluster scan). A live cluster has them; manifests rarely do. With none the rule judges
// nothing.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/rules"
)

func ipBlockCoversClusterRule() rules.Rule {
	return rules.Rule{
		ID:       "network/ipblock-covers-cluster",
		Title:    "NetworkPolicy ipBlock holds the cluster's pod or Service addresses",
		Severity: finding.Medium,
		Area:     rules.AreaNetwork,
		Scope:    rules.ScopeNamespace,
		Description: "ipBlock peers are meant for addresses outside the cluster; what a network plugin does with a pod or " +
			"Service address inside an ipBlock is not defined by the API. Pod addresses are ephemeral and some plugins " +
			"match them by ipBlock while others do not, and Service addresses are usually rewritten to a pod's before " +
			"policies apply. A range written for the outside world (0.0.0.0/0, a private /8) that also holds the " +
			"cluster's pod range may admit every pod past the selectors of the other rules, or nothing, depending on " +
			"the plugin. The cluster's ranges are taken from the input: Nodes' podCIDRs, running Pods' addresses, " +
			"Services' cluster IPs, and the control plane's --cluster-cidr and --service-cluster-ip-range (its mirror pods, " +
			"in a cluster scan).",
		Fields:     []string{"NetworkPolicy spec.ingress[*].from[*].ipBlock", "NetworkPolicy spec.egress[*].to[*].ipBlock"},
		Allowed:    []string{"an ipBlock whose addresses, less except, hold no pod range, pod address or Service address of the cluster"},
		References: []rules.Reference{docsNetworkPolicy},
		Remedy: "List the cluster's pod and Service ranges under the ipBlock's except, and allow pods with podSelector " +
			"and namespaceSelector peers instead.",
		Reads:         append(slices.Clone(reads), "Node"),
		ReadsReleased: append(slices.Clone(workloadKinds), "Service"),
		// The cluster's addresses (addressesOf) are not named: they are quick to collect once
		// the analysis, which they read, is built.
		Indexes:   []*rules.Index{analysisIndex},
		Namespace: checkIPBlockCoversCluster,
	}
}

// clusterAddresses are the addresses of the cluster the input tells: pod ranges, pod
// addresses and Service addresses, each with what it belongs to.
type clusterAddresses struct {
	podRanges     []namedPrefix
	serviceRanges []namedPrefix
	pods          []namedAddr
	services      []namedAddr
}

type namedPrefix struct {
	prefix netip.Prefix
	of     string
}

type namedAddr struct {
	addr netip.Addr
	of   string
}

func (p namedPrefix) String() string { return p.prefix.String() + " " + p.of }

func (a namedAddr) String() string { return a.addr.String() + " " + a.of }

func (c *clusterAddresses) empty() bool {
	return len(c.podRanges) == 0 && len(c.serviceRanges) == 0 && len(c.pods) == 0 && len(c.services) == 0
}

type addressesKey struct{}

// addressesOf collects the cluster's addresses from the inventory, once per scan.
func addressesOf(inv *inventory.Inventory) *clusterAddresses {
	return inv.Memo(addressesKey{}, func() any {
		c := &clusterAddresses{}
		for _, o := range inv.ByKind("Node") {
			n, ok := o.Typed.(*corev1.Node)
			if !ok {
				continue
			}
			cidrs := n.Spec.PodCIDRs
			if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
				cidrs = []string{n.Spec.PodCIDR}
			}
			for _, s := range cidrs {
				if p, err := netip.ParsePrefix(s); err == nil {
					c.podRanges = append(c.podRanges, namedPrefix{p.Masked(), "podCIDR of node " + o.Name})
				}
			}
		}
		for _, n := range inv.Nodes {
			for _, cp := range n.Components {
				c.addRanges(cp)
			}
		}
		a := reachOf(inv)
		for i := range a.Workloads {
			if w := &a.Workloads[i]; w.IP.IsValid() {
				c.pods = append(c.pods, namedAddr{w.IP, "pod " + w.Namespace + "/" + w.Name})
			}
		}
		for _, o := range inv.ByKind("Service") {
			for _, ip := range o.ServiceAddresses() {
				if addr, err := netip.ParseAddr(ip); err == nil {
					c.services = append(c.services, namedAddr{addr.Unmap(), "Service " + o.Namespace + "/" + o.Name})
				}
			}
		}
		// Messages name the first few of these: the same, whatever order the input came in.
		byPrefix := func(a, b namedPrefix) int {
			return cmp.Or(a.prefix.Addr().Compare(b.prefix.Addr()), cmp.Compare(a.prefix.Bits(), b.prefix.Bits()), strings.Compare(a.of, b.of))
		}
		byAddr := func(a, b namedAddr) int { return cmp.Or(a.addr.Compare(b.addr), strings.Compare(a.of, b.of)) }
		slices.SortFunc(c.podRanges, byPrefix)
		slices.SortFunc(c.serviceRanges, byPrefix)
		slices.SortFunc(c.pods, byAddr)
		slices.SortFunc(c.services, byAddr)
		return c
	}).(*clusterAddresses)
}

// rangeFlags are the flags that give the cluster's pod and Service ranges, per component that
// takes them (comma-separated for dual stack): kube-controller-manager allocates the nodes'
// podCIDRs from --cluster-cidr, the API server the Services' cluster IPs from
// --service-cluster-ip-range; k3s and RKE2 servers take both under their own names.
var rangeFlags = map[inventory.ComponentKind]struct{ pods, services string }{
	inventory.KubeControllerManager: {pods: "cluster-cidr"},
	inventory.KubeAPIServer:         {services: "service-cluster-ip-range"},
	inventory.K3sServer:             {pods: "cluster-cidr", services: "service-cidr"},
	inventory.RKE2Server:            {pods: "cluster-cidr", services: "service-cidr"},
}

// addRanges adds the pod and Service ranges a control-plane component's flags give.
func (c *clusterAddresses) addRanges(cp *inventory.Component) {
	f, ok := rangeFlags[cp.Kind]
	if !ok || cp.Flags == nil {
		return
	}
	for _, x := range []struct {
		flag string
		to   *[]namedPrefix
	}{{f.pods, &c.podRanges}, {f.services, &c.serviceRanges}} {
		if x.flag == "" {
			continue
		}
		v, source, ok := cp.Setting(x.flag)
		if !ok {
			continue
		}
		for _, s := range strings.Split(v, ",") {
			if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil {
				*x.to = append(*x.to, namedPrefix{p.Masked(), "from " + source})
			}
		}
	}
}

func checkIPBlockCoversCluster(ctx *rules.NamespaceContext) []rules.Violation {
	addrs := addressesOf(ctx.Inventory)
	if addrs.empty() {
		return nil
	}
	var out []rules.Violation
	for _, o := range ctx.Inventory.InNamespace(ctx.Name) {
		np, ok := o.Typed.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		isolates := netpol.IsolatesFor(&np.Spec)
		if isolates[netpol.Ingress] {
			for i, r := range np.Spec.Ingress {
				out = append(out, coveringPeers(o, addrs, fmt.Sprintf("spec.ingress[%d].from", i), r.From)...)
			}
		}
		if isolates[netpol.Egress] {
			for i, r := range np.Spec.Egress {
				out = append(out, coveringPeers(o, addrs, fmt.Sprintf("spec.egress[%d].to", i), r.To)...)
			}
		}
	}
	return out
}

// coveringPeers reports the ipBlock peers at path whose addresses hold cluster addresses.
func coveringPeers(o *inventory.Object, addrs *clusterAddresses, path string, peers []networkingv1.NetworkPolicyPeer) []rules.Violation {
	var out []rules.Violation
	for j, pe := range peers {
		if pe.IPBlock == nil {
			continue
		}
		b, ok := parseBlock(pe.IPBlock)
		if !ok {
			continue // the engine reports an unreadable CIDR as matching nothing, with its place
		}
		var held []string
		if rs, n := matching(addrs.podRanges, b.overlaps); n > 0 {
			held = append(held, fmt.Sprintf("%s (%s)", plural(n, "pod range", "pod ranges"), someOfCount(rs, n)))
		}
		if rs, n := matching(addrs.serviceRanges, b.overlaps); n > 0 {
			held = append(held, fmt.Sprintf("%s (%s)", plural(n, "Service range", "Service ranges"), someOfCount(rs, n)))
		}
		if ps, n := matching(addrs.pods, b.holds); n > 0 {
			held = append(held, fmt.Sprintf("%s (%s)", plural(n, "pod address", "pod addresses"), someOfCount(ps, n)))
		}
		if ss, n := matching(addrs.services, b.holds); n > 0 {
			held = append(held, fmt.Sprintf("%s (%s)", plural(n, "Service address", "Service addresses"), someOfCount(ss, n)))
		}
		if len(held) == 0 {
			continue
		}
		at := fmt.Sprintf("%s[%d].ipBlock", path, j)
		out = append(out, rules.Violation{
			Object: o,
			Path:   at,
			Message: fmt.Sprintf("the ipBlock %s of NetworkPolicy %s holds addresses of the cluster itself, %s: the API leaves it to the network plugin whether an ipBlock matches pods and Services, so this rule may admit them past the selectors of the policy's other rules",
				b.describe(), o.Name, strings.Join(held, " and ")),
			Evidence: fmt.Sprintf("%s %s holds %s", at, b.describe(), strings.Join(held, "; ")),
		})
	}
	return out
}

// matching names the first few entries of xs that in accepts (as many as a message shows)
// and counts them all.
func matching[T fmt.Stringer](xs []T, in func(T) bool) (names []string, n int) {
	// Only the names a message shows are written: an ipBlock of 10.0.0.0/8 holds every
	// Service of a large cluster, and would name each for every policy that has one.
	for _, x := range xs {
		if in(x) {
			if n < shown {
				names = append(names, x.String())
			}
			n++
		}
	}
	return names, n
}

// block is a parsed ipBlock.
type block struct {
	cidr   netip.Prefix
	except []netip.Prefix
}

func parseBlock(b *networkingv1.IPBlock) (block, bool) {
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		return block{}, false
	}
	out := block{cidr: cidr.Masked()}
	for _, e := range b.Except {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return block{}, false
		}
		out.except = append(out.except, p.Masked())
	}
	return out, true
}

func (b block) describe() string {
	if len(b.except) == 0 {
		return b.cidr.String()
	}
	except := make([]string, len(b.except))
	for i, e := range b.except {
		except[i] = e.String()
	}
	return fmt.Sprintf("%s (except %s)", b.cidr, someOf(except))
}

// holds reports whether the address is in the block's cidr and in none of its excepts.
func (b block) holds(a namedAddr) bool {
	return b.cidr.Contains(a.addr) && !slices.ContainsFunc(b.except, func(e netip.Prefix) bool { return e.Contains(a.addr) })
}

// overlaps reports whether some address of the range is in the block's cidr and in none of
// its excepts: the part of the range inside the cidr is not wholly covered by the excepts.
func (b block) overlaps(r namedPrefix) bool {
	if !b.cidr.Overlaps(r.prefix) {
		return false
	}
	// Two overlapping prefixes nest: their intersection is the longer one.
	in := r.prefix
	if b.cidr.Bits() > in.Bits() {
		in = b.cidr
	}
	lo, hi := in.Addr(), netpol.LastOf(in)
	var cuts []netip.Prefix
	for _, e := range b.except {
		if e.Overlaps(in) {
			cuts = append(cuts, e)
		}
	}
	slices.SortFunc(cuts, func(x, y netip.Prefix) int { return x.Addr().Compare(y.Addr()) })
	next := lo // the first address of in not yet known to be excepted
	for _, e := range cuts {
		if e.Addr().Compare(next) > 0 {
			return true
		}
		last := netpol.LastOf(e)
		if last.Compare(hi) >= 0 {
			return false
		}
		if last.Compare(next) >= 0 {
			next = last.Next()
		}
	}
	return true
}
