package pss_test

import (
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

func find(fs []finding.Finding, kind, name, rule string) (finding.Finding, bool) {
	for _, f := range fs {
		if f.Object.Kind == kind && f.Object.Name == name && f.RuleID == rule {
			return f, true
		}
	}
	return finding.Finding{}, false
}

// TestMessages pins what the findings say: every failing check with its reason and detail,
// the container when one alone is at fault, each check's field in the evidence, and the
// defaults the API server applies before it evaluates a pod.
func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		file, kind, object   string
		rule                 string
		container, path      string
		contains, notContain []string
		evidence             []string
	}{
		{
			name: "a hostNetwork Pod gets hostPorts defaulted from its container ports",
			file: "latest/workloads.yaml", kind: "Pod", object: "host-network", rule: "pss/baseline",
			container: "", path: "spec",
			contains: []string{"the pod fails the Pod Security Standards baseline level at latest (v1.", "host namespaces (hostNetwork=true)",
				`hostPort (container "app" uses hostPort 8080)`, "a namespace that enforces baseline rejects it"},
			evidence: []string{"hostNamespaces at spec.hostNetwork", "hostPorts at spec.containers[0].ports[0].hostPort"},
		},
		{
			name: "a workload's pod template gets no hostPort default",
			file: "latest/workloads.yaml", kind: "Deployment", object: "host-network", rule: "pss/baseline",
			path:       "spec.template.spec.hostNetwork",
			contains:   []string{"the pods of this Deployment fail the Pod Security Standards baseline level", "rejects them"},
			notContain: []string{"hostPort"},
		},
		{
			name: "restricted names only its own checks and points to baseline",
			file: "latest/baseline.yaml", kind: "Pod", object: "privileged", rule: "pss/restricted",
			container: "app", path: "spec.containers[0].securityContext.allowPrivilegeEscalation",
			contains:   []string{`allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)`, "it fails baseline checks too, reported by pss/baseline"},
			notContain: []string{"privileged (container"},
		},
		{
			name: "an init container is named",
			file: "latest/containers.yaml", kind: "Pod", object: "privileged-init", rule: "pss/baseline",
			container: "setup", path: "spec.initContainers[0].securityContext.privileged",
			contains: []string{`privileged (container "setup" must not set securityContext.privileged=true)`},
			evidence: []string{"privileged at spec.initContainers[0].securityContext.privileged"},
		},
		{
			name: "an ephemeral container is named",
			file: "latest/containers.yaml", kind: "Pod", object: "escalating-debugger", rule: "pss/restricted",
			container: "debugger", path: "spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation",
			contains:   []string{`container "debugger" must set securityContext.allowPrivilegeEscalation=false`},
			notContain: []string{"fails baseline checks too"},
		},
		{
			name: "several failing checks are all named, at the field they share",
			file: "latest/restricted.yaml", kind: "Pod", object: "several-checks", rule: "pss/restricted",
			container: "app", path: "spec.containers[0].securityContext",
			contains: []string{"allowPrivilegeEscalation != false", "runAsNonRoot != true", "runAsUser=0"},
			evidence: []string{"runAsUser at spec.containers[0].securityContext.runAsUser", "runAsNonRoot at spec.containers[0].securityContext.runAsNonRoot"},
		},
		{
			name: "an unset field that the pod can set for every container is located at the pod",
			file: "latest/restricted.yaml", kind: "Pod", object: "run-as-non-root-unset", rule: "pss/restricted",
			path:     "spec.securityContext.runAsNonRoot",
			contains: []string{`runAsNonRoot != true (pod or containers "app", "sidecar" must set securityContext.runAsNonRoot=true)`},
		},
		{
			name: "a restricted volume is located at its type's field",
			file: "latest/restricted.yaml", kind: "Pod", object: "nfs-volume", rule: "pss/restricted",
			path:     "spec.volumes[0].nfs",
			contains: []string{`restricted volume types (volume "data" uses restricted volume type "nfs")`},
		},
		{
			name: "an annotation is located at its key",
			file: "latest/baseline.yaml", kind: "Pod", object: "apparmor-annotation", rule: "pss/baseline",
			path:     "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]",
			contains: []string{"forbidden AppArmor profile"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := find(testrules.Manifests(t, testrules.Builtin(t), "pss/*", nil, filepath.Join("testdata", tc.file)), tc.kind, tc.object, tc.rule)
			if !ok {
				t.Fatalf("no %s finding for %s %s", tc.rule, tc.kind, tc.object)
			}
			if f.Container != tc.container || f.Path != tc.path {
				t.Errorf("container %q, path %q; want %q, %q", f.Container, f.Path, tc.container, tc.path)
			}
			for _, s := range tc.contains {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q does not say %q", f.Message, s)
				}
			}
			for _, s := range tc.notContain {
				if strings.Contains(f.Message, s) {
					t.Errorf("message %q says %q", f.Message, s)
				}
			}
			for _, s := range tc.evidence {
				if !strings.Contains(f.Evidence, s) {
					t.Errorf("evidence %q does not say %q", f.Evidence, s)
				}
			}
		})
	}
}

// TestVersionInMessage pins that a version newer than every check says which checks judged it.
func TestVersionInMessage(t *testing.T) {
	f, ok := find(testrules.Manifests(t, testrules.Builtin(t), "pss/*", &rules.Options{PSSVersion: "v1.99", FromManifests: true}, filepath.Join("testdata", "latest/baseline.yaml")), "Pod", "host-pid", "pss/baseline")
	if !ok {
		t.Fatal("no pss/baseline finding for the host-pid pod at v1.99")
	}
	if !strings.Contains(f.Message, "at v1.99 (v1.") || !strings.Contains(f.Message, " checks)") {
		t.Errorf("message %q does not name the requested and the evaluated version", f.Message)
	}
	f, ok = find(testrules.Manifests(t, testrules.Builtin(t), "pss/*", &rules.Options{PSSVersion: "v1.24", FromManifests: true}, filepath.Join("testdata", "latest/baseline.yaml")), "Pod", "host-pid", "pss/baseline")
	if !ok || !strings.Contains(f.Message, "at v1.24:") {
		t.Errorf("at v1.24: %q, want the version alone", f.Message)
	}
}

// TestInvalidVersion pins that an invalid version is reported on every pod, never ignored or
// replaced by another.
func TestInvalidVersion(t *testing.T) {
	fs := testrules.Manifests(t, testrules.Builtin(t), "pss/*", &rules.Options{PSSVersion: "v2", FromManifests: true}, filepath.Join("testdata", "latest/clean.yaml"))
	pods := 0
	for _, f := range fs {
		if !strings.Contains(f.Message, `invalid Pod Security Standards version "v2"`) {
			t.Errorf("%s on %s: %q does not report the invalid version", f.RuleID, f.Object, f.Message)
		}
		pods++
	}
	// clean.yaml has four objects that run pods, each judged by both rules.
	if pods != 8 {
		t.Errorf("%d findings, want 8 (2 rules x 4 pods)", pods)
	}
}
