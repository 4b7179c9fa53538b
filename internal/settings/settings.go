// Package settings owns the effective settings of the Kubernetes components on a node: for a
// setting of kube-apiserver, kube-controller-manager, kube-scheduler, etcd, kube-proxy or the
// kubelet, its effective value, where that value came from (a flag, an environment variable,
// a configuration file, the default) and the default, each component read with its own
// precedence; and, from them, the addresses each component listens on. Rules, the endpoints
// a node audit probes and evidence wording all read settings here, so that they cannot
// disagree. It reads what the node source collected and judges nothing.
//
// Precedence, per component:
//   - etcd: its --config-file alone when it has one, else a flag, else its ETCD_* variable,
//     else etcd's default (package etcdconfig).
//   - the kubelet: flags over the drop-ins of --config-dir over the --config file over the
//     defaults (package kubeletconfig).
//   - kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy: the flag, else the
//     default.
package settings

import (
	"fmt"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/etcdconfig"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
)

// SourceKind says which of a component's sources decided a setting.
type SourceKind string

// Source kinds.
const (
	Flag        SourceKind = "flag"
	Environment SourceKind = "environment"
	ConfigFile  SourceKind = "config file"
	Default     SourceKind = "default"
)

// Setting is the effective value of one setting of a component and where it came from.
type Setting struct {
	// Name is the setting's name: the flag's name without dashes, or for the kubelet the
	// KubeletConfiguration field path.
	Name string
	// Value is the effective value: the value given, or Default when none is.
	Value string
	// Kind is the source that decided Value; Default when the setting is given nowhere.
	Kind SourceKind
	// source is where an etcd setting was read (etcdconfig words it); the others' sources are
	// worded by Source when asked for, not for every setting read.
	source string
	// kubelet is where a kubelet setting was read.
	kubelet kubeletconfig.Source
	// Default is the component's default for the setting, "" when Palisade does not know one
	// (or it is empty).
	Default string

	// of is the component, for the wording of evidence.
	of *inventory.Component
}

// Written is the flag as it stands on the command line, every occurrence of it
// ("--profiling=false", "--audit-log-path /var/log/audit.log"), for the components read from
// their command line alone; "" otherwise.
func (s Setting) Written() string {
	if s.Kind != Flag || s.of == nil || s.of.Kind == inventory.Etcd || s.of.Kind == inventory.Kubelet {
		return ""
	}
	return written(s.of, s.Name)
}

// Source says where Value was read, for evidence: "etcd (process /proc/9/cmdline) flag
// --client-cert-auth", "etcd config file /etc/etcd.yaml listen-client-urls", "kubelet config
// file /var/lib/kubelet/config.yaml"; "" for a default.
func (s Setting) Source() string {
	switch {
	case !s.Set() || s.of == nil:
		return ""
	case s.of.Kind == inventory.Kubelet:
		return "kubelet " + s.kubelet.String()
	case s.source != "":
		return s.source
	}
	return s.of.Describe() + " flag --" + s.Name
}

// Set reports whether the setting is given somewhere, not left to its default.
func (s Setting) Set() bool { return s.Kind != Default }

// Given is the value that was given, "" for a setting left to its default.
func (s Setting) Given() string {
	if !s.Set() {
		return ""
	}
	return s.Value
}

// Bool reads a boolean setting as its component does (strconv.ParseBool); a setting left to
// its default reads the default, false when there is none. The error names the value as
// observed and says that the component would not start with it.
func (s Setting) Bool() (bool, error) {
	if !s.Set() {
		b, _ := strconv.ParseBool(s.Value)
		return b, nil
	}
	b, err := strconv.ParseBool(s.Value)
	if err == nil {
		return b, nil
	}
	if s.of != nil && s.of.Kind == inventory.Etcd {
		return false, fmt.Errorf("%s is not a boolean: etcd refuses to start with it", s.Source()+"="+s.Value)
	}
	return false, fmt.Errorf("--%s=%s is not a boolean", s.Name, s.Value)
}

// List splits a list setting at commas, as the components' flag parsing does, without
// surrounding spaces and empty items; a setting left to its default has none.
func (s Setting) List() []string { return flags.Value{Raw: s.Given()}.List() }

// Map reads a setting of key=value pairs (--feature-gates=A=true,B=false); a later key wins.
// Malformed pairs are returned in bad.
func (s Setting) Map() (m map[string]string, bad []string) {
	return flags.Value{Raw: s.Given()}.Map()
}

// Observed writes the setting as observed, for evidence, in its component's words; dflt is
// how the default is named when the setting is not given ("" for none to name):
//   - a command-line component: "--profiling=false in kube-scheduler (process
//     /proc/7/cmdline)", "--profiling not set (default true) in ...";
//   - etcd: "etcd (process /proc/9/cmdline) flag --client-cert-auth=true", "--auto-tls is
//     not set: etcd's default false applies", "--cert-file is set neither as a flag nor as
//     ETCD_CERT_FILE".
func (s Setting) Observed(dflt string) string {
	if s.of != nil && s.of.Kind == inventory.Etcd {
		switch {
		case s.Set():
			return s.Source() + "=" + s.Value
		case dflt == "":
			return "--" + s.Name + " is set neither as a flag nor as ETCD_" + strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
		}
		return "--" + s.Name + " is not set: etcd's default " + dflt + " applies"
	}
	where := s.of.Describe()
	switch {
	case s.Set():
		return s.Written() + " in " + where
	case dflt == "":
		return "--" + s.Name + " not set in " + where
	}
	return "--" + s.Name + " not set (default " + dflt + ") in " + where
}

// Component is one component's effective settings.
type Component struct {
	Of      *inventory.Component
	etcd    *etcdconfig.Settings
	kubelet *kubeletconfig.Effective
}

// Of reads the effective settings of component c of node n, or returns the reason they
// cannot be known (etcd's configuration file not read, or not parsing).
func Of(n *inventory.Node, c *inventory.Component) (*Component, string) {
	s := &Component{Of: c}
	switch c.Kind {
	case inventory.Etcd:
		e, reason := etcdconfig.Read(n, c)
		if reason != "" {
			return nil, reason
		}
		s.etcd = e
	case inventory.Kubelet:
		e, ok := c.Config.(*kubeletconfig.Effective)
		if !ok || e == nil {
			e = kubeletconfig.Resolve(c.Flags, n.File)
		}
		s.kubelet = e
	}
	return s, ""
}

// Kubelet is the kubelet's effective configuration, nil for another component.
func (s *Component) Kubelet() *kubeletconfig.Effective { return s.kubelet }

// Get returns the effective value of a setting: a flag's name for every component but the
// kubelet, whose settings are named by their KubeletConfiguration field path.
func (s *Component) Get(name string) Setting {
	out := s.get(name)
	out.of = s.Of
	return out
}

func (s *Component) get(name string) Setting {
	def := Defaults[s.Of.Kind][name]
	switch {
	case s.kubelet != nil:
		f := s.kubelet.Get(name)
		out := Setting{Name: name, Value: f.Value, Kind: Default, Default: def}
		switch f.Source.Kind {
		case kubeletconfig.Flag:
			out.Kind, out.kubelet = Flag, f.Source
		case kubeletconfig.File, kubeletconfig.DropIn:
			out.Kind, out.kubelet = ConfigFile, f.Source
		default:
			out.Default = f.Value
		}
		return out
	case s.etcd != nil:
		v := s.etcd.Get(name)
		if !v.Set {
			return Setting{Name: name, Value: def, Kind: Default, Default: def}
		}
		kind := Flag
		switch {
		case s.etcd.FromFile():
			kind = ConfigFile
		case !s.Of.Flags.Has(name):
			kind = Environment
		}
		return Setting{Name: name, Value: v.Value, Kind: kind, source: v.Source, Default: def}
	}
	if v := s.Of.Flags.Lookup(name); v.Given {
		return Setting{Name: name, Value: v.String(), Kind: Flag, Default: def}
	}
	return Setting{Name: name, Value: def, Kind: Default, Default: def}
}

// Evidence writes a flag's setting as observed: "kube-apiserver (process /proc/7/cmdline)
// flag --bind-address=10.0.0.1", or "--bind-address=0.0.0.0 (default)".
func (s Setting) Evidence() string {
	if !s.Set() {
		return "--" + s.Name + "=" + s.Value + " (default)"
	}
	return s.Source() + "=" + s.Value
}

// written is a flag as it stands on the command line: "--profiling=false", "--audit-log-path
// /var/log/audit.log", "--profiling" for a bare boolean; every occurrence of a list flag.
func written(c *inventory.Component, name string) string {
	occ := c.Flags.Occurrences(name)
	if len(occ) == 0 {
		return ""
	}
	parts := make([]string, len(occ))
	for i, o := range occ {
		// Index is where the value was read: the argument itself for --name=value and a bare
		// boolean, the next one for "--name value".
		if strings.Contains(o.Arg, "=") || o.Index < len(c.Args) && c.Args[o.Index] == o.Arg {
			parts[i] = o.Arg
		} else {
			parts[i] = o.Arg + " " + o.Value
		}
	}
	return strings.Join(parts, " ")
}
