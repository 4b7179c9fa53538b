package cluster

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestDescribe(t *testing.T) {
	dial := &url.Error{Op: "Get", URL: "https://127.0.0.1:1/version", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "refused credentials", err: apierrors.NewUnauthorized("Unauthorized"), want: "the server rejected the credentials (401 Unauthorized)"},
		{name: "forbidden keeps the server's message", err: apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New(`User "x" cannot list`)), want: `forbidden: pods is forbidden: User "x" cannot list`},
		{name: "an unreachable server", err: dial, want: "cannot reach the server: connection refused"},
		{name: "an expired certificate", err: &url.Error{Err: x509.CertificateInvalidError{Reason: x509.Expired, Detail: "expired"}}, want: "the certificate has expired"},
		{name: "an unknown authority", err: &url.Error{Err: x509.UnknownAuthorityError{}}, want: "signed by an authority the kubeconfig does not trust"},
		{name: "a timeout", err: fmt.Errorf("get: %w", context.DeadlineExceeded), want: "timed out (raise --request-timeout"},
		{name: "a server-side timeout", err: apierrors.NewTimeoutError("slow", 1), want: "timed out"},
		{name: "an unknown host", err: &url.Error{Err: &net.DNSError{Name: "nowhere.invalid", Err: "no such host"}}, want: `cannot resolve host "nowhere.invalid"`},
		{name: "anything else keeps its cause", err: errors.New("boom"), want: "reading: boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := describe(tc.err, "reading")
			if !strings.HasPrefix(got, "reading: ") || !strings.Contains(got, tc.want) {
				t.Errorf("describe = %q, want it to start with %q and contain %q", got, "reading: ", tc.want)
			}
		})
	}
}
