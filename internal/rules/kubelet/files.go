package kubelet

// The kubelet's files (CIS 4.1): its kubeconfig (--kubeconfig), its config file (--config) and
// drop-ins (--config-dir) hold its credentials and its security settings, so only root may
// write them, and the kubeconfig, which holds a client key or token, only root may read.
//
// Restricted fields:
//   mode and owner of the file named by --kubeconfig; of the file named by --config and the
//   drop-ins read from --config-dir
//
// Allowed values:
//   permissions 600 or stricter (no bit outside rw-------); owner root:root (uid 0, gid 0).
//   A file the kubelet does not name, or that is not on the node, is not applicable.
//
// References: CIS Kubernetes Benchmark v1.10.0 4.1.5, 4.1.6, 4.1.9, 4.1.10

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// kubeletFiles are the files of one kind the kubelet names, which a rule judges.
type kubeletFiles struct {
	what string // "kubeconfig", "config file"
	// paths are the files the kubelet names, and why there are none when there are none.
	paths func(ctx *rules.NodeContext) (paths []string, none string)
}

func fileRules() []rules.Rule {
	kubeconfig := kubeletFiles{"kubeconfig", func(ctx *rules.NodeContext) ([]string, string) {
		if ctx.Component.Flags != nil {
			if v := ctx.Component.Flags.Lookup("kubeconfig"); v.Given && v.String() != "" {
				return []string{v.String()}, ""
			}
		}
		return nil, "The kubelet runs without --kubeconfig (standalone mode): it has no kubeconfig."
	}}
	config := kubeletFiles{"config file", func(ctx *rules.NodeContext) ([]string, string) {
		e := effective(ctx)
		var ps []string
		if e.ConfigFile != "" {
			ps = append(ps, e.ConfigFile)
		}
		ps = append(ps, e.DropIns...)
		if len(ps) == 0 {
			return nil, "The kubelet reads no config file (no --config, no drop-ins)."
		}
		return ps, ""
	}}
	const kubeconfigWhy = "The kubelet's kubeconfig holds its client credentials (a client certificate and key, or a token): " +
		"whoever reads it acts as the node towards the API server, whoever writes it points the kubelet elsewhere."
	const configWhy = "The kubelet's config file and drop-ins decide its authentication, authorization and ports: " +
		"whoever writes them opens the kubelet API at its next start."
	return []rules.Rule{
		permissionsRule(rules.Rule{ID: "kubelet/kubeconfig-permissions", Title: "Kubelet kubeconfig is readable or writable by others",
			Description: kubeconfigWhy, References: []rules.Reference{cisKubeconfigPerms}}, kubeconfig),
		ownershipRule(rules.Rule{ID: "kubelet/kubeconfig-ownership", Title: "Kubelet kubeconfig is not owned by root",
			Description: kubeconfigWhy, References: []rules.Reference{cisKubeconfigOwner}}, kubeconfig),
		permissionsRule(rules.Rule{ID: "kubelet/config-file-permissions", Title: "Kubelet config file is readable or writable by others",
			Description: configWhy, References: []rules.Reference{cisConfigPerms}}, config),
		ownershipRule(rules.Rule{ID: "kubelet/config-file-ownership", Title: "Kubelet config file is not owned by root",
			Description: configWhy, References: []rules.Reference{cisConfigOwner}}, config),
	}
}

// permissionsRule completes r, a rule on the permissions of the files kf.
func permissionsRule(r rules.Rule, kf kubeletFiles) rules.Rule {
	r.Fields = []string{"permissions of the kubelet's " + kf.what}
	r.Allowed = []string{"600 or stricter"}
	r.Remedy = "chmod 600 on the file named in the finding."
	return fileRule(r, kf, false)
}

// ownershipRule completes r, a rule on the owner of the files kf.
func ownershipRule(r rules.Rule, kf kubeletFiles) rules.Rule {
	r.Fields = []string{"owner of the kubelet's " + kf.what}
	r.Allowed = []string{"root:root"}
	r.Remedy = "chown root:root on the file named in the finding."
	return fileRule(r, kf, true)
}

// fileRule completes r, a rule on the files kf, with what every such rule shares: its
// severity, its scope and its evaluation, of the files' owner or of their permissions.
func fileRule(r rules.Rule, kf kubeletFiles, owner bool) rules.Rule {
	r.Severity, r.Area, r.Scope, r.Components = finding.Medium, rules.AreaKubelet, rules.ScopeNode, components
	r.Node = func(ctx *rules.NodeContext) []rules.Violation {
		paths, none := kf.paths(ctx)
		if len(paths) == 0 {
			ctx.NotApplicable(none)
			return nil
		}
		var vs []rules.Violation
		var passed, missing []string
		for _, p := range paths {
			f := ctx.Node.File(p)
			switch {
			case f == nil || !f.Exists:
				missing = append(missing, p)
				continue
			case f.Err != "" && f.Mode == 0:
				missing = append(missing, p+" ("+f.Err+")")
				continue
			}
			if msg, ev, bad := judgeFile(kf.what, owner, p, f); bad {
				vs = append(vs, rules.Violation{Path: p, Message: msg, Evidence: ev})
			} else {
				passed = append(passed, ev)
			}
		}
		switch {
		case len(vs) > 0:
			return vs
		case len(passed) == 0:
			ctx.NotApplicable(fmt.Sprintf("The kubelet's %s is not on this node: %s.", kf.what, strings.Join(missing, ", ")))
		default:
			ctx.Pass(strings.Join(passed, "; "))
		}
		return nil
	}
	return r
}

// judgeFile judges one file's permissions or owner.
func judgeFile(what string, owner bool, p string, f *inventory.File) (msg, evidence string, bad bool) {
	if owner {
		evidence = fmt.Sprintf("%s owner %d:%d", p, f.UID, f.GID)
		if f.UID != 0 || f.GID != 0 {
			return fmt.Sprintf("The kubelet's %s %s is owned by %d:%d, not root:root.", what, p, f.UID, f.GID), evidence, true
		}
		return "", evidence, false
	}
	perm := f.Mode.Perm()
	evidence = fmt.Sprintf("%s mode %03o", p, perm)
	if perm&^0o600 != 0 {
		return fmt.Sprintf("The kubelet's %s %s has mode %03o, more permissive than 600.", what, p, perm), evidence, true
	}
	return "", evidence, false
}
