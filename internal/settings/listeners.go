package settings

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/inventory"
)

// Serves names what a component's listener serves.
type Serves string

// What listeners serve.
const (
	KubeletAPI        Serves = "kubelet"
	KubeletReadOnly   Serves = "kubelet-read-only"
	EtcdClient        Serves = "etcd"
	EtcdPeer          Serves = "etcd-peer"
	APIServer         Serves = "kube-apiserver"
	APIServerInsecure Serves = "kube-apiserver-insecure"
)

// Listener is an address a component listens on, by its own settings.
type Listener struct {
	Serves Serves
	// Host is the address as the settings give it: "", 0.0.0.0 or :: for every address.
	Host string
	Port int
	// From says which settings gave the address and where they came from:
	// "kube-apiserver (process /proc/7/cmdline) flag --secure-port=6443, --bind-address=0.0.0.0 (default)".
	From string
}

// Listeners are the addresses the component listens on by its settings: the kubelet's port
// and read-only port (0: off), etcd's --listen-client-urls, --listen-client-http-urls and
// --listen-peer-urls (unix sockets left out), the API server's --secure-port on its
// --bind-address and its legacy --insecure-port, when not 0, on --insecure-bind-address. A
// setting that cannot be read as an address is an error, and the listeners the others give
// are still returned. Other components have none Palisade derives.
func (s *Component) Listeners() ([]Listener, error) {
	switch s.Of.Kind {
	case inventory.Kubelet:
		return s.kubeletListeners(), nil
	case inventory.Etcd:
		return s.etcdListeners()
	case inventory.KubeAPIServer:
		return s.apiServerListeners()
	}
	return nil, nil
}

// kubeletListeners are the kubelet's API port and read-only port on its address, from its
// effective configuration.
func (s *Component) kubeletListeners() []Listener {
	addr := s.kubelet.Get("address")
	var out []Listener
	for _, p := range []struct {
		field  string
		serves Serves
	}{{"port", KubeletAPI}, {"readOnlyPort", KubeletReadOnly}} {
		port := s.kubelet.Get(p.field)
		n, err := strconv.Atoi(port.Value)
		if err != nil || n <= 0 || n > 65535 {
			continue // 0 is off; a value the kubelet would refuse serves nothing
		}
		out = append(out, Listener{Serves: p.serves, Host: addr.Value, Port: n, From: port.String() + ", " + addr.String()})
	}
	return out
}

// etcdListeners are etcd's client and peer listeners: --listen-client-urls and
// --listen-client-http-urls (both serve clients) and --listen-peer-urls.
func (s *Component) etcdListeners() ([]Listener, error) {
	var (
		out  []Listener
		errs []string
	)
	for _, l := range []struct {
		flag   string
		serves Serves
	}{{"listen-client-urls", EtcdClient}, {"listen-client-http-urls", EtcdClient}, {"listen-peer-urls", EtcdPeer}} {
		setting := s.Get(l.flag)
		source := setting.Source()
		if !setting.Set() {
			source = "etcd's default --" + l.flag
		}
		for _, raw := range strings.Split(setting.Value, ",") {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			host, port, err := listenURL(raw)
			if err != nil {
				errs = append(errs, fmt.Sprintf("--%s %q: %v", l.flag, raw, err))
				continue
			}
			if port == 0 {
				continue // a unix socket
			}
			out = append(out, Listener{Serves: l.serves, Host: host, Port: port, From: source + "=" + raw})
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

// apiServerListeners are the API server's secure port on its bind address and, when set and
// not 0, its legacy insecure port on the insecure bind address.
func (s *Component) apiServerListeners() ([]Listener, error) {
	var out []Listener
	for _, l := range []struct {
		port, bind string
		serves     Serves
	}{{"secure-port", "bind-address", APIServer}, {"insecure-port", "insecure-bind-address", APIServerInsecure}} {
		port, portFrom, err := s.port(l.port)
		if err != nil {
			return out, err
		}
		if port == 0 {
			continue
		}
		bind := s.Get(l.bind)
		out = append(out, Listener{Serves: l.serves, Host: bind.Value, Port: port, From: portFrom + ", " + bind.Evidence()})
	}
	return out, nil
}

// port reads a port setting, 0 to 65535, and says where it came from.
func (s *Component) port(name string) (int, string, error) {
	v := s.Get(name)
	n, err := strconv.Atoi(strings.TrimSpace(v.Value))
	if err != nil || n < 0 || n > 65535 {
		return 0, "", fmt.Errorf("--%s %q: want a port, 0 to 65535", name, v.Value)
	}
	if !v.Set() {
		return n, v.Evidence(), nil
	}
	return n, fmt.Sprintf("%s=%d", v.Source(), n), nil
}
