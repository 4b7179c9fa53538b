// Package remedytext writes the remedies that are text rather than edits of the input: the
// control-plane files an operator installs by hand on the API server's nodes (an
// EncryptionConfiguration with a fresh key, an audit Policy), each with the flags that make
// the API server read it, and the objects a namespace lacks (a default-deny NetworkPolicy
// with DNS egress, a ResourceQuota, a LimitRange) with the Pod Security Admission labels of
// its Namespace.
//
// It owns what those texts say and the instructions written beside them, and nothing else:
// it does not decide which remedies a scan needs (the rules' findings do), never reads or
// writes a file, and writes only to the writer it is given. The key an EncryptionConfiguration
// holds appears in that output and nowhere else: not in an error, not in a log.
package remedytext

import (
	"fmt"
	"io"
)

// writeAll writes text to w, naming what was written when it fails; the error never holds
// the text.
func writeAll(w io.Writer, what, text string) error {
	if _, err := io.WriteString(w, text); err != nil {
		return fmt.Errorf("writing the %s (%d bytes): %w", what, len(text), err)
	}
	return nil
}
