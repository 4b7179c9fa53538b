// Package probe is the probe engine: it turns what the user names (hosts, host:port, CIDR
// ranges, or the nodes and API server of a cluster) into endpoints, asks each one, the way an
// attacker would and without doing harm, whether it answers, in which protocol and with which
// TLS facts, has it identified from its answers unless the target names its component
// (package identify; a port's default is only a hint), and hands each endpoint that answers
// to its component's prober. It owns targets, protocol detection, concurrency, timeouts and
// the run's deadline; it judges nothing (rules do) and knows no component's API (the
// packages below it do).
package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/probe/identify"
)

// Components, as endpoints name them.
const (
	Kubelet               = identify.Kubelet
	KubeletReadOnly       = identify.KubeletReadOnly
	Etcd                  = identify.Etcd
	EtcdPeer              = identify.EtcdPeer
	APIServer             = identify.APIServer
	APIServerInsecure     = identify.APIServerInsecure
	Unknown               = "unknown"
	DefaultMaxAddresses   = 4096
	maxTargetLength       = 512
	maxHostnameLabelChars = 63
)

// DefaultPorts are the ports a bare host is probed on, and the component each one is expected
// to be: the kubelet's API and read-only port, etcd's client and peer ports, the API server's
// secure port (6443 for kubeadm, 443 for most managed clusters) and its legacy insecure port.
// The expectation is a hint: what the endpoint answers decides.
var DefaultPorts = []struct {
	Port      int
	Component string
}{
	{10250, Kubelet},
	{10255, KubeletReadOnly},
	{2379, Etcd},
	{2380, EtcdPeer},
	{6443, APIServer},
	{443, APIServer},
	{8080, APIServerInsecure},
}

// Target is one endpoint to probe.
type Target struct {
	Host string
	Port int
	// Component is what the endpoint is expected to be: the component named (Named), else
	// its port's default, a hint its answers confirm or overrule, else Unknown.
	Component string
	// Named is true when the component was named (kube-apiserver=10.0.0.5:8443, a node's own
	// settings, the API server of a kubeconfig): the endpoint is judged as that component
	// without being identified from its answers.
	Named bool
	// PortNamed is true when the user named the port (10.0.0.5:8443): an endpoint there that
	// answers as no component is an error, where one on a default port of a host is only not
	// a component.
	PortNamed bool
}

// Address is host:port, with brackets around an IPv6 host.
func (t Target) Address() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// Components are the component names a target may give (component=host:port).
func Components() []string {
	return []string{Kubelet, KubeletReadOnly, Etcd, EtcdPeer, APIServer, APIServerInsecure}
}

func knownComponent(c string) bool {
	for _, k := range Components() {
		if k == c {
			return true
		}
	}
	return false
}

// ComponentOfPort is the component a port is the default of, or Unknown.
func ComponentOfPort(port int) string {
	for _, d := range DefaultPorts {
		if d.Port == port {
			return d.Component
		}
	}
	return Unknown
}

// ParseTargets turns arguments into targets, in order and without duplicates: "10.0.0.5" and
// "node1.example" (every default port), "10.0.0.5:10250" and "[::1]:2379" (one port, its
// component to be identified from its answers, its port's default from DefaultPorts a hint),
// "kube-apiserver=10.0.0.5:8443" (a component named on a port of its own), "10.0.0.0/28"
// (every address of the range, on every default port). The addresses of all the arguments
// together may not exceed maxAddresses
// (DefaultMaxAddresses when <= 0): a typo such as /8 for /28 must not turn into a scan of 16
// million hosts.
func ParseTargets(args []string, maxAddresses int) ([]Target, error) {
	if maxAddresses <= 0 {
		maxAddresses = DefaultMaxAddresses
	}
	var out []Target
	seen := map[Target]bool{}
	add := func(t Target) {
		key := Target{Host: t.Host, Port: t.Port}
		if !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
	}
	addresses := 0
	for _, arg := range args {
		component, rest, named := strings.Cut(arg, "=")
		if !named {
			rest = arg
		} else if !knownComponent(component) {
			return nil, fmt.Errorf("target %q: unknown component %q (want one of %s)", arg, component, strings.Join(Components(), ", "))
		}
		hosts, port, err := parseTarget(rest, maxAddresses-addresses, maxAddresses)
		if err != nil {
			return nil, err
		}
		if named && port == 0 {
			return nil, fmt.Errorf("target %q: a component names one port: write %s=HOST:PORT", arg, component)
		}
		addresses += len(hosts)
		for _, h := range hosts {
			if port != 0 {
				c := ComponentOfPort(port)
				if named {
					c = component
				}
				add(Target{Host: h, Port: port, Component: c, Named: named, PortNamed: true})
				continue
			}
			for _, d := range DefaultPorts {
				add(Target{Host: h, Port: d.Port, Component: d.Component})
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no target given: name hosts, host:port or CIDR ranges, or use --from-cluster")
	}
	return out, nil
}

// parseTarget parses one argument into its hosts and its port (0: the default ports). room is
// how many more addresses may be added, of limit in all.
func parseTarget(arg string, room, limit int) (hosts []string, port int, err error) {
	s := strings.TrimSpace(arg)
	bad := func(why string) error { return fmt.Errorf("target %q: %s", arg, why) }
	switch {
	case s == "":
		return nil, 0, bad("empty")
	case len(s) > maxTargetLength:
		return nil, 0, bad("too long")
	case strings.Contains(s, "://"):
		return nil, 0, bad("want a host, host:port or CIDR range, not a URL")
	case strings.Contains(s, "/"):
		hosts, err := expandPrefix(s, room, limit)
		if err != nil {
			return nil, 0, bad(err.Error())
		}
		return hosts, 0, nil
	}
	host := s
	if h, p, splitErr := net.SplitHostPort(s); splitErr == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, 0, bad(fmt.Sprintf("port %q is not a number from 1 to 65535", p))
		}
		host, port = h, n
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1] // "[::1]" without a port
	} else if strings.Count(s, ":") == 1 {
		return nil, 0, bad(splitErr.Error())
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return nil, 0, bad("IPv6 zones are not supported")
		}
		host = addr.Unmap().String()
	} else if strings.Contains(host, ":") {
		return nil, 0, bad("not an IP address (an IPv6 address with a port is written [::1]:2379)")
	} else if err := validHostname(host); err != nil {
		return nil, 0, bad(err.Error())
	}
	if room < 1 {
		return nil, 0, bad(fmt.Sprintf("more than the limit of %d addresses in all (raise --max-addresses)", limit))
	}
	return []string{host}, port, nil
}

// validHostname checks a DNS name: labels of letters, digits, hyphens and underscores.
func validHostname(h string) error {
	if h == "" {
		return errors.New("no host")
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > maxHostnameLabelChars {
			return fmt.Errorf("%q is not a host name", h)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("%q is not a host name or IP address", h)
			}
		}
	}
	return nil
}

// expandPrefix lists every address of a CIDR range, refusing one of more than room addresses
// (of limit in all).
func expandPrefix(s string, room, limit int) ([]string, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return nil, fmt.Errorf("not a CIDR range: %v", err)
	}
	hostBits := p.Addr().BitLen() - p.Bits()
	// 1<<hostBits, without overflowing: anything of 2^31 addresses or more is refused anyway.
	if hostBits >= 31 || 1<<hostBits > room {
		size := "2^" + strconv.Itoa(hostBits)
		if hostBits < 31 {
			size = strconv.Itoa(1 << hostBits)
		}
		return nil, fmt.Errorf("the range has %s addresses, more than the limit of %d in all (narrow the range or raise --max-addresses)", size, limit)
	}
	n := 1 << hostBits
	out := make([]string, 0, n)
	for a, i := p.Masked().Addr(), 0; i < n && a.IsValid(); a, i = a.Next(), i+1 {
		out = append(out, a.Unmap().String())
	}
	return out, nil
}

// FromCluster lists the targets of a cluster: the API server named by cfg (its host and port,
// as component kube-apiserver whatever the port), then every InternalIP and ExternalIP of its
// Nodes on the default ports. It only lists Nodes.
func FromCluster(ctx context.Context, cfg *rest.Config) ([]Target, error) {
	api, err := apiServerTarget(cfg.Host)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", cfg.Host, err)
	}
	var hosts []string
	opts := metav1.ListOptions{Limit: 500}
	for {
		nodes, err := client.CoreV1().Nodes().List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("listing the nodes of %s: %w", cfg.Host, err)
		}
		for _, n := range nodes.Items {
			for _, a := range n.Status.Addresses {
				if a.Type == corev1.NodeInternalIP || a.Type == corev1.NodeExternalIP {
					hosts = append(hosts, a.Address)
				}
			}
		}
		if nodes.Continue == "" {
			break
		}
		opts.Continue = nodes.Continue
	}
	out := []Target{api}
	seen := map[Target]bool{{Host: api.Host, Port: api.Port}: true}
	for _, h := range hosts {
		if addr, err := netip.ParseAddr(h); err == nil {
			h = addr.Unmap().String()
		}
		for _, d := range DefaultPorts {
			key := Target{Host: h, Port: d.Port}
			if !seen[key] {
				seen[key] = true
				out = append(out, Target{Host: h, Port: d.Port, Component: d.Component})
			}
		}
	}
	return out, nil
}

// apiServerTarget is the API server of a kubeconfig's server URL.
func apiServerTarget(server string) (Target, error) {
	u, err := url.Parse(server)
	if err != nil || u.Hostname() == "" {
		if err == nil && !strings.Contains(server, "://") {
			u, err = url.Parse("https://" + server)
		}
		if err != nil || u.Hostname() == "" {
			return Target{}, fmt.Errorf("reading the API server's address %q: not a URL", server)
		}
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return Target{}, fmt.Errorf("reading the API server's address %q: bad port", server)
		}
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		host = addr.Unmap().String()
	}
	return Target{Host: host, Port: port, Component: APIServer, Named: true}, nil
}
