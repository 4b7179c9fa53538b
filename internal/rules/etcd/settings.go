package etcd

// The etcd rules read etcd's settings through package etcdconfig, the one reading of them
// that the endpoints palisade node --probe derives share; settings and setting adapt it to
// the rules' use.

import (
	"palisade.dev/palisade/internal/etcdconfig"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// setting is the effective value of one etcd setting and where it came from.
type setting struct {
	value  string
	source string
	set    bool
	of     etcdconfig.Setting
}

// evidence writes the setting as observed: "etcd (process /proc/9/cmdline) flag
// --client-cert-auth=true", or the default when it is set nowhere.
func (s setting) evidence(flag, dflt string) string { return s.of.Evidence(flag, dflt) }

// boolean reads a boolean setting as etcd does (strconv.ParseBool); unset is false, the
// default of every boolean these rules read.
func (s setting) boolean() (bool, error) { return s.of.Bool() }

// settings reads one etcd component's configuration.
type settings struct{ of *etcdconfig.Settings }

// readSettings returns the component's settings, or a reason they cannot be judged: a
// configuration file the source did not read or that does not parse.
func readSettings(n *inventory.Node, c *inventory.Component) (*settings, string) {
	s, reason := etcdconfig.Read(n, c)
	if reason != "" {
		return nil, reason
	}
	return &settings{of: s}, ""
}

// get returns the effective value of flag.
func (s *settings) get(flag string) setting {
	v := s.of.Get(flag)
	return setting{value: v.Value, source: v.Source, set: v.Set, of: v}
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
