package cli_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/cli"
)

func TestWebhookCerts(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "webhook", "certs", "--dir", dir, "--service", "palisade-webhook", "--namespace", "palisade", "--ip", "127.0.0.1", "--print-ca-bundle")
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(out)); !bytes.Equal(got, ca) {
		t.Errorf("--print-ca-bundle wrote %q, want ca.crt in base64", out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tls.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("tls.key: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "existing files are not replaced without --force", args: []string{"--dir", dir, "--service", "s", "--namespace", "n"}, want: "already exists"},
		{name: "a service needs its namespace", args: []string{"--dir", t.TempDir(), "--service", "s"}, want: "go together"},
		{name: "a certificate needs a name or an address", args: []string{"--dir", t.TempDir()}, want: "needs a service name or an IP address"},
		{name: "the folder is required", args: []string{"--service", "s", "--namespace", "n"}, want: "--dir is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, append([]string{"webhook", "certs"}, tt.args...)...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit code %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
	if code, _, errOut := run(t, "webhook", "certs", "--dir", dir, "--service", "s", "--namespace", "n", "--force"); code != 0 {
		t.Errorf("--force: exit code %d: %s", code, errOut)
	}
}

// freeAddr is a loopback address with a port free at the time of the call.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestWebhookServesUntilStopped(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, "webhook", "certs", "--dir", dir, "--ip", "127.0.0.1"); code != 0 {
		t.Fatal(errOut)
	}
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var errOut bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- cli.Execute(ctx, []string{"webhook", "--listen", addr, "--no-cluster-context",
			"--tls-cert-file", filepath.Join(dir, "tls.crt"), "--tls-private-key-file", filepath.Join(dir, "tls.key")},
			cli.Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &errOut})
	}()
	ca, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 5 * time.Second}
	ready := false
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !ready; time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get(fmt.Sprintf("https://%s/readyz", addr))
		if err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == 200
		}
	}
	if !ready {
		stop()
		<-exited
		t.Fatalf("the webhook never became ready: %s", errOut.String())
	}
	stop()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the webhook did not stop")
	}
}

func TestWebhookRefusesToStartOnABadConfiguration(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := run(t, "webhook", "certs", "--dir", dir, "--ip", "127.0.0.1"); code != 0 {
		t.Fatal(errOut)
	}
	config := filepath.Join(dir, "webhook.yaml")
	if err := os.WriteFile(config, []byte("apiVersion: palisade.dev/v1alpha1\nkind: WebhookConfiguration\nfailurePolicy: Sometimes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "webhook", "--listen", freeAddr(t), "--no-cluster-context", "--config", config,
		"--tls-cert-file", filepath.Join(dir, "tls.crt"), "--tls-private-key-file", filepath.Join(dir, "tls.key"))
	if code != 2 || !strings.Contains(errOut, "webhook.yaml:3:") || strings.Contains(errOut, "Sometimes") {
		t.Errorf("exit code %d, stderr %q; want 2, the file and line, and not the value", code, errOut)
	}
}
