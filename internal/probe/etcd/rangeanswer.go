package etcd

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// rangeAnswer is what an answer of etcd's gRPC gateway to POST /v3/kv/range held, values
// reduced to how they were stored.
type rangeAnswer struct {
	// Count is the number of keys in the range asked, whatever the limit.
	Count int64
	// More is true when the limit left keys of the range out.
	More bool
	// Keys are the keys returned, in order, and Stored how each value was stored (the
	// zero Storage for keys-only and count-only answers).
	Keys   [][]byte
	Stored []Storage
}

// rangeJSON is the gateway's JSON form of etcdserverpb.RangeResponse: bytes in base64, 64-bit
// integers as strings, fields at their zero value left out.
type rangeJSON struct {
	Header *json.RawMessage `json:"header"`
	Kvs    []struct {
		Key   []byte      `json:"key"`
		Value storedValue `json:"value"`
	} `json:"kvs"`
	More  bool      `json:"more"`
	Count jsonInt64 `json:"count"`
}

// storedValue classifies a base64 value from its first characters when decoded, and keeps
// nothing of it.
type storedValue struct{ Storage }

// base64Prefix is how many characters of a base64 value are decoded: a multiple of 4 that
// covers classifyPrefix bytes.
const base64Prefix = (classifyPrefix + 2) / 3 * 4

func (v *storedValue) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errors.New("a value that is not a base64 string")
	}
	text := data[1 : len(data)-1]
	if len(text) > base64Prefix {
		text = text[:base64Prefix]
	}
	var buf [base64Prefix / 4 * 3]byte
	defer clear(buf[:])
	n, err := base64.StdEncoding.Decode(buf[:], text)
	if err != nil {
		// A value the gateway did not write (escapes, another alphabet): no form known.
		v.Storage = Storage{Kind: Unrecognised}
		return nil
	}
	v.Storage = Classify(buf[:n])
	return nil
}

// jsonInt64 reads a 64-bit integer written as a JSON string (protobuf's JSON mapping) or a
// number.
type jsonInt64 int64

func (n *jsonInt64) UnmarshalJSON(data []byte) error {
	text := strings.Trim(string(data), `"`)
	if text == "null" {
		return nil
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || v < 0 {
		return errors.New("a count that is not a count")
	}
	*n = jsonInt64(v)
	return nil
}

// parseRange reads a range answer. An answer without etcd's response header is not etcd's.
func parseRange(data []byte) (rangeAnswer, error) {
	var r rangeJSON
	if err := json.Unmarshal(data, &r); err != nil {
		return rangeAnswer{}, fmt.Errorf("not an etcd range answer: %w", err)
	}
	if r.Header == nil {
		return rangeAnswer{}, errors.New("not an etcd range answer: no response header")
	}
	out := rangeAnswer{Count: int64(r.Count), More: r.More}
	for _, kv := range r.Kvs {
		out.Keys = append(out.Keys, kv.Key)
		out.Stored = append(out.Stored, kv.Value.Storage)
	}
	return out, nil
}

// errorJSON is the gateway's form of a gRPC error: {"code":3,"message":"..."} (grpc-gateway
// v2) or {"error":"...","code":3} (v1).
type errorJSON struct {
	Code    *int   `json:"code"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// etcdError is the message of an error answer of etcd's gateway, made safe to show; ok is
// false when the answer is not one.
func etcdError(data []byte) (message string, ok bool) {
	var e errorJSON
	if err := json.Unmarshal(data, &e); err != nil || e.Code == nil {
		return "", false
	}
	message = e.Message
	if message == "" {
		message = e.Error
	}
	return printable(message, 160), true
}

// printable is s with anything but printable characters replaced and cut to n runes, for a
// summary.
func printable(s string, n int) string {
	var b strings.Builder
	for i, r := range []rune(s) {
		if i == n {
			b.WriteString("...")
			break
		}
		if !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}
