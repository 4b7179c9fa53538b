package etcd

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
)

// Proof is what the encryption proof found: how many Secrets are stored, how many it read,
// and how each read one was stored. It holds no key and no value.
type Proof struct {
	// Prefix is where Secrets are stored: the etcd prefix and secrets/.
	Prefix string
	// Total is the number of Secrets under Prefix; Sampled how many were read.
	Total, Sampled int
	// Stored counts the Secrets read by how they were stored.
	Stored map[Storage]int
	// Stopped says why the proof read fewer Secrets than it could, or is "".
	Stopped string
}

// Encrypted and Plain are the Secrets read that were stored encrypted and in plain text.
func (p *Proof) Encrypted() int { return p.count(func(s Storage) bool { return s.Kind == Encrypted }) }

// Plain counts the Secrets read stored unencrypted, in protobuf or JSON.
func (p *Proof) Plain() int {
	return p.count(func(s Storage) bool { return s.Kind == PlainProtobuf || s.Kind == PlainJSON })
}

func (p *Proof) count(match func(Storage) bool) int {
	n := 0
	for s, c := range p.Stored {
		if match(s) {
			n += c
		}
	}
	return n
}

// String is the proof's summary: "20 of 20 Secrets under /registry/secrets/ sampled: 20
// encrypted with aescbc (key key1)", the forms by count, most first.
func (p *Proof) String() string {
	if p.Total == 0 && p.Sampled == 0 {
		return "no Secrets under " + p.Prefix
	}
	forms := make([]Storage, 0, len(p.Stored))
	for s := range p.Stored {
		forms = append(forms, s)
	}
	slices.SortFunc(forms, func(a, b Storage) int {
		if c := cmp.Compare(p.Stored[b], p.Stored[a]); c != 0 {
			return c
		}
		return cmp.Compare(a.String(), b.String())
	})
	parts := make([]string, len(forms))
	for i, s := range forms {
		parts[i] = fmt.Sprintf("%d %s", p.Stored[s], s)
	}
	out := fmt.Sprintf("%d of %d Secrets under %s sampled: %s", p.Sampled, p.Total, p.Prefix, strings.Join(parts, ", "))
	if p.Stopped != "" {
		out += " (stopped: " + p.Stopped + ")"
	}
	return out
}

// Sample is the proof's counts, for the rules.
func (p *Proof) Sample() *inventory.SecretsSample {
	return &inventory.SecretsSample{Prefix: p.Prefix, Total: p.Total, Sampled: p.Sampled, Encrypted: p.Encrypted(), Plain: p.Plain()}
}

// prove reads at most o.Sample Secrets through c, which carries the user's credentials, and
// records how they were stored in the answer to the first request.
func (o Options) prove(ctx context.Context, c *conn.Conn) {
	p, first := o.sample(ctx, c)
	if first >= 0 && p != nil {
		c.Summarise(first, p.String())
		c.Recognise(first, inventory.AnswerSecretsSampled)
		c.Endpoint.Answers[first].Secrets = p.Sample()
	}
}

// sample reads Secrets page by page: each page a range from the key after the last one read,
// as many Secrets as are still wanted, its answer bounded by conn.MaxBody. A page whose
// answer reaches the bound may be cut short, so it is asked again with half as many Secrets.
// It returns the proof (nil when none could be made, the first answer then saying why) and
// the index of the first answer.
func (o Options) sample(ctx context.Context, c *conn.Conn) (*Proof, int) {
	want := o.Sample
	if want <= 0 {
		want = DefaultSample
	}
	prefix := []byte(o.prefix() + "secrets/")
	end := prefixEnd(prefix)
	p := &Proof{Prefix: string(prefix), Stored: map[Storage]int{}}
	first := -1
	start, page := prefix, want
	for p.Sampled < want && ctx.Err() == nil {
		page = min(page, want-p.Sampled)
		req := rangeRequest{Key: start, RangeEnd: end, Limit: int64(page), Serializable: true}
		status, data, i, err := askRange(ctx, c, req, conn.MaxBody)
		r, perr := parsePage(status, data, err)
		clear(data) // the answer held values: keep none of it
		if i < 0 {
			return nil, first
		}
		if first < 0 {
			first = i
		}
		if perr != nil && len(data) >= conn.MaxBody && page > 1 {
			c.Summarise(i, fmt.Sprintf("%sanswer of %d Secrets reached the %d MiB bound; asked again for %d", ProofPageSummary, page, conn.MaxBody>>20, page/2))
			page /= 2
			continue
		}
		if perr != nil {
			if p.Sampled == 0 {
				c.Summarise(i, "not made: "+perr.Error())
				c.Recognise(i, inventory.AnswerSecretsUnproven)
				return nil, first
			}
			p.Stopped = perr.Error()
			c.Summarise(i, ProofPageSummary+"stopped: "+perr.Error())
			break
		}
		if p.Sampled == 0 {
			p.Total = int(r.Count)
		}
		if i != first {
			c.Summarise(i, fmt.Sprintf("%s%d Secrets read", ProofPageSummary, len(r.Keys)))
		}
		for _, s := range r.Stored {
			p.Stored[s]++
		}
		p.Sampled += len(r.Keys)
		if !r.More || len(r.Keys) == 0 {
			break
		}
		// The next page starts just after the last key read.
		start = append(r.Keys[len(r.Keys)-1], 0)
	}
	return p, first
}

// parsePage reads one page of the proof, or says why it holds none.
func parsePage(status int, data []byte, err error) (rangeAnswer, error) {
	switch {
	case err != nil && certificateRefused(err):
		return rangeAnswer{}, fmt.Errorf("etcd refused the client certificate given")
	case err != nil:
		return rangeAnswer{}, fmt.Errorf("no answer: %s", conn.Describe(err))
	case status != http.StatusOK:
		if msg, ok := etcdError(data); ok {
			return rangeAnswer{}, fmt.Errorf("etcd answered HTTP %d: %s", status, msg)
		}
		return rangeAnswer{}, fmt.Errorf("unexpected answer: HTTP %d that is not etcd's", status)
	}
	r, err := parseRange(data)
	if err != nil {
		// Said without the parser's words, which may quote a character of the answer.
		return rangeAnswer{}, fmt.Errorf("unexpected answer: HTTP 200 that is not an etcd range answer (%d bytes)", len(data))
	}
	return r, nil
}
