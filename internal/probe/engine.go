package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
	"palisade.dev/palisade/internal/probe/identify"
)

// Defaults of a Request.
const (
	DefaultConcurrency = 32
	DefaultTimeout     = 3 * time.Second
	DefaultDeadline    = 60 * time.Second
)

// NotProbed is the Error of an endpoint the run's deadline came before.
const NotProbed = "deadline reached before probing"

// Prober asks one component's endpoint what it serves, through c, and records the answers in
// c.Endpoint. It must only read unless c.Active, and must return when ctx is done.
type Prober func(ctx context.Context, c *conn.Conn)

// Posture scans the TLS posture of an endpoint (the protocol versions and weak cipher suites it
// accepts), each handshake bounded by timeout.
type Posture func(ctx context.Context, host string, port int, timeout time.Duration) *inventory.TLSFacts

// Request is one probe run.
type Request struct {
	Targets []Target
	// Concurrency bounds the endpoints probed at once (DefaultConcurrency when <= 0).
	Concurrency int
	// Timeout bounds each connection, handshake and request (DefaultTimeout when <= 0).
	Timeout time.Duration
	// Deadline bounds the whole run (DefaultDeadline when <= 0); endpoints not reached
	// before it are reported with Error NotProbed.
	Deadline time.Duration
	// Active lets probers make requests that could change state or execute.
	Active bool
	// Probers ask the endpoints of each component (by Target.Component); an endpoint of a
	// component without a prober is only detected.
	Probers map[string]Prober
	// ClientTLS are credentials the user gave, by component (etcd's client certificate).
	ClientTLS map[string]*tls.Config
	// Posture, when set, scans the TLS posture of every endpoint that speaks TLS.
	Posture Posture
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Run probes every target and returns one endpoint per target, in target order. It never
// fails: what could not be learnt about an endpoint is in its Error.
func Run(ctx context.Context, req Request) []*inventory.Endpoint {
	if req.Concurrency <= 0 {
		req.Concurrency = DefaultConcurrency
	}
	if req.Timeout <= 0 {
		req.Timeout = DefaultTimeout
	}
	if req.Deadline <= 0 {
		req.Deadline = DefaultDeadline
	}
	if req.Now == nil {
		req.Now = time.Now
	}
	ctx, cancel := context.WithTimeout(ctx, req.Deadline)
	defer cancel()
	eps := make([]*inventory.Endpoint, len(req.Targets))
	for i, t := range req.Targets {
		eps[i] = &inventory.Endpoint{Host: t.Host, Port: t.Port, Address: t.Address(), Component: t.Component}
	}
	sem := make(chan struct{}, req.Concurrency)
	var wg sync.WaitGroup
	for i, ep := range eps {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for _, rest := range eps[i:] {
				rest.Error = NotProbed
			}
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			probeEndpoint(ctx, &req, req.Targets[i], ep)
		})
	}
	wg.Wait()
	return eps
}

// probeEndpoint detects what ep speaks, tells which component it is unless t names it, and
// hands it to its component's prober. A prober that panics fails its endpoint, not the run.
func probeEndpoint(ctx context.Context, req *Request, t Target, ep *inventory.Endpoint) {
	ep.ProbedAt = req.Now()
	defer func() {
		if r := recover(); r != nil {
			ep.Error = fmt.Sprintf("probing failed: %v", r)
		}
	}()
	detect(ctx, ep, req.Timeout)
	if !ep.Reachable || ep.Protocol == "" {
		if !t.Named && ep.Reachable && strings.HasPrefix(ep.Error, unexpectedAnswer) {
			// It answers, in neither TLS nor HTTP: no component Palisade knows.
			ep.Component, ep.Identified = Unknown, "neither a TLS nor an HTTP answer"
		}
		return
	}
	if ep.TLS != nil && req.Posture != nil {
		if p := req.Posture(ctx, ep.Host, ep.Port, req.Timeout); p != nil {
			ep.TLS.Versions, ep.TLS.WeakCiphers = p.Versions, p.WeakCiphers
			ep.TLS.ClientCertRequired = ep.TLS.ClientCertRequired || p.ClientCertRequired
			if p.VerifiedBy != "" || p.VerifyError != "" {
				ep.TLS.VerifiedBy, ep.TLS.VerifyError = p.VerifiedBy, p.VerifyError
			}
			if len(ep.TLS.Chain) == 0 {
				ep.TLS.Chain = p.Chain
			}
		}
	}
	if ctx.Err() != nil {
		return
	}
	c := newConn(ep, req)
	defer c.HTTP.CloseIdleConnections()
	if !t.Named {
		identifyEndpoint(ctx, c, t.Component)
	}
	prober := req.Probers[ep.Component]
	if prober == nil || ctx.Err() != nil {
		return
	}
	c.ClientTLS = req.ClientTLS[ep.Component]
	prober(ctx, c)
}

// identifyEndpoint tells which component c's endpoint is from what it answers, expected (its
// port's default, or Unknown) deciding between components the answers fit alike. An
// endpoint whose answers fit no component becomes Unknown; one that gave no HTTP answer
// keeps what it was expected to be.
func identifyEndpoint(ctx context.Context, c *conn.Conn, expected string) {
	ep := c.Endpoint
	certRequired := ep.TLS != nil && ep.TLS.ClientCertRequired
	id := identify.Endpoint(ctx, c.Peek, ep.Protocol, certRequired)
	if !id.Answered {
		return
	}
	ep.Identified = id.Evidence
	if component := id.Resolve(expected); component != "" {
		ep.Component = component
		return
	}
	ep.Component = Unknown
}

// Unidentified says why ep, which answers, was judged as no component, and how the user can
// name its component; ok is false for an endpoint that was identified, named, or did not
// answer.
func Unidentified(ep *inventory.Endpoint) (why string, ok bool) {
	if ep.Component != Unknown || ep.Identified == "" {
		return "", false
	}
	if ep.TLS != nil && ep.TLS.ClientCertRequired {
		return fmt.Sprintf("%s requires a client certificate, so what it answers cannot tell which component it is "+
			"(etcd's client and peer ports do so with client certificate authentication): name it, as %s=%s or %s=%s",
			ep.Address, Etcd, ep.Address, EtcdPeer, ep.Address), true
	}
	return fmt.Sprintf("%s answers, but as none of the components Palisade probes (%s): if it is one, name it, as "+
		"COMPONENT=%s with COMPONENT one of %s", ep.Address, ep.Identified, ep.Address, strings.Join(Components(), ", ")), true
}

// newConn is the connection identification and a prober get (without the prober's
// credentials, set once the component is known): an HTTP client in the endpoint's protocol that
// sends no credentials, trusts no proxy, follows no redirect, verifies no server (the chain is
// in ep.TLS) and keeps its connection open between a prober's requests.
func newConn(ep *inventory.Endpoint, req *Request) *conn.Conn {
	dialer := &net.Dialer{Timeout: req.Timeout}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        detectionTLS(ep.Host, nil),
		TLSHandshakeTimeout:    req.Timeout,
		ResponseHeaderTimeout:  req.Timeout,
		MaxIdleConnsPerHost:    1,
		MaxResponseHeaderBytes: 1 << 20,
		DisableCompression:     true,
	}
	scheme := "http"
	if ep.Protocol == "https" {
		scheme = "https"
	}
	return &conn.Conn{
		Endpoint: ep,
		HTTP: &http.Client{
			Transport:     transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		BaseURL: scheme + "://" + ep.Address,
		Active:  req.Active,
		Timeout: req.Timeout,
	}
}
