package etcd

// How etcd reads its settings (go.etcd.io/etcd/server/v3/etcdmain/config.go, pkg/flags):
//   - --config-file (or ETCD_CONFIG_FILE): the YAML file alone; "other command line flags
//     and environment variables will be ignored".
//   - otherwise the flag, else the ETCD_* variable of the same name (SetFlagsFromEnv). An
//     empty variable is ignored. A variable set together with its flag is fatal: etcd logs
//     "conflicting environment variable is shadowed by corresponding command-line flag" and
//     exits, so a running etcd never has both; a static pod manifest with both describes an
//     etcd that does not start, and the flag is what it names.

import (
	"fmt"
	"strconv"

	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// setting is the effective value of one etcd setting and where it came from.
type setting struct {
	value  string
	source string
	set    bool
}

// evidence writes the setting as observed: "etcd (process /proc/9/cmdline) flag
// --client-cert-auth=true", or the default when it is set nowhere.
func (s setting) evidence(flag, dflt string) string {
	if !s.set {
		if dflt == "" {
			return "--" + flag + " is set neither as a flag nor as ETCD_" + envSuffix(flag)
		}
		return "--" + flag + " is not set: etcd's default " + dflt + " applies"
	}
	return s.source + "=" + s.value
}

// settings reads one etcd component's configuration.
type settings struct {
	c *inventory.Component
	// file is the parsed --config-file when etcd reads one; filePath its path.
	file     map[string]any
	filePath string
}

// configKeys are where a flag's setting lives in etcd's YAML configuration file
// (embed.configYAML: client-transport-security and peer-transport-security hold the TLS
// settings of each listener).
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

// readSettings returns the component's settings, or a reason they cannot be judged: a
// configuration file the source did not read or that does not parse.
func readSettings(n *inventory.Node, c *inventory.Component) (*settings, string) {
	s := &settings{c: c}
	path := s.fromCommandLine("config-file")
	if !path.set || path.value == "" {
		return s, ""
	}
	f := n.File(path.value)
	switch {
	case f == nil || (f.Exists && f.Data == nil && f.Err == ""):
		return nil, fmt.Sprintf("etcd reads its settings from %s only (%s), and that file was not read", path.value, path.source)
	case !f.Exists:
		return nil, fmt.Sprintf("etcd is configured by %s (%s), which does not exist on the node: etcd does not start so", path.value, path.source)
	case f.Err != "":
		return nil, fmt.Sprintf("etcd reads its settings from %s only, which could not be read: %s", path.value, f.Err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(f.Data, &doc); err != nil {
		return nil, fmt.Sprintf("etcd's configuration file %s does not parse (etcd does not start so): %v", path.value, err)
	}
	s.file, s.filePath = doc, path.value
	if s.file == nil {
		s.file = map[string]any{}
	}
	return s, ""
}

// get returns the effective value of flag.
func (s *settings) get(flag string) setting {
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
			return setting{}
		}
		if v, ok = m[k]; !ok || v == nil {
			return setting{}
		}
	}
	value := fmt.Sprint(v)
	if value == "" {
		return setting{}
	}
	return setting{value: value, set: true, source: fmt.Sprintf("%s config file %s %s", s.c.Kind, s.filePath, joinKeys(keys))}
}

// fromCommandLine reads a flag, or the ETCD_* variable standing for it; an empty variable is
// ignored, as etcd ignores it.
func (s *settings) fromCommandLine(flag string) setting {
	v, src, ok := s.c.Setting(flag)
	if !ok || (v == "" && !s.c.Flags.Has(flag)) {
		return setting{}
	}
	return setting{value: v, source: src, set: true}
}

// boolean reads a boolean setting as etcd does (strconv.ParseBool); unset is false, the
// default of every boolean these rules read.
func (s setting) boolean() (bool, error) {
	if !s.set {
		return false, nil
	}
	b, err := strconv.ParseBool(s.value)
	if err != nil {
		return false, fmt.Errorf("%s is not a boolean: etcd refuses to start with it", s.source+"="+s.value)
	}
	return b, nil
}

func joinKeys(keys []string) string {
	out := keys[0]
	for _, k := range keys[1:] {
		out += "." + k
	}
	return out
}

// envSuffix is the part of the ETCD_ variable after the prefix.
func envSuffix(flag string) string {
	b := []byte(flag)
	for i, c := range b {
		switch {
		case c == '-':
			b[i] = '_'
		case 'a' <= c && c <= 'z':
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// judge runs check on the etcd component of ctx with its settings, or records why they
// could not be read.
func judge(ctx *rules.NodeContext, check func(*rules.NodeContext, *settings) []rules.Violation) []rules.Violation {
	s, reason := readSettings(ctx.Node, ctx.Component)
	if reason != "" {
		ctx.NotApplicable(reason)
		return nil
	}
	return check(ctx, s)
}
