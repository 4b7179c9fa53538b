// Package etcd asks an etcd endpoint, the way an attacker would and without doing harm, what
// it serves: its version, whether a caller without credentials can read its keys (through
// the v3 gRPC gateway, counting keys without fetching a value), and, with the client
// certificate the user gave, how the API server stored a bounded sample of Secrets: encrypted
// by which provider and key, or in plain text. It records each request and a summary of its
// answer in the endpoint, and judges nothing: the rules of internal/rules/etcdprobe do.
//
// It never prints, logs or keeps a value read from etcd. A Secret's stored value is reduced
// to its form (Classify, on at most its first classifyPrefix bytes) while the answer is
// parsed, and the answer's buffer is cleared once parsed. etcd v2's /v2/keys, which
// kube-hunter probed, is gone from etcd v3.4 and later, so it is not asked.
//
// It gives each answer the rules judge a kind (inventory.AnswerKind) and the proof's counts
// (inventory.SecretsSample): the rules judge by those; the summaries are for people.
package etcd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
)

// DefaultPrefix is the API server's default --etcd-prefix.
const DefaultPrefix = "/registry"

// DefaultSample is how many Secrets the encryption proof reads by default: enough to see a
// partly encrypted store, bounded so that the proof reads little of etcd.
const DefaultSample = 50

// Paths etcd answers on its client port.
const (
	VersionPath = "/version"
	RangePath   = "/v3/kv/range"
)

// ProofPageSummary begins the summaries of the encryption proof's later pages, which no rule
// judges: the first page's answer holds the proof.
const ProofPageSummary = "encryption proof, continued: "

// Options are what the prober is told besides the endpoint.
type Options struct {
	// Prefix is the API server's --etcd-prefix ("" means DefaultPrefix).
	Prefix string
	// Sample bounds the Secrets the encryption proof reads (<= 0 means DefaultSample).
	Sample int
}

// Probe asks c's endpoint with the default options.
func Probe(ctx context.Context, c *conn.Conn) { Options{}.Probe(ctx, c) }

// Probe asks c's endpoint (etcd's client port, or its peer port) what it serves. Without
// credentials it asks GET /version and a count-only range of every key under the prefix,
// unless the endpoint refuses TLS clients without a certificate. With c.ClientTLS it proves
// how Secrets are stored, on the client port.
func (o Options) Probe(ctx context.Context, c *conn.Conn) {
	ep := c.Endpoint
	if !ep.Reachable || ep.Protocol == "" {
		return
	}
	certRequired := ep.TLS != nil && ep.TLS.ClientCertRequired
	if !certRequired {
		askVersion(ctx, c, "")
		o.anonymousRange(ctx, c)
	}
	if c.ClientTLS == nil {
		return
	}
	creds, done := credentialed(c)
	defer done()
	if certRequired {
		askVersion(ctx, creds, ", asked with the client certificate given")
	}
	if ep.Component != "etcd-peer" && ctx.Err() == nil {
		o.prove(ctx, creds)
	}
}

// prefix is the key prefix of the API server's objects, with a trailing slash.
func (o Options) prefix() string {
	p := path.Join("/", o.Prefix)
	if o.Prefix == "" {
		p = DefaultPrefix
	}
	if p == "/" {
		return p
	}
	return p + "/"
}

// credentialed is c speaking with the client certificate and CA the user gave over TLS (and
// c itself over plain HTTP, where a certificate has no use), and what closes it.
func credentialed(c *conn.Conn) (*conn.Conn, func()) {
	if c.Endpoint.Protocol != "https" {
		return c, func() {}
	}
	transport := &http.Transport{
		Proxy:                  nil,
		TLSClientConfig:        c.ClientTLS.Clone(),
		TLSHandshakeTimeout:    c.Timeout,
		ResponseHeaderTimeout:  c.Timeout,
		MaxIdleConnsPerHost:    1,
		MaxResponseHeaderBytes: 1 << 20,
		DisableCompression:     true,
	}
	creds := *c
	creds.HTTP = &http.Client{
		Transport: transport,
		// The certificate is for this endpoint: never follow an answer elsewhere with it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &creds, transport.CloseIdleConnections
}

// versionPattern is what a version reported by etcd looks like; anything else is not shown.
var versionPattern = regexp.MustCompile(`^[0-9A-Za-z.+-]{1,40}$`)

// askVersion asks GET /version and summarises the versions etcd reports.
func askVersion(ctx context.Context, c *conn.Conn, how string) {
	status, data, i, err := c.Do(ctx, http.MethodGet, VersionPath, nil, nil, 4<<10)
	if err != nil {
		switch {
		case certificateRefused(err) && how != "":
			c.Summarise(i, "refused: etcd refused the client certificate given")
		case certificateRefused(err):
			c.Summarise(i, "refused: etcd requires a client certificate")
		}
		return
	}
	if status != http.StatusOK {
		c.Summarise(i, fmt.Sprintf("no version: HTTP %d", status))
		return
	}
	var v struct {
		Server  string `json:"etcdserver"`
		Cluster string `json:"etcdcluster"`
	}
	if json.Unmarshal(data, &v) != nil || !versionPattern.MatchString(v.Server) {
		c.Summarise(i, fmt.Sprintf("unexpected answer: not etcd's version (%d bytes)", len(data)))
		c.Recognise(i, inventory.AnswerUnexpected)
		return
	}
	summary := "etcd " + v.Server
	if versionPattern.MatchString(v.Cluster) {
		summary += " (cluster version " + v.Cluster + ")"
	}
	c.Summarise(i, summary+how)
	c.Recognise(i, inventory.AnswerEtcdVersion)
}

// rangeRequest is the gateway's JSON form of etcdserverpb.RangeRequest. Reads are
// serializable: answered by the member asked, without a round of consensus.
type rangeRequest struct {
	Key          []byte `json:"key"`
	RangeEnd     []byte `json:"range_end"`
	Limit        int64  `json:"limit,omitempty"`
	CountOnly    bool   `json:"count_only,omitempty"`
	KeysOnly     bool   `json:"keys_only,omitempty"`
	Serializable bool   `json:"serializable"`
}

// askRange posts a range request and returns what etcd answered.
func askRange(ctx context.Context, c *conn.Conn, req rangeRequest, limit int64) (status int, data []byte, index int, err error) {
	body, err := json.Marshal(req)
	if err != nil {
		return 0, nil, -1, fmt.Errorf("encoding a range request: %w", err)
	}
	header := http.Header{"Content-Type": {"application/json"}}
	return c.Do(ctx, http.MethodPost, RangePath, bytes.NewReader(body), header, limit)
}

// prefixEnd is the end of the range of every key that begins with prefix (etcd's
// clientv3.GetPrefixRangeEnd).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	// Every byte is 0xff: the range runs to the end of the keyspace.
	return []byte{0}
}

// anonymousRange counts the keys under the prefix as a caller without credentials: a
// count-only range, which returns no key and no value.
func (o Options) anonymousRange(ctx context.Context, c *conn.Conn) {
	prefix := o.prefix()
	req := rangeRequest{Key: []byte(prefix), RangeEnd: prefixEnd([]byte(prefix)), CountOnly: true, Serializable: true}
	status, data, i, err := askRange(ctx, c, req, 64<<10)
	if i < 0 {
		return
	}
	summary, kind := describeCount(status, data, err, prefix)
	c.Summarise(i, summary)
	c.Recognise(i, kind)
}

// describeCount says what a count-only range answer showed, and what it is.
func describeCount(status int, data []byte, err error, prefix string) (string, inventory.AnswerKind) {
	switch {
	case err != nil && certificateRefused(err):
		return "keys not readable: etcd requires a client certificate", inventory.AnswerKeysRefused
	case err != nil:
		return "no answer", inventory.AnswerKeysUnproven
	case status == http.StatusOK:
		r, perr := parseRange(data)
		if perr != nil {
			return fmt.Sprintf("unexpected answer: HTTP 200 that is not an etcd range answer (%d bytes)", len(data)), inventory.AnswerKeysUnproven
		}
		return fmt.Sprintf("%s readable under %s", plural(r.Count, "key"), prefix), inventory.AnswerKeysCounted
	case status == http.StatusNotFound:
		return "keys not readable: no v3 gateway at this port (HTTP 404)", inventory.AnswerKeysRefused
	}
	if msg, ok := etcdError(data); ok {
		return fmt.Sprintf("keys not readable: etcd answered HTTP %d: %s", status, msg), inventory.AnswerKeysRefused
	}
	return fmt.Sprintf("unexpected answer: HTTP %d that is not etcd's (%d bytes)", status, len(data)), inventory.AnswerKeysUnproven
}

// plural is n and noun, in the plural unless n is 1.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// certificateRefused reports whether err is a TLS server's refusal for want of a client
// certificate (an alert "certificate required", TLS 1.3, or "bad certificate", TLS 1.2).
func certificateRefused(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "certificate required") || strings.Contains(msg, "bad certificate")
}
