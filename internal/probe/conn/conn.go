// Package conn is what a component's prober is handed for one endpoint: an HTTP client that
// speaks the endpoint's protocol without any credentials, bounded reads and timeouts, and the
// record of what was asked and answered. It owns that contract between the probe engine (which
// finds endpoints, their protocol and TLS facts) and the component probers (kubelet, etcd, API
// server), and nothing that judges an answer.
package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"palisade.dev/palisade/internal/inventory"
)

// MaxBody bounds what is read of one answer: enough to summarise a pod list, never a reason
// to keep a large answer in memory.
const MaxBody = 8 << 20

// Conn is one endpoint's connection for probers.
type Conn struct {
	Endpoint *inventory.Endpoint
	// HTTP speaks Endpoint.Protocol, with no credentials and, over TLS, without verifying the
	// server (the engine records the chain in Endpoint.TLS): a probe asks as an attacker would.
	HTTP *http.Client
	// BaseURL is "https://host:port" or "http://host:port".
	BaseURL string
	// Active allows requests that could change state or execute; without it probers only
	// read, and may only make requests that cannot execute anything (such as POST /run on a
	// pod that does not exist).
	Active bool
	// ClientTLS, when set, holds credentials the user gave for this endpoint (etcd's client
	// certificate and CA), for proofs that need them.
	ClientTLS *tls.Config
	// Timeout bounds each request.
	Timeout time.Duration
}

// Do makes one request, reads at most limit bytes of the answer (MaxBody when limit <= 0),
// records it in the endpoint's answers, and returns it for the prober to summarise. summary
// is filled in by the caller through the returned answer's index, see Summarise.
func (c *Conn) Do(ctx context.Context, method, path string, body io.Reader, header http.Header, limit int64) (status int, data []byte, index int, err error) {
	status, data, err = c.exchange(ctx, method, path, body, header, limit)
	return status, data, c.record(method, path, status, err), err
}

// Peek asks GET path without recording it in the endpoint's answers, and reads at most limit
// bytes of the answer (MaxBody when limit <= 0): for telling what the endpoint is before its
// component's prober asks it anything. Reading less than the whole answer is no error.
func (c *Conn) Peek(ctx context.Context, path string, limit int64) (status int, data []byte, err error) {
	return c.exchange(ctx, http.MethodGet, path, nil, nil, limit)
}

// exchange makes one request and reads at most limit bytes of the answer.
func (c *Conn) exchange(ctx context.Context, method, path string, body io.Reader, header http.Header, limit int64) (status int, data []byte, err error) {
	if limit <= 0 {
		limit = MaxBody
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return 0, nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return resp.StatusCode, data, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, data, nil
}

// Summarise sets what answer index disclosed (with every value redacted).
func (c *Conn) Summarise(index int, summary string) {
	if index >= 0 && index < len(c.Endpoint.Answers) {
		c.Endpoint.Answers[index].Summary = summary
	}
}

// Recognise sets what answer index was recognised as, for the rules to judge by.
func (c *Conn) Recognise(index int, kind inventory.AnswerKind) {
	if index >= 0 && index < len(c.Endpoint.Answers) {
		c.Endpoint.Answers[index].Kind = kind
	}
}

func (c *Conn) record(method, path string, status int, err error) int {
	a := inventory.Answer{Method: method, Path: path, Status: status}
	if err != nil {
		a.Error = Describe(err)
	}
	c.Endpoint.Answers = append(c.Endpoint.Answers, a)
	return len(c.Endpoint.Answers) - 1
}

// Describe says in a few words why a request got no answer: refused, timed out, reset, or the
// error itself.
func Describe(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case isRefused(err):
		return "connection refused"
	}
	return err.Error()
}

func isRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
