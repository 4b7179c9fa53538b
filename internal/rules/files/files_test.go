package files_test

import (
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/files"
	"palisade.dev/palisade/internal/testrules"
)

// fsNode builds a node from "path mode uid:gid" lines; a path ending in / is a directory,
// whose entries are filled from the other paths under it.
func fsNode(comps []*inventory.Component, lines ...string) *inventory.Node {
	n := &inventory.Node{Host: "cp-1", Components: comps, Files: map[string]*inventory.File{}}
	for _, l := range lines {
		var p, mode, own string
		fields := strings.Fields(l)
		p, mode, own = fields[0], fields[1], fields[2]
		f := &inventory.File{Exists: true}
		if strings.HasSuffix(p, "/") {
			f.IsDir, p = true, strings.TrimSuffix(p, "/")
		}
		f.Path = p
		var m uint32
		for _, c := range mode {
			m = m*8 + uint32(c-'0')
		}
		f.Mode = fs.FileMode(m)
		u, g, _ := strings.Cut(own, ":")
		f.UID, f.GID = atoi(u), atoi(g)
		n.Files[p] = f
	}
	for p := range n.Files {
		if parent := n.Files[path.Dir(p)]; parent != nil && parent.IsDir && p != "/" {
			parent.Entries = append(parent.Entries, path.Base(p))

		}
	}
	for _, f := range n.Files {
		sort.Strings(f.Entries)
	}
	return n
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// want is the verdict a rule should give: its status, its severity (for a failure), strings
// its message and evidence contain, and the file it is located at (when not empty).
type want = testrules.Want

var kubeadmFiles = []string{
	"/etc/kubernetes/ 0755 0:0",
	"/etc/kubernetes/manifests/ 0755 0:0",
	"/etc/kubernetes/manifests/kube-apiserver.yaml 0600 0:0",
	"/etc/kubernetes/manifests/etcd.yaml 0600 0:0",
	"/etc/kubernetes/admin.conf 0600 0:0",
	"/etc/kubernetes/super-admin.conf 0600 0:0",
	"/etc/kubernetes/scheduler.conf 0600 0:0",
	"/etc/kubernetes/controller-manager.conf 0600 0:0",
	"/etc/kubernetes/pki/ 0755 0:0",
	"/etc/kubernetes/pki/ca.crt 0644 0:0",
	"/etc/kubernetes/pki/ca.key 0600 0:0",
	"/etc/kubernetes/pki/etcd/ 0755 0:0",
	"/etc/kubernetes/pki/etcd/ca.crt 0600 0:0",
	"/etc/kubernetes/pki/etcd/ca.key 0600 0:0",
	"/var/lib/etcd/ 0700 0:0",
}

func replace(lines []string, changes ...string) []string {
	out := append([]string(nil), lines...)
	for _, c := range changes {
		p := strings.Fields(c)[0]
		found := false
		for i, l := range out {
			if strings.Fields(l)[0] == p {
				out[i], found = c, true
			}
		}
		if !found {
			out = append(out, c)
		}
	}
	return out
}

func etcdComp(args ...string) *inventory.Component {
	return &inventory.Component{Kind: inventory.Etcd, Source: inventory.FromStaticPod, Path: "/etc/kubernetes/manifests/etcd.yaml", Args: args, Flags: flags.Parse(args, nil)}
}

func TestRules(t *testing.T) {
	etcd := []*inventory.Component{etcdComp("--data-dir=/var/lib/etcd")}
	tests := []struct {
		name  string
		rule  string
		node  *inventory.Node
		want  []want // status, severity (failures), message substring, evidence substring, file
		count int
	}{
		{"kubeadm manifests", "files/static-pod-manifest-mode", fsNode(etcd, kubeadmFiles...),
			[]want{{Status: finding.Pass, Evidence: "/etc/kubernetes/manifests/etcd.yaml 0600; /etc/kubernetes/manifests/kube-apiserver.yaml 0600"}}, 1},
		{"a world-readable manifest", "files/static-pod-manifest-mode", fsNode(etcd, replace(kubeadmFiles, "/etc/kubernetes/manifests/kube-apiserver.yaml 0644 0:0")...),
			[]want{{Status: finding.Fail, Severity: finding.High, Message: "static pod manifest /etc/kubernetes/manifests/kube-apiserver.yaml has mode 0644, more permissive than 0600: its group may read it, every user may read it", File: "/etc/kubernetes/manifests/kube-apiserver.yaml"}}, 1},
		{"no manifests on a worker", "files/static-pod-manifest-mode", fsNode(nil, "/etc/kubernetes/ 0755 0:0"),
			[]want{{Status: finding.NotApplicable, Message: "No static pod manifest is known on this node."}}, 1},
		{"a manifest owned by a user", "files/static-pod-manifest-owner", fsNode(etcd, replace(kubeadmFiles, "/etc/kubernetes/manifests/etcd.yaml 0600 1000:0")...),
			[]want{{Status: finding.Fail, Severity: finding.High, Message: "is owned by uid 1000, gid 0, not root:root"}}, 1},
		{"kubeconfigs", "files/kubeconfig-mode", fsNode(nil, kubeadmFiles...), []want{{Status: finding.Pass, Evidence: "/etc/kubernetes/admin.conf 0600"}}, 1},
		{"an admin.conf others may read, super-admin.conf missing", "files/kubeconfig-mode", fsNode(nil, replace(kubeadmFiles[:4], "/etc/kubernetes/admin.conf 0640 0:0")...),
			[]want{{Status: finding.Fail, Severity: finding.High, Message: "kubeconfig /etc/kubernetes/admin.conf has mode 0640", File: "/etc/kubernetes/admin.conf"}}, 1},
		{"no kubeconfig at all", "files/kubeconfig-owner", fsNode(nil),
			[]want{{Status: finding.NotApplicable, Message: "No kubeconfig was found on this node (looked for /etc/kubernetes/admin.conf, /etc/kubernetes/super-admin.conf"}}, 1},
		{"the scheduler's --kubeconfig is judged", "files/kubeconfig-owner",
			fsNode([]*inventory.Component{{Kind: inventory.KubeScheduler, Source: inventory.FromProcess, Path: "/proc/9/cmdline", Flags: flags.Parse([]string{"--kubeconfig=/srv/sched.kubeconfig"}, nil)}},
				"/srv/sched.kubeconfig 0600 100:100"),
			[]want{{Status: finding.Fail, Severity: finding.High, Message: "/srv/sched.kubeconfig is owned by uid 100"}}, 1},
		{"PKI owned by root throughout", "files/pki-owner", fsNode(nil, kubeadmFiles...), []want{{Status: finding.Pass, Evidence: "/etc/kubernetes/pki/etcd/ca.key 0:0"}}, 1},
		{"a PKI subdirectory owned by a user", "files/pki-owner", fsNode(nil, replace(kubeadmFiles, "/etc/kubernetes/pki/etcd/ 0755 1000:1000")...),
			[]want{{Status: finding.Fail, Message: "PKI file /etc/kubernetes/pki/etcd is owned by uid 1000", Severity: finding.High}}, 1},
		{"a 0644 certificate is low: certificates are public", "files/pki-certificate-mode", fsNode(nil, kubeadmFiles...),
			[]want{{Status: finding.Fail, Severity: finding.Low, Message: "certificate /etc/kubernetes/pki/ca.crt has mode 0644"}}, 1},
		{"a certificate others may write is medium", "files/pki-certificate-mode", fsNode(nil, replace(kubeadmFiles, "/etc/kubernetes/pki/ca.crt 0600 0:0", "/etc/kubernetes/pki/etcd/ca.crt 0666 0:0")...),
			[]want{{Status: finding.Fail, Severity: finding.Medium, Message: "every user may read and write it"}}, 1},
		{"keys 0600", "files/pki-key-mode", fsNode(nil, kubeadmFiles...), []want{{Status: finding.Pass, Evidence: "/etc/kubernetes/pki/ca.key 0600; /etc/kubernetes/pki/etcd/ca.key 0600"}}, 1},
		{"two readable keys, two findings", "files/pki-key-mode", fsNode(nil, replace(kubeadmFiles, "/etc/kubernetes/pki/ca.key 0640 0:0", "/etc/kubernetes/pki/etcd/ca.key 0604 0:0")...),
			[]want{{Status: finding.Fail, Severity: finding.High, File: "/etc/kubernetes/pki/ca.key"}, {Status: finding.Fail, Severity: finding.High, File: "/etc/kubernetes/pki/etcd/ca.key"}}, 2},
		{"data dir 0700", "files/etcd-data-dir-mode", fsNode(etcd, kubeadmFiles...), []want{{Status: finding.Pass, Evidence: "/var/lib/etcd 0700"}}, 1},
		{"data dir 0755", "files/etcd-data-dir-mode", fsNode(etcd, replace(kubeadmFiles, "/var/lib/etcd/ 0755 0:0")...),
			[]want{{Status: finding.Fail, Severity: finding.High, Message: "has mode 0755, more permissive than 0700: its group may read and execute it"}}, 1},
		{"data dir from ETCD_DATA_DIR", "files/etcd-data-dir-mode",
			fsNode([]*inventory.Component{{Kind: inventory.Etcd, Source: inventory.FromProcess, Path: "/proc/5/cmdline", Flags: flags.Parse(nil, nil), Env: map[string]string{"ETCD_DATA_DIR": "/data/etcd"}}}, "/data/etcd/ 0700 0:0"),
			[]want{{Status: finding.Pass, Evidence: "/data/etcd 0700"}}, 1},
		{"relative data dir", "files/etcd-data-dir-owner", fsNode([]*inventory.Component{etcdComp("--name=m1")}, kubeadmFiles...),
			[]want{{Status: finding.NotApplicable, Message: "--data-dir is not set or not absolute"}}, 1},
		{"data dir missing", "files/etcd-data-dir-mode", fsNode(etcd), []want{{Status: finding.NotApplicable, Message: "No etcd data directory was found on this node (looked for /var/lib/etcd)"}}, 1},
		{"no etcd on the node", "files/etcd-data-dir-mode", fsNode(nil, kubeadmFiles...), []want{{Status: finding.NotApplicable, Message: "No etcd was found on this node."}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testrules.Node(t, testrules.Rules(t, files.Rules()...), tt.rule, tt.node, nil)
			if len(got) != tt.count {
				t.Fatalf("%d verdicts, want %d: %+v", len(got), tt.count, got)
			}
			sort.Slice(got, func(i, j int) bool { return got[i].File < got[j].File })
			for i, w := range tt.want {
				w.Check(t, got[i])
			}
		})
	}
}

func TestEtcdDataDirOwnerJudgesAgainstTheUserThatExists(t *testing.T) {
	etcd := []*inventory.Component{etcdComp("--data-dir=/var/lib/etcd")}
	passwd := func(n *inventory.Node, data string) *inventory.Node {
		n.Files["/etc/passwd"] = &inventory.File{Path: "/etc/passwd", Exists: true, Data: []byte(data), Mode: 0o644}
		return n
	}
	const withEtcd = "root:x:0:0:root:/root:/bin/bash\netcd:x:998:997:etcd user:/var/lib/etcd:/sbin/nologin\n"
	const without = "root:x:0:0:root:/root:/bin/bash\n"
	tests := []struct {
		name string
		node *inventory.Node
		want want
	}{
		{"kubeadm: root, no etcd user", passwd(fsNode(etcd, kubeadmFiles...), without),
			want{Status: finding.Pass, Evidence: "/etc/passwd has no etcd user: etcd runs as root"}},
		{"package: etcd:etcd", passwd(fsNode(etcd, "/var/lib/etcd/ 0700 998:997"), withEtcd), want{Status: finding.Pass, Evidence: "etcd is uid 998, gid 997"}},
		{"package: owned by another user", passwd(fsNode(etcd, "/var/lib/etcd/ 0700 1000:1000"), withEtcd),
			want{Status: finding.Fail, Severity: finding.Medium, Message: "owned by uid 1000, gid 1000, not by etcd (uid 998, gid 997)"}},
		{"no etcd user, owned by a user", passwd(fsNode(etcd, "/var/lib/etcd/ 0700 1000:1000"), without),
			want{Status: finding.Fail, Severity: finding.Medium, Message: "the node has no etcd user, so etcd runs as root"}},
		{"user database not read: root passes", fsNode(etcd, kubeadmFiles...), want{Status: finding.Pass, Evidence: "/var/lib/etcd mode 0700 owner 0:0"}},
		{"user database not read: another owner is low", fsNode(etcd, "/var/lib/etcd/ 0700 998:997"),
			want{Status: finding.Fail, Severity: finding.Low, Message: "cannot tell whether that is etcd's user", Evidence: "/etc/passwd was not read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testrules.Node(t, testrules.Rules(t, files.Rules()...), "files/etcd-data-dir-owner", tt.node, nil)
			if len(got) != 1 {
				t.Fatalf("verdicts %+v", got)
			}
			tt.want.Check(t, got[0])
		})
	}
}

func BenchmarkRulesOnOneNode(b *testing.B) {
	c, err := rules.NewCatalog(files.Rules()...)
	if err != nil {
		b.Fatal(err)
	}
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{fsNode([]*inventory.Component{etcdComp("--data-dir=/var/lib/etcd")}, kubeadmFiles...)}
	b.ReportAllocs()
	for b.Loop() {
		e := c.NewEvaluation(&rules.Options{}, nil)
		e.Finish(inv)
	}
}
