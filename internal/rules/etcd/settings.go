package etcd

// The etcd rules read etcd's effective settings from the node's settings model (package
// settings, which reads them as etcd does through package etcdconfig), the one reading of
// them that the endpoints palisade node --probe derives share.

import (
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/settings"
)

// judge runs check on the etcd component of ctx with its settings, or records why they
// could not be read.
func judge(ctx *rules.NodeContext, check func(*rules.NodeContext, *settings.Component) []rules.Violation) []rules.Violation {
	s, reason := ctx.Settings()
	if reason != "" {
		ctx.NotApplicable(reason)
		return nil
	}
	return check(ctx, s)
}
