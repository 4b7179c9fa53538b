package etcd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
)

// gateway is a stand-in for etcd's gRPC gateway over a fixed keyspace, answering ranges as
// etcd does (sorted keys, limit, count of the whole range, count-only and keys-only), for
// the cases a real etcd cannot be made to show (answers beyond the bound, nonsense).
type gateway struct {
	kv map[string][]byte
	// requests counts the ranges asked.
	requests int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case VersionPath:
		fmt.Fprint(w, `{"etcdserver":"3.7.0","etcdcluster":"3.7.0"}`)
		return
	case RangePath:
	default:
		http.NotFound(w, r)
		return
	}
	g.requests++
	var req rangeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"code":3,"message":%q}`, err.Error())
		return
	}
	var keys []string
	for k := range g.kv {
		if k >= string(req.Key) && (len(req.RangeEnd) == 0 || k < string(req.RangeEnd)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	type kv struct {
		Key   []byte `json:"key"`
		Value []byte `json:"value,omitempty"`
	}
	resp := struct {
		Header map[string]string `json:"header"`
		Kvs    []kv              `json:"kvs,omitempty"`
		More   bool              `json:"more,omitempty"`
		Count  string            `json:"count,omitempty"`
	}{Header: map[string]string{"revision": "7"}}
	if len(keys) > 0 {
		resp.Count = fmt.Sprint(len(keys))
	}
	if !req.CountOnly {
		if req.Limit > 0 && int64(len(keys)) > req.Limit {
			keys, resp.More = keys[:req.Limit], true
		}
		for _, k := range keys {
			item := kv{Key: []byte(k)}
			if !req.KeysOnly {
				item.Value = g.kv[k]
			}
			resp.Kvs = append(resp.Kvs, item)
		}
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// fakeConn is the connection the engine would hand over for a plain HTTP endpoint at srv.
func fakeConn(srv *httptest.Server, component string) *conn.Conn {
	addr := strings.TrimPrefix(srv.URL, "http://")
	return &conn.Conn{
		Endpoint: &inventory.Endpoint{Host: "127.0.0.1", Address: addr, Component: component, Reachable: true, Protocol: "http"},
		HTTP:     srv.Client(),
		BaseURL:  srv.URL,
		Timeout:  5 * time.Second,
	}
}

// secretValue is a Secret's stored form: prefix then a body that holds marker.
func secretValue(prefix, marker string) []byte {
	return append([]byte(prefix), bytes.Repeat([]byte(marker), 4)...)
}
