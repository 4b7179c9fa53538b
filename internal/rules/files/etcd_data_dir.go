package files

// files/etcd-data-dir-mode (CIS 1.1.11): etcd's data directory is 0700 or stricter.
// files/etcd-data-dir-owner (CIS 1.1.12): etcd's data directory belongs to etcd.
//
// Restricted fields:
//   mode and owner of the directory etcd's --data-dir (or ETCD_DATA_DIR) names
//
// Allowed values:
//   mode 0700 or stricter. Owner: the benchmark says etcd:etcd, which holds where etcd runs as
//   a user of its own (a distribution package, a systemd unit). kubeadm runs etcd as root in
//   a static pod and makes no etcd user, so /var/lib/etcd is root:root there, and kube-bench's
//   literal test fails every kubeadm cluster. Palisade judges against the user that exists:
//   with an etcd user in /etc/passwd, the directory must be owned by its uid and gid (or
//   root's, which is as safe); without one, by root. When the source did not read
//   /etc/passwd, root passes and another owner is reported at low severity, named by uid, as
//   possibly etcd's.
//
// A --data-dir that is not set or relative (etcd's default is <name>.etcd in its working
// directory) cannot be found on the node and is not applicable.
//
// References: CIS Kubernetes Benchmark v1.10.0 1.1.11, 1.1.12.

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/settings"
)

// passwdPath is the user database the owner rule reads, when the source recorded it.
const passwdPath = "/etc/passwd"

// dataDir returns the absolute data directory of an etcd component, or "".
func dataDir(n *inventory.Node, c *inventory.Component) string {
	s, reason := settings.ForNode(n).Of(c)
	if reason != "" {
		return ""
	}
	v := s.Get("data-dir").Given()
	if !path.IsAbs(v) {
		return ""
	}
	return path.Clean(v)
}

func dataDirPaths(n *inventory.Node, c *inventory.Component) []string {
	if d := dataDir(n, c); d != "" {
		return []string{d}
	}
	return nil
}

var etcdDataDirMode = spec{
	id: "files/etcd-data-dir-mode", title: "etcd data directory accessible to others", severity: finding.High,
	what: "etcd data directory", paths: dataDirPaths, max: 0o700, components: []inventory.ComponentKind{inventory.Etcd},
	description: "etcd's data directory holds every object of the cluster, Secrets included (in plain text unless encryption " +
		"at rest is configured). Anyone on the node who may read it reads them all; anyone who may write it changes the cluster.",
	remedy: "chmod 700 the directory etcd's --data-dir names, for example chmod 700 /var/lib/etcd.",
	refs:   []rulesRef{cisEtcdDataDirMode},
}

// etcdUser returns the uid and gid of the user etcd in /etc/passwd; known is false when the
// file was not read.
func etcdUser(n *inventory.Node) (uid, gid int, exists, known bool) {
	f := n.File(passwdPath)
	if f == nil || f.Data == nil {
		return 0, 0, false, false
	}
	for _, line := range strings.Split(string(f.Data), "\n") {
		fields := strings.Split(line, ":")
		if len(fields) < 4 || fields[0] != "etcd" {
			continue
		}
		u, err1 := strconv.Atoi(fields[2])
		g, err2 := strconv.Atoi(fields[3])
		if err1 == nil && err2 == nil {
			return u, g, true, true
		}
	}
	return 0, 0, false, true
}

func etcdDataDirOwnerRule() rules.Rule {
	sp := spec{
		id: "files/etcd-data-dir-owner", title: "etcd data directory not owned by etcd's user", severity: finding.Medium,
		what: "etcd data directory", components: []inventory.ComponentKind{inventory.Etcd},
		description: "The user that owns etcd's data directory may read and change every object of the cluster. The " +
			"benchmark asks for etcd:etcd; where etcd runs as root with no etcd user (kubeadm), root:root is the " +
			"equivalent, and Palisade judges against the user that exists.",
		remedy: "chown etcd:etcd the data directory where etcd runs as the etcd user (chown -R etcd:etcd /var/lib/etcd), " +
			"or root:root where it runs as root.",
		refs: []rulesRef{cisEtcdDataDirOwner},
	}
	return sp.rule([]string{"owner and group of etcd's --data-dir"}, []string{"etcd:etcd where an etcd user exists", "root:root where none does"},
		func(ctx *rules.NodeContext) []rules.Violation {
			paths := dataDirPaths(ctx.Node, ctx.Component)
			j := collect(ctx.Node, paths)
			if len(j.files) == 0 {
				if len(paths) == 0 {
					ctx.NotApplicable("etcd's --data-dir is not set or not absolute: its default is <name>.etcd in etcd's working directory, which Palisade cannot locate.")
				} else {
					ctx.NotApplicable(j.notApplicable(sp.what, paths))
				}
				return nil
			}
			f := j.files[0]
			uid, gid, exists, known := etcdUser(ctx.Node)
			evidence := fmt.Sprintf("%s mode %s owner %s", f.Path, modeString(f.Mode), owner(f))
			root := f.UID == 0 && f.GID == 0
			switch {
			case exists:
				evidence += fmt.Sprintf("; %s: etcd is uid %d, gid %d", passwdPath, uid, gid)
				if (f.UID == uid && f.GID == gid) || root {
					ctx.Pass(evidence)
					return nil
				}
				return []rules.Violation{{Object: target(ctx.Node, f), Evidence: evidence,
					Message: fmt.Sprintf("etcd data directory %s is owned by uid %d, gid %d, not by etcd (uid %d, gid %d): that user may read and change every object of the cluster", f.Path, f.UID, f.GID, uid, gid)}}
			case root:
				if known {
					evidence += "; " + passwdPath + " has no etcd user: etcd runs as root"
				}
				ctx.Pass(evidence)
				return nil
			case known:
				evidence += "; " + passwdPath + " has no etcd user"
				return []rules.Violation{{Object: target(ctx.Node, f), Evidence: evidence,
					Message: fmt.Sprintf("etcd data directory %s is owned by uid %d, gid %d; the node has no etcd user, so etcd runs as root and the directory should be root's: that user may read and change every object of the cluster", f.Path, f.UID, f.GID)}}
			default:
				evidence += "; " + passwdPath + " was not read"
				return []rules.Violation{{Object: target(ctx.Node, f), Evidence: evidence, Severity: new(finding.Low),
					Message: fmt.Sprintf("etcd data directory %s is owned by uid %d, gid %d, not root; Palisade did not read %s, so it cannot tell whether that is etcd's user: check that it is", f.Path, f.UID, f.GID, passwdPath)}}
			}
		})
}
