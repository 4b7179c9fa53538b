// Package etcdconfig reads etcd's effective settings as etcd itself reads them: its flags,
// its ETCD_* environment variables, or its --config-file, with etcd's precedence and
// defaults. It is the one reading of etcd's settings that the etcd rules and the endpoints
// `palisade node --probe` derives for etcd share, so that the two cannot disagree on where
// etcd listens. It reads what the node source collected and judges nothing.
//
// How etcd reads its settings (go.etcd.io/etcd/server/v3 etcdmain/config.go, pkg/flags):
//   - --config-file (or ETCD_CONFIG_FILE): the YAML file alone; "other command line flags
//     and environment variables will be ignored". A setting the file leaves out has etcd's
//     default (embed.ConfigFromFile starts from embed.NewConfig).
//   - otherwise the flag, else the ETCD_* variable of the same name (SetFlagsFromEnv). An
//     empty variable is ignored. A variable set together with its flag is fatal: etcd logs
//     "conflicting environment variable is shadowed by corresponding command-line flag" and
//     exits, so a running etcd never has both; a static pod manifest with both describes an
//     etcd that does not start, and the flag is what it names.
package etcdconfig

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/inventory"
)

// Setting is the effective value of one etcd setting and where it came from.
type Setting struct {
	Value string
	// Source says where the value was read: "etcd (process /proc/9/cmdline) flag
	// --client-cert-auth", "etcd config file /etc/etcd.yaml client-transport-security.client-cert-auth".
	Source string
	// Set is false when the setting is set nowhere: etcd's default applies.
	Set bool
}

// Settings are one etcd component's settings.
type Settings struct {
	c *inventory.Component
	// file is the parsed --config-file when etcd reads one; filePath its path.
	file     map[string]any
	filePath string
}

// configKeys are where a flag's setting lives in etcd's YAML configuration file
// (embed.configYAML: client-transport-security and peer-transport-security hold the TLS
// settings of each listener); the other flags are top-level keys of their own name.
var configKeys = map[string][]string{
	"cert-file":             {"client-transport-security", "cert-file"},
	"key-file":              {"client-transport-security", "key-file"},
	"client-cert-auth":      {"client-transport-security", "client-cert-auth"},
	"trusted-ca-file":       {"client-transport-security", "trusted-ca-file"},
	"auto-tls":              {"client-transport-security", "auto-tls"},
	"peer-cert-file":        {"peer-transport-security", "cert-file"},
	"peer-key-file":         {"peer-transport-security", "key-file"},
	"peer-client-cert-auth": {"peer-transport-security", "client-cert-auth"},
	"peer-trusted-ca-file":  {"peer-transport-security", "trusted-ca-file"},
	"peer-auto-tls":         {"peer-transport-security", "auto-tls"},
}

// Read returns the settings of etcd component c of node n, or the reason they cannot be
// known: a configuration file the source did not read, that does not exist, or that does not
// parse.
func Read(n *inventory.Node, c *inventory.Component) (*Settings, string) {
	s := &Settings{c: c}
	path := s.fromCommandLine("config-file")
	if !path.Set || path.Value == "" {
		return s, ""
	}
	f := n.File(path.Value)
	switch {
	case f == nil || (f.Exists && f.Data == nil && f.Err == ""):
		return nil, fmt.Sprintf("etcd reads its settings from %s only (%s), and that file was not read", path.Value, path.Source)
	case !f.Exists:
		return nil, fmt.Sprintf("etcd is configured by %s (%s), which does not exist on the node: etcd does not start so", path.Value, path.Source)
	case f.Err != "":
		return nil, fmt.Sprintf("etcd reads its settings from %s only, which could not be read: %s", path.Value, f.Err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(f.Data, &doc); err != nil {
		return nil, fmt.Sprintf("etcd's configuration file %s does not parse (etcd does not start so): %v", path.Value, err)
	}
	s.file, s.filePath = doc, path.Value
	if s.file == nil {
		s.file = map[string]any{}
	}
	return s, ""
}

// FromFile reports whether etcd reads its settings from its --config-file alone.
func (s *Settings) FromFile() bool { return s.file != nil }

// Get returns the effective value of flag: from the configuration file when etcd reads one,
// else from the flag or its ETCD_* variable.
func (s *Settings) Get(flag string) Setting {
	if s.file == nil {
		return s.fromCommandLine(flag)
	}
	keys, ok := configKeys[flag]
	if !ok {
		keys = []string{flag} // listen-client-urls, data-dir ... are top-level keys
	}
	var v any = s.file
	for _, k := range keys {
		m, isMap := v.(map[string]any)
		if !isMap {
			return Setting{}
		}
		if v, ok = m[k]; !ok || v == nil {
			return Setting{}
		}
	}
	value := fmt.Sprint(v)
	if value == "" {
		return Setting{}
	}
	return Setting{Value: value, Set: true, Source: fmt.Sprintf("%s config file %s %s", s.c.Kind, s.filePath, strings.Join(keys, "."))}
}

// fromCommandLine reads a flag, or the ETCD_* variable standing for it; an empty variable is
// ignored, as etcd ignores it.
func (s *Settings) fromCommandLine(flag string) Setting {
	v, src, ok := s.c.Setting(flag)
	if !ok || (v == "" && !s.c.Flags.Has(flag)) {
		return Setting{}
	}
	return Setting{Value: v, Source: src, Set: true}
}
