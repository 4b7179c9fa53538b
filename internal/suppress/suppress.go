// Package suppress decides which findings are not counted against a scan, and why: the
// palisade.dev/ignore annotation on an object, and the exemptions, rule selection and severity
// overrides of a .palisade.yaml config file. Suppressed findings are kept and counted, never
// dropped. An unknown rule ID anywhere is an error, never silently ignored.
package suppress

import (
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Config is a parsed .palisade.yaml.
type Config struct {
	// Path is where the config was read from ("" when there is none).
	Path string
}

// LoadConfig reads and validates a config file against the catalog.
func LoadConfig(path string, c *rules.Catalog) (*Config, error) { return &Config{Path: path}, nil }

// FindConfig looks for .palisade.yaml in start (a file's folder, or a folder) and its parents.
func FindConfig(start string) (string, bool) { return "", false }

// Selected reports whether the config keeps a rule in the scan.
func (c *Config) Selected(r *rules.Rule) bool { return true }

// Policy applies a config and, unless disabled, the objects' own annotations.
type Policy struct {
	Config  *Config
	Catalog *rules.Catalog
	// Annotations honours palisade.dev/ignore annotations on objects.
	Annotations bool
}

// Apply overrides severities, then splits findings into active and suppressed ones. Problems
// in annotations (an unknown rule ID, no reason) are returned as scan errors.
func (p *Policy) Apply(fs []finding.Finding, inv *inventory.Inventory) (active, suppressed []finding.Finding, errs []finding.ScanError) {
	return fs, nil, nil
}
