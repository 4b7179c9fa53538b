package cli

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"strings"

	"palisade.dev/palisade/internal/fix/remedytext"
)

// printTexts are the texts `fix --print` writes: control-plane remedies are files an
// administrator installs on the nodes, not edits of manifests.
var printTexts = []string{"encryption-config", "audit-policy"}

// printFlags are fix's --print and --provider.
type printFlags struct {
	what     string // TEXT or TEXT=FILE
	provider string
}

// run writes the text --print names to standard output, or to FILE, which it creates with
// the text's mode and never overwrites: a key file replaced is a key lost, and the Secrets
// encrypted with it unreadable.
func (p printFlags) run(s Streams) error {
	what, file, toFile := strings.Cut(p.what, "=")
	var buf bytes.Buffer
	defer func() { b := buf.Bytes(); clear(b[:cap(b)]) }() // the key does not outlive the command
	mode := os.FileMode(0o644)
	switch what {
	case "encryption-config":
		if err := remedytext.EncryptionConfig(&buf, p.provider, rand.Reader); err != nil {
			return fmt.Errorf("writing the encryption configuration: %w", err)
		}
		mode = remedytext.EncryptionConfigMode
	case "audit-policy":
		if p.provider != "" {
			return fmt.Errorf("--provider applies to --print encryption-config, not to %s", what)
		}
		if err := remedytext.AuditPolicy(&buf); err != nil {
			return fmt.Errorf("writing the audit policy: %w", err)
		}
	default:
		return fmt.Errorf("--print takes %s (optionally =FILE), not a value of %d bytes", strings.Join(printTexts, " or "), len(what))
	}
	if !toFile {
		_, err := s.Out.Write(buf.Bytes())
		return err
	}
	if file == "" {
		return fmt.Errorf("--print %s= names no file", what)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("creating %s (never overwritten): %w", file, err)
	}
	// The mode is the text's whatever the umask: an encryption key readable by others is no key.
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(file)
		return fmt.Errorf("setting the mode of %s: %w", file, err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		os.Remove(file)
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", file, err)
	}
	fmt.Fprintf(s.Err, "palisade fix: wrote %s (mode %o)\n", file, mode)
	return nil
}
