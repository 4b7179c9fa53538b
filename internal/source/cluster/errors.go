package cluster

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// describe says in one line what went wrong while doing something: the kinds of failure a
// user can act on (unreachable server, refused credentials, a certificate problem, a timeout)
// are named as such, with the underlying cause after them.
func describe(err error, doing string) string {
	var (
		unknownCA x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		hostname  x509.HostnameError
		netErr    net.Error
		opErr     *net.OpError
		dnsErr    *net.DNSError
	)
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Sprintf("%s: the server rejected the credentials (401 Unauthorized): check the token or client certificate of the context", doing)
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("%s: forbidden: %s", doing, apiMessage(err))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fmt.Sprintf("%s: TLS: the certificate has expired or is not yet valid: %v", doing, invalid)
	case errors.As(err, &invalid):
		return fmt.Sprintf("%s: TLS: the server's certificate is not valid: %v", doing, invalid)
	case errors.As(err, &unknownCA):
		return fmt.Sprintf("%s: TLS: the server's certificate is signed by an authority the kubeconfig does not trust", doing)
	case errors.As(err, &hostname):
		return fmt.Sprintf("%s: TLS: %v", doing, hostname)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout(), apierrors.IsTimeout(err), apierrors.IsServerTimeout(err):
		return fmt.Sprintf("%s: timed out (raise --request-timeout if the server is slow): %v", doing, err)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("%s: cannot resolve host %q: %v", doing, dnsErr.Name, dnsErr.Err)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Sprintf("%s: cannot reach the server: %v", doing, opErr.Err)
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("%s: cancelled", doing)
	}
	return fmt.Sprintf("%s: %v", doing, err)
}

// apiMessage is the server's own message of an API error, without the Go error's prefix.
func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		if m := strings.TrimSpace(status.Status().Message); m != "" {
			return m
		}
	}
	return err.Error()
}
