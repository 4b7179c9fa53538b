package kubelet

// kubelet/config-valid: the kubelet's configuration files and flags can be read as the kubelet
// reads them.
//
// Restricted fields:
//   the file of --config, the *.conf files under --config-dir, the flags that set
//   KubeletConfiguration fields
//
// Allowed values:
//   files that exist and decode as kubelet.config.k8s.io/v1beta1 KubeletConfiguration with
//   values of the right types; flags whose values parse. Unknown and duplicate fields, which
//   the kubelet ignores with a warning, are listed in the evidence of a pass.
//
// References: https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/

import (
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/rules"
)

func configValidRule() rules.Rule {
	return rules.Rule{
		ID: "kubelet/config-valid", Title: "Kubelet configuration cannot be read", Severity: finding.Medium,
		Area: rules.AreaKubelet, Scope: rules.ScopeNode, Components: components,
		Description: "A config file the kubelet names that is missing, malformed, of another kind than " +
			"KubeletConfiguration or with values of the wrong types stops the kubelet at its next start; a kubelet " +
			"running now was started with other content. The other kubelet rules then judge defaults, not what runs.",
		Fields:     []string{"--config", "--config-dir", "command-line flags"},
		Allowed:    []string{"files that decode as kubelet.config.k8s.io/v1beta1 KubeletConfiguration; flags that parse"},
		References: []rules.Reference{docsConfigFile},
		Remedy:     "Fix the files named in the finding; check them with the kubelet's own log at its next start (journalctl -u kubelet).",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			e := effective(ctx)
			if len(e.Errors) > 0 {
				return []rules.Violation{{Path: "--config", Message: "The kubelet's configuration cannot be read as the kubelet reads it: " +
					strings.Join(e.Errors, "; "), Evidence: sources(e)}}
			}
			ev := sources(e)
			if len(e.Warnings) > 0 {
				ev += "; ignored by the kubelet: " + strings.Join(e.Warnings, "; ")
			}
			ctx.Pass(ev)
			return nil
		},
	}
}

// sources says which files the configuration was read from.
func sources(e *kubeletconfig.Effective) string {
	var parts []string
	if e.ConfigFile == "" {
		parts = append(parts, "no --config: the defaults of a kubelet run with flags only apply")
	} else {
		parts = append(parts, "config file "+e.ConfigFile)
	}
	if e.ConfigDir != "" {
		drop := "none"
		if len(e.DropIns) > 0 {
			drop = strings.Join(e.DropIns, ", ")
		}
		parts = append(parts, "drop-ins of "+e.ConfigDir+": "+drop)
	}
	return strings.Join(parts, "; ")
}
