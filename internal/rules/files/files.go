// Package files holds the rules on the permissions and ownership of the control plane's files
// on a node (CIS Kubernetes Benchmark section 1.1): static pod manifests, the kubeconfigs of
// the administrator, scheduler and controller manager, the PKI directory, its certificates and
// keys, and etcd's data directory. It judges the modes and owners a node source recorded in
// inventory.Node.Files and never reads the filesystem itself. A file the node does not have is
// not applicable, never a failure. The kubelet's files belong to internal/rules/kubelet.
//
// Each rule is declared as data (which files, the most permissive mode or the owner allowed)
// over one mechanism, modeRule or ownerRule.
package files

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		modeRule(manifestMode),
		ownerRule(manifestOwner),
		modeRule(kubeconfigMode),
		ownerRule(kubeconfigOwner),
		ownerRule(pkiOwner),
		modeRule(pkiCertificateMode),
		modeRule(pkiKeyMode),
		modeRule(etcdDataDirMode),
		etcdDataDirOwnerRule(),
	}
}

// spec declares one rule: which files it judges and what it allows.
type spec struct {
	id, title   string
	severity    finding.Severity
	description string
	remedy      string
	refs        []rules.Reference
	components  []inventory.ComponentKind
	// what names the files in messages ("static pod manifest").
	what string
	// paths returns the paths to judge on a node, for the component judged (nil for a
	// node-wide rule).
	paths func(*inventory.Node, *inventory.Component) []string
	// max is the most permissive mode allowed (mode rules).
	max fs.FileMode
	// writable, when set, is the severity of a mode that lets group or others write (a
	// certificate anyone may replace is worse than one anyone may read).
	writable *finding.Severity
}

// judged is what a rule found on one node: the files it judged and the ones it could not.
type judged struct {
	files   []*inventory.File
	missing []string
	errs    []string
}

func collect(n *inventory.Node, paths []string) judged {
	var j judged
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		f := n.File(p)
		switch {
		case f == nil || !f.Exists:
			j.missing = append(j.missing, p)
		case f.Err != "" && f.Mode == 0:
			j.errs = append(j.errs, p+": "+f.Err)
		default:
			j.files = append(j.files, f)
		}
	}
	return j
}

// notApplicable says why nothing was judged.
func (j judged) notApplicable(what string, paths []string) string {
	if len(paths) == 0 {
		return fmt.Sprintf("No %s is known on this node.", what)
	}
	msg := fmt.Sprintf("No %s was found on this node (looked for %s).", what, strings.Join(j.missing, ", "))
	if len(j.errs) > 0 {
		msg += " Could not read: " + strings.Join(j.errs, "; ") + "."
	}
	return msg
}

// target attaches a finding to the file: the node, located at the file's path.
func target(n *inventory.Node, f *inventory.File) *inventory.Object {
	o := &inventory.Object{Name: n.Host}
	o.GVK.Kind = "Node"
	o.Origin.Host = n.Host
	o.Origin.File = f.Path
	return o
}

func modeString(m fs.FileMode) string { return fmt.Sprintf("%04o", m.Perm()) }

func owner(f *inventory.File) string { return fmt.Sprintf("%d:%d", f.UID, f.GID) }

func (sp spec) rule(fields, allowed []string, node func(*rules.NodeContext) []rules.Violation) rules.Rule {
	return rules.Rule{
		ID: sp.id, Title: sp.title, Severity: sp.severity, Area: rules.AreaNode, Scope: rules.ScopeNode,
		Components: sp.components, Description: sp.description, Fields: fields, Allowed: allowed,
		References: sp.refs, Remedy: sp.remedy, Node: node,
	}
}

// modeRule fails every file whose permission bits exceed sp.max.
func modeRule(sp spec) rules.Rule {
	allowed := fmt.Sprintf("%s or more restrictive (no permission bit outside %s)", modeString(sp.max), modeString(sp.max))
	return sp.rule([]string{"mode of each " + sp.what}, []string{allowed}, func(ctx *rules.NodeContext) []rules.Violation {
		paths := sp.paths(ctx.Node, ctx.Component)
		j := collect(ctx.Node, paths)
		if len(j.files) == 0 {
			ctx.NotApplicable(j.notApplicable(sp.what, paths))
			return nil
		}
		var vs []rules.Violation
		var ok []string
		for _, f := range j.files {
			extra := f.Mode.Perm() &^ sp.max
			if extra == 0 {
				ok = append(ok, f.Path+" "+modeString(f.Mode))
				continue
			}
			v := rules.Violation{
				Object:   target(ctx.Node, f),
				Message:  fmt.Sprintf("%s %s has mode %s, more permissive than %s: %s", sp.what, f.Path, modeString(f.Mode), modeString(sp.max), grants(extra)),
				Evidence: fmt.Sprintf("%s mode %s owner %s", f.Path, modeString(f.Mode), owner(f)),
			}
			if sp.writable != nil && extra&0o022 != 0 {
				v.Severity = sp.writable
			}
			vs = append(vs, v)
		}
		if len(vs) == 0 {
			ctx.Pass(strings.Join(ok, "; "))
		}
		return vs
	})
}

// grants says what the extra permission bits let others do.
func grants(extra fs.FileMode) string {
	var parts []string
	for _, w := range []struct {
		shift int
		who   string
	}{{6, "its owner"}, {3, "its group"}, {0, "every user"}} {
		bits := (extra >> w.shift) & 0o7
		if bits == 0 {
			continue
		}
		var can []string
		if bits&0o4 != 0 {
			can = append(can, "read")
		}
		if bits&0o2 != 0 {
			can = append(can, "write")
		}
		if bits&0o1 != 0 {
			can = append(can, "execute")
		}
		parts = append(parts, w.who+" may "+strings.Join(can, " and ")+" it")
	}
	return strings.Join(parts, ", ")
}

// ownerRule fails every file not owned by root:root.
func ownerRule(sp spec) rules.Rule {
	return sp.rule([]string{"owner and group of each " + sp.what}, []string{"root:root (uid 0, gid 0)"}, func(ctx *rules.NodeContext) []rules.Violation {
		paths := sp.paths(ctx.Node, ctx.Component)
		j := collect(ctx.Node, paths)
		if len(j.files) == 0 {
			ctx.NotApplicable(j.notApplicable(sp.what, paths))
			return nil
		}
		var vs []rules.Violation
		var ok []string
		for _, f := range j.files {
			if f.UID == 0 && f.GID == 0 {
				ok = append(ok, f.Path+" "+owner(f))
				continue
			}
			vs = append(vs, rules.Violation{
				Object:   target(ctx.Node, f),
				Message:  fmt.Sprintf("%s %s is owned by uid %d, gid %d, not root:root: that user or group may change it", sp.what, f.Path, f.UID, f.GID),
				Evidence: fmt.Sprintf("%s mode %s owner %s", f.Path, modeString(f.Mode), owner(f)),
			})
		}
		if len(vs) == 0 {
			ctx.Pass(strings.Join(ok, "; "))
		}
		return vs
	})
}

// maxDepth bounds how deep tree descends, against a directory listed inside itself.
const maxDepth = 8

// tree returns dir and everything under it that the source listed, depth first.
func tree(n *inventory.Node, dir string) []string {
	return appendTree(nil, n, dir, 0)
}

func appendTree(out []string, n *inventory.Node, dir string, depth int) []string {
	out = append(out, dir)
	f := n.File(dir)
	if f == nil || !f.IsDir || depth >= maxDepth {
		return out
	}
	for _, e := range f.Entries {
		out = appendTree(out, n, path.Join(dir, e), depth+1)
	}
	return out
}
