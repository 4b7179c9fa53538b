package pkirules

import (
	"strings"
	"testing"
	"time"
)

// FuzzClassifyToken pins that classifying a kubeconfig's bearer token never fails and never
// writes any of the token into what it says.
func FuzzClassifyToken(f *testing.F) {
	for _, seed := range []string{
		"abcdef.0123456789abcdef",
		"s3cr3t-static-token",
		"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3NzI0MDAwMDB9.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjEuNWUxMH0.c2ln",
		"eyJhbGciOiJSUzI1NiJ9.eyJleHAiOiJub3cifQ.c2ln",
		"a.b.c", "..", "",
	} {
		f.Add(seed)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, token string) {
		kind, _ := classifyToken(token, at)
		if len(token) >= 8 && strings.Contains(kind, token) {
			t.Errorf("the token is written in %q", kind)
		}
		for _, part := range strings.Split(token, ".") {
			if len(part) >= 12 && strings.Contains(kind, part) {
				t.Errorf("part of the token is written in %q", kind)
			}
		}
	})
}

// FuzzReadPublicKeys pins that a service-account key file of any content is read or refused
// without panicking, and that what is read is keys.
func FuzzReadPublicKeys(f *testing.F) {
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("not PEM"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := readPublicKeys("sa.pub", data)
		if err == nil && len(keys) == 0 {
			t.Error("no keys and no error")
		}
		for _, k := range keys {
			if k == nil {
				t.Error("a nil key")
			}
		}
	})
}
