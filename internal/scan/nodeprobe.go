package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/etcdconfig"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/probe"
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

// Defaults of the settings endpoints are derived from, where the component's flag is not
// given (etcd's are etcdconfig's). kube-apiserver: k8s.io/apiserver/pkg/server/options/serving.go
// (--secure-port 6443, --bind-address 0.0.0.0).
const (
	apiServerDefaultPort = 6443
	// insecureDefaultBind is the legacy --insecure-bind-address's default (Kubernetes
	// before 1.20, when --insecure-port still worked).
	insecureDefaultBind = "127.0.0.1"
)

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

// NodeTargets derives the endpoints the node's components serve from their own settings, read
// as the rules read them: the kubelet's port and read-only port from its effective
// configuration (0: off, not probed), etcd's listen URLs from its effective settings (flags,
// ETCD_* variables or its --config-file), the API server's --secure-port and --bind-address
// and its legacy --insecure-port when set and not 0. Each endpoint is listed once, in
// component order; a setting that cannot be read as an address is an error, a gap in the
// proof.
func NodeTargets(n *inventory.Node) ([]NodeTarget, []finding.ScanError) {
	var (
		out  []NodeTarget
		errs []finding.ScanError
		seen = map[string]bool{}
	)
	add := func(t NodeTarget) {
		if !seen[t.Address()] {
			seen[t.Address()] = true
			out = append(out, t)
		}
	}
	for _, c := range n.Components {
		var (
			ts  []NodeTarget
			err error
		)
		switch c.Kind {
		case inventory.Kubelet:
			ts = kubeletTargets(n, c)
		case inventory.Etcd:
			ts, err = etcdTargets(n, c)
		case inventory.KubeAPIServer:
			ts, err = apiServerTargets(c)
		}
		if err != nil {
			errs = append(errs, finding.ScanError{Location: finding.Location{Host: n.Host, File: c.Path}, Message: "deriving the endpoints to probe: " + err.Error()})
		}
		for _, t := range ts {
			add(t)
		}
	}
	return out, errs
}

// kubeletTargets are the kubelet's API port and read-only port, from its effective
// configuration (its flags, config file and drop-ins merged as the kubelet merges them), as
// the kubelet rules read it: the node source's, else resolved from its flags and the node's
// files.
func kubeletTargets(n *inventory.Node, c *inventory.Component) []NodeTarget {
	e, ok := c.Config.(*kubeletconfig.Effective)
	if !ok || e == nil {
		e = kubeletconfig.Resolve(c.Flags, n.File)
	}
	addr := e.Get("address")
	host, unspecified := probeHost(addr.Value)
	var out []NodeTarget
	for _, p := range []struct{ field, component string }{{"port", probe.Kubelet}, {"readOnlyPort", probe.KubeletReadOnly}} {
		port := e.Get(p.field)
		n, err := strconv.Atoi(port.Value)
		if err != nil || n <= 0 || n > 65535 {
			continue // 0 is off; a value the kubelet would refuse serves nothing
		}
		from := port.String() + ", " + addr.String()
		if unspecified {
			from += ", probed on " + host
		}
		out = append(out, NodeTarget{Target: probe.Target{Host: host, Port: n, Component: p.component, Named: true}, Of: c, From: from})
	}
	return out
}

// etcdTargets are etcd's client and peer listeners, read from its effective settings as the
// etcd rules read them (etcdconfig: its --config-file alone when it has one, else its flags
// and ETCD_* variables, else etcd's defaults): --listen-client-urls and
// --listen-client-http-urls (both serve clients) and --listen-peer-urls. unix:// listeners
// are not on the network and are left out. Settings that cannot be known (a configuration
// file not read) are an error, and no endpoint is guessed in their place.
func etcdTargets(n *inventory.Node, c *inventory.Component) ([]NodeTarget, error) {
	settings, reason := etcdconfig.Read(n, c)
	if reason != "" {
		return nil, errors.New(reason)
	}
	var (
		out  []NodeTarget
		errs []string
	)
	for _, s := range []struct{ flag, def, component string }{
		{"listen-client-urls", etcdconfig.DefaultClientURLs, probe.Etcd},
		{"listen-client-http-urls", "", probe.Etcd},
		{"listen-peer-urls", etcdconfig.DefaultPeerURLs, probe.EtcdPeer},
	} {
		setting := settings.Get(s.flag)
		value, source := setting.Value, setting.Source
		if !setting.Set {
			value, source = s.def, "etcd's default --"+s.flag
		}
		for _, raw := range strings.Split(value, ",") {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			host, port, err := listenURL(raw)
			if err != nil {
				errs = append(errs, fmt.Sprintf("--%s %q: %v", s.flag, raw, err))
				continue
			}
			if port == 0 {
				continue // a unix socket
			}
			probed, unspecified := probeHost(host)
			from := source + "=" + raw
			if unspecified {
				from += ", probed on " + probed
			}
			out = append(out, NodeTarget{Target: probe.Target{Host: probed, Port: port, Component: s.component, Named: true}, Of: c, From: from})
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// listenURL reads one of etcd's listen URLs as etcd does (types.NewURLs): http or https with
// a host and a port; unix and unixs sockets give port 0.
func listenURL(raw string) (host string, port int, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, err
	}
	switch u.Scheme {
	case "http", "https":
	case "unix", "unixs":
		return "", 0, nil
	default:
		return "", 0, fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	h, p, err := net.SplitHostPort(u.Host)
	if err != nil {
		return "", 0, fmt.Errorf("want host:port: %w", err)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q: want 1 to 65535", p)
	}
	return h, port, nil
}

// apiServerTargets are the API server's secure port on its bind address and, when set and not
// 0, its legacy insecure port on the insecure bind address.
func apiServerTargets(c *inventory.Component) ([]NodeTarget, error) {
	var out []NodeTarget
	secure, secureFrom, err := portSetting(c, "secure-port", apiServerDefaultPort)
	if err != nil {
		return nil, err
	}
	if secure > 0 {
		bind, bindFrom := hostSetting(c, "bind-address", "0.0.0.0")
		host, unspecified := probeHost(bind)
		from := secureFrom + ", " + bindFrom
		if unspecified {
			from += ", probed on " + host
		}
		out = append(out, NodeTarget{Target: probe.Target{Host: host, Port: secure, Component: probe.APIServer, Named: true}, Of: c, From: from})
	}
	insecure, insecureFrom, err := portSetting(c, "insecure-port", 0)
	if err != nil {
		return out, err
	}
	if insecure > 0 {
		bind, bindFrom := hostSetting(c, "insecure-bind-address", insecureDefaultBind)
		host, unspecified := probeHost(bind)
		from := insecureFrom + ", " + bindFrom
		if unspecified {
			from += ", probed on " + host
		}
		out = append(out, NodeTarget{Target: probe.Target{Host: host, Port: insecure, Component: probe.APIServerInsecure, Named: true}, Of: c, From: from})
	}
	return out, nil
}

// portSetting is a port flag's value (def when not given) and where it came from.
func portSetting(c *inventory.Component, flag string, def int) (int, string, error) {
	v := c.Flags.Lookup(flag)
	if !v.Given {
		return def, fmt.Sprintf("--%s=%d (default)", flag, def), nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.String()))
	if err != nil || n < 0 || n > 65535 {
		return 0, "", fmt.Errorf("--%s %q: want a port, 0 to 65535", flag, v.String())
	}
	return n, fmt.Sprintf("%s flag --%s=%d", describe(c), flag, n), nil
}

// hostSetting is an address flag's value (def when not given) and where it came from.
func hostSetting(c *inventory.Component, flag, def string) (string, string) {
	v := c.Flags.Lookup(flag)
	if !v.Given {
		return def, "--" + flag + "=" + def + " (default)"
	}
	return v.String(), describe(c) + " flag --" + flag + "=" + v.String()
}

// describe says where a component's command line was read, as Component.Setting does:
// "kube-apiserver (process /proc/1234/cmdline)".
func describe(c *inventory.Component) string {
	return fmt.Sprintf("%s (%s %s)", c.Kind, c.Source, c.Path)
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
