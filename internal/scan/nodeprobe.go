package scan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/settings"
)

// NodeProbe says how a node audit proves from the network what its components' settings
// claim: the probers, TLS posture scan, concurrency, timeouts and deadline of a probe run.
// Request.Targets are derived from the components (NodeTargets) and Request.Active is
// ignored: a node audit only reads.
type NodeProbe struct {
	Request probe.Request
	// Etcd, when set, makes the prober of etcd's endpoints for the API server's --etcd-prefix
	// found on the node ("" when no API server sets one), replacing Request.Probers' etcd
	// entries, so that the keys counted are the API server's.
	Etcd func(prefix string) probe.Prober
}

// NodeTarget is an endpoint a component of the node serves, derived from its own settings.
type NodeTarget struct {
	probe.Target
	// Of is the component that serves it.
	Of *inventory.Component
	// From says where the address came from: the settings and their sources, and the
	// address probed in place of an unspecified one.
	From string
}

// String names the endpoint and where its address came from, for a report's targets.
func (t NodeTarget) String() string {
	return t.Component + " " + t.Address() + " from " + t.From
}

// probeHost is where an endpoint listening on host is probed: the loopback address when the
// component listens on every address ("", 0.0.0.0, ::), the node being the machine Palisade
// runs on; otherwise the address it names.
func probeHost(host string) (probed string, unspecified bool) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if h == "" || h == "0.0.0.0" || h == "::" {
		return "127.0.0.1", true
	}
	return h, false
}

// NodeTargets derives the endpoints the node's components serve from the addresses their own
// settings give (settings.Component.Listeners, the settings the rules read): the kubelet's
// port and read-only port, etcd's listen URLs, the API server's secure port and its legacy
// insecure port when set and not 0. Each endpoint is listed once, in component order; a
// setting that cannot be read as an address, or settings that cannot be known (etcd's
// configuration file not read), are an error, a gap in the proof, and no endpoint is guessed
// in their place.
func NodeTargets(n *inventory.Node) ([]NodeTarget, []finding.ScanError) {
	var (
		out  []NodeTarget
		errs []finding.ScanError
		seen = map[string]bool{}
	)
	for _, c := range n.Components {
		if !derivesListeners[c.Kind] {
			continue
		}
		listeners, err := listeners(n, c)
		if err != nil {
			errs = append(errs, finding.ScanError{Location: finding.Location{Host: n.Host, File: c.Path}, Message: "deriving the endpoints to probe: " + err.Error()})
		}
		for _, l := range listeners {
			host, unspecified := probeHost(l.Host)
			from := l.From
			if unspecified {
				from += ", probed on " + host
			}
			t := NodeTarget{Target: probe.Target{Host: host, Port: l.Port, Component: probedAs[l.Serves], Named: true}, Of: c, From: from}
			if !seen[t.Address()] {
				seen[t.Address()] = true
				out = append(out, t)
			}
		}
	}
	return out, errs
}

// derivesListeners are the components whose listeners a node audit probes.
var derivesListeners = map[inventory.ComponentKind]bool{inventory.Kubelet: true, inventory.Etcd: true, inventory.KubeAPIServer: true}

// probedAs is the prober component of what a listener serves.
var probedAs = map[settings.Serves]string{
	settings.KubeletAPI: probe.Kubelet, settings.KubeletReadOnly: probe.KubeletReadOnly,
	settings.EtcdClient: probe.Etcd, settings.EtcdPeer: probe.EtcdPeer,
	settings.APIServer: probe.APIServer, settings.APIServerInsecure: probe.APIServerInsecure,
}

// listeners are the addresses component c listens on by its effective settings, the ones the
// rules read (settings.ForNode).
func listeners(n *inventory.Node, c *inventory.Component) ([]settings.Listener, error) {
	s, reason := settings.ForNode(n).Of(c)
	if reason != "" {
		return nil, errors.New(reason)
	}
	return s.Listeners()
}

// probeNode probes the endpoints the node's components serve, read-only, and puts them in
// inv beside the node, for one evaluation of node and endpoint rules together.
func probeNode(ctx context.Context, p *NodeProbe, n *inventory.Node, inv *inventory.Inventory, res *NodeResult) {
	targets, errs := NodeTargets(n)
	res.Errors = append(res.Errors, errs...)
	req := p.Request
	req.Active = false // a node audit only reads, whatever it was given
	req.Targets = make([]probe.Target, len(targets))
	for i, t := range targets {
		req.Targets[i] = t.Target
	}
	if p.Etcd != nil {
		probers := make(map[string]probe.Prober, len(req.Probers)+2)
		for k, v := range req.Probers {
			probers[k] = v
		}
		prober := p.Etcd(etcdPrefix(n))
		probers[probe.Etcd], probers[probe.EtcdPeer] = prober, prober
		req.Probers = probers
	}
	eps := probe.Run(ctx, req)
	res.Probed, res.Endpoints = targets, eps
	inv.Endpoints = eps
	notProbed := 0
	for _, ep := range eps {
		if ep.Error == probe.NotProbed {
			notProbed++
		}
	}
	if notProbed > 0 {
		res.Errors = append(res.Errors, finding.ScanError{Location: finding.Location{Host: n.Host}, Message: fmt.Sprintf(
			"deadline reached: %d of %d endpoints of the node's components not probed (raise the deadline)", notProbed, len(eps))})
	}
}

// etcdPrefix is the --etcd-prefix of the node's API server, or "" when none sets it.
func etcdPrefix(n *inventory.Node) string {
	for _, c := range n.ComponentsOf(inventory.KubeAPIServer) {
		if v := c.Flags.Lookup("etcd-prefix"); v.Given {
			return v.String()
		}
	}
	return ""
}
