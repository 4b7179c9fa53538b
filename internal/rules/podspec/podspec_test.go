package podspec_test

import (
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

// TestFixtures runs every fixture in testdata at the default Pod Security Standards version
// (latest).
func TestFixtures(t *testing.T) {
	testrules.Run(t, testrules.Builtin(t), "testdata", nil)
}

// TestFixturesAtPSSVersion runs the fixtures whose expectations depend on an older Pod
// Security Standards version (the safe sysctl set grows by version).
func TestFixturesAtPSSVersion(t *testing.T) {
	testrules.Run(t, testrules.Builtin(t), filepath.Join("testdata", "pss-v1.28"),
		&rules.Options{PSSVersion: "v1.28", FromManifests: true})
}

// TestAutomountServiceAccountTokenFindings pins what the fixture's locations cannot: every
// finding carries the fix that sets the pod's field to false, and a ServiceAccount missing from
// the input is said to be judged from the input alone (and only then).
func TestAutomountServiceAccountTokenFindings(t *testing.T) {
	file := filepath.Join("testdata", "automount-service-account-token.yaml")
	tests := []struct {
		name      string
		opts      *rules.Options
		wantAlone map[string]bool // object name -> message says "judged from the input alone"
	}{
		{
			name: "from manifests",
			opts: &rules.Options{PSSVersion: "latest", FromManifests: true},
			wantAlone: map[string]bool{
				"pod-true-overrides": false, "sa-true": false, "sa-unset": false,
				"other-namespace": true, "missing-sa": true, "no-default": true,
			},
		},
		{
			name: "from a live cluster",
			opts: &rules.Options{PSSVersion: "latest"},
			wantAlone: map[string]bool{
				"pod-true-overrides": false, "sa-true": false, "sa-unset": false,
				"other-namespace": false, "missing-sa": false, "no-default": false,
			},
		},
	}
	usesToken := map[string]bool{"pod-true-overrides": true, "sa-true": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := testrules.Manifests(t, testrules.Builtin(t), "pod/automount-service-account-token", tt.opts, file)
			got := map[string]bool{}
			for _, f := range fs {
				got[f.Object.Name] = strings.Contains(f.Message, "judged from the input alone")
				// The remedy is left out where a container is taken to use the token: the pod
				// asks for it, or a RoleBinding grants its ServiceAccount (chatty) access.
				if usesToken[f.Object.Name] {
					if len(f.Fix) != 0 {
						t.Errorf("%s: Fix = %+v, want none: the token is in use", f.Object, f.Fix)
					}
				} else if len(f.Fix) != 1 || f.Fix[0].Path != f.Path || f.Fix[0].Value != false {
					t.Errorf("%s: Fix = %+v, want one patch setting %s to false", f.Object, f.Fix, f.Path)
				}
				if !strings.HasSuffix(f.Path, "spec.automountServiceAccountToken") {
					t.Errorf("%s: Path = %q, want the pod spec's automountServiceAccountToken", f.Object, f.Path)
				}
			}
			if len(got) != len(tt.wantAlone) {
				t.Errorf("findings on %v, want on %v", got, tt.wantAlone)
			}
			for name, alone := range tt.wantAlone {
				if g, ok := got[name]; !ok {
					t.Errorf("no finding on %s", name)
				} else if g != alone {
					t.Errorf("%s: message says judged from the input alone = %v, want %v", name, g, alone)
				}
			}
		})
	}
}

// TestHostPathSeverities pins, through the engine, the per-violation severities of the
// host-path fixture: critical for sensitive paths, high for writable ones, medium otherwise.
func TestHostPathSeverities(t *testing.T) {
	fs := testrules.Manifests(t, testrules.Builtin(t), "pod/host-path", nil, filepath.Join("testdata", "host-path.yaml"))
	want := map[string]finding.Severity{
		"node-agent volumes[0]":   finding.Critical, // /var/run/docker.sock
		"node-agent volumes[1]":   finding.High,     // /srv/scratch/, writable by an init container
		"node-agent volumes[2]":   finding.Medium,   // /srv/reports, read-only
		"node-agent volumes[3]":   finding.Critical, // /var, contains the runtime sockets
		"node-agent volumes[4]":   finding.Medium,   // /opt/unused, not mounted
		"cert-rotate volumes[0]":  finding.Critical, // /etc/kubernetes/pki/
		"cert-rotate volumes[1]":  finding.Critical, // /tmp/../var/lib/kubelet
		"log-shipper volumes[0]":  finding.Critical, // /var/log
		"debug-target volumes[0]": finding.High,     // /mnt/data, writable by an ephemeral container
		"canary volumes[0]":       finding.Critical, // /proc
	}
	got := map[string]finding.Severity{}
	for _, f := range fs {
		_, volume, ok := strings.Cut(f.Path, "spec.volumes")
		if !ok {
			t.Fatalf("%s: path %q is not a volume's", f.Object, f.Path)
		}
		got[f.Object.Name+" volumes"+strings.TrimSuffix(volume, ".hostPath.path")] = f.Severity
	}
	for k, sev := range want {
		if g, ok := got[k]; !ok || g != sev {
			t.Errorf("%s: severity %v (found %v), want %v", k, g, ok, sev)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings on %v, want on %v", got, want)
	}
}

// TestNotesForValuesOnlyTheUserKnows pins that the resource and image rules invent no value:
// their remedy is a TODO comment at the field, naming the container.
func TestNotesForValuesOnlyTheUserKnows(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n"
	tests := []struct {
		rule, path, comment string
	}{
		{"pod/memory-limit", "spec.containers[0].resources.limits.memory",
			`TODO(palisade): set resources.limits.memory of container "app" to what it needs`},
		{"pod/resource-requests", "spec.containers[0].resources.requests",
			`TODO(palisade): set resources.requests.cpu and resources.requests.memory of container "app" to what it needs`},
		{"pod/image-digest", "spec.containers[0].image",
			`TODO(palisade): pin the image by digest (repo:tag@sha256:<digest>) for container "app"`},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			fs := testrules.ManifestText(t, testrules.Builtin(t), tt.rule, &rules.Options{PSSVersion: "latest", FromManifests: true}, pod)
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			want := finding.Patch{Path: tt.path, Comment: tt.comment}
			if len(fs[0].Fix) != 1 || fs[0].Fix[0] != want || !fs[0].Fix[0].IsNote() {
				t.Errorf("Fix = %+v, want the note %+v", fs[0].Fix, want)
			}
		})
	}
}
