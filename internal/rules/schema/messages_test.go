package schema_test

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/schema"
	"palisade.dev/palisade/internal/testrules"
)

// TestMessages pins what the findings say and how severe they are: the field or value probably
// meant, the control the mistake disables, the container they concern.
func TestMessages(t *testing.T) {
	tests := []struct {
		name      string
		manifest  string
		path      string
		severity  finding.Severity
		container string
		says      []string
	}{
		{
			name:     "misspelt annotations disable the profiles set there",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotation: {a: b}\nspec:\n  containers: [{name: app, image: i}]\n",
			path:     "metadata.annotation", severity: finding.High,
			says: []string{"did you mean `annotations`?", "drops it", "seccomp and AppArmor profiles set there are not applied"},
		},
		{
			name:     "form for from admits every peer",
			manifest: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector: {}\n  ingress:\n    - form: [{podSelector: {}}]\n",
			path:     "spec.ingress[0].form", severity: finding.High,
			says: []string{"did you mean `from`?", "this rule admits every peer", "As stored, spec.ingress[0] allows every source (every pod of every namespace, and every address outside the cluster) on every port of every protocol, to every pod of namespace"},
		},
		{
			name:     "the seed's form typo says what the rule allows to the pods it selects",
			manifest: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - form: [{podSelector: {matchLabels: {name: guestbook}}}]\n      ports: [{port: 6379}, {port: metrics, protocol: TCP}, {protocol: UDP, port: 5000, endPort: 5010}]\n",
			path:     "spec.ingress[0].form", severity: finding.High,
			says: []string{"As stored, spec.ingress[0] allows every source (every pod of every namespace, and every address outside the cluster) on TCP 6379, TCP port `metrics`, UDP 5000-5010, to the pods of namespace shop that match app=db."},
		},
		{
			name:     "a misspelt egress to keeps the rule's ports",
			manifest: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {}\n  egress:\n    - too: [{ipBlock: {cidr: 10.0.0.0/8}}]\n      ports: [{port: 53, protocol: UDP}]\n",
			path:     "spec.egress[0].too", severity: finding.High,
			says: []string{"did you mean `to`?", "As stored, spec.egress[0] allows every destination (every pod of every namespace, and every address outside the cluster) on UDP 53, from every pod of namespace shop."},
		},
		{
			name:     "a misspelt ports keeps the rule's peers",
			manifest: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n    - from: [{podSelector: {}}]\n      prots: [{port: 80}]\n",
			path:     "spec.ingress[0].prots", severity: finding.High,
			says: []string{"did you mean `ports`?", "As stored, spec.ingress[0] allows the source it lists on every port of every protocol, to every pod of namespace shop."},
		},
		{
			name:     "readOnlyRootFilesystem in the pod's securityContext",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    readOnlyRootFilesystem: true\n  containers: [{name: app, image: i}]\n",
			path:     "spec.securityContext.readOnlyRootFilesystem", severity: finding.High,
			says: []string{"`readOnlyRootFilesystem` belongs in `containers[].securityContext`, not directly in the pod's securityContext", "the root filesystem stays writable"},
		},
		{
			name:     "a field in a container's securityContext names the container",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: i\n      securityContext: {runAsNonRot: true}\n",
			path:     "spec.containers[0].securityContext.runAsNonRot", severity: finding.High, container: "app",
			says: []string{"did you mean `runAsNonRoot`?", "nothing stops the container from running as root"},
		},
		{
			name:     "a field without a security control is medium",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: i\n      workingDr: /app\n",
			path:     "spec.containers[0].workingDr", severity: finding.Medium, container: "app",
			says: []string{"did you mean `workingDir`?", "whatever it sets does not apply"},
		},
		{
			name:     "an unknown field with nothing close",
			manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nfrobnicate: true\n",
			path:     "frobnicate", severity: finding.Medium,
			says: []string{"`frobnicate` is not a field of a ConfigMap."},
		},
		{
			name:     "a key written twice",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: i\n      image: j\n",
			path:     "spec.containers[0].image", severity: finding.Medium, container: "app",
			says: []string{"`image` is written more than once", "only the last one counts"},
		},
		{
			name:     "runtime/defailt",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {seccomp.security.alpha.kubernetes.io/pod: runtime/defailt}\nspec:\n  containers: [{name: app, image: i}]\n",
			path:     "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", severity: finding.High,
			says: []string{"`runtime/defailt`", "did you mean `runtime/default`?", "rejects the pod"},
		},
		{
			name:     "an AppArmor annotation naming no container",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {container.apparmor.security.beta.kubernetes.io/ap: runtime/default}\nspec:\n  containers: [{name: app, image: i}]\n",
			path:     "metadata.annotations[container.apparmor.security.beta.kubernetes.io/ap]", severity: finding.High,
			says: []string{"names container `ap`, which this pod does not have", "did you mean `app`?"},
		},
		{
			name:     "an unknown capability in drop",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: i\n      securityContext: {capabilities: {drop: [SYS_ADMN]}}\n",
			path:     "spec.containers[0].securityContext.capabilities.drop[0]", severity: finding.High, container: "app",
			says: []string{"`SYS_ADMN`", "did you mean `SYS_ADMIN`?", "drops nothing"},
		},
		{
			name:     "an unknown capability in add is medium",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: i\n      securityContext: {capabilities: {add: [NET_BIND]}}\n",
			path:     "spec.containers[0].securityContext.capabilities.add[0]", severity: finding.Medium, container: "app",
			says: []string{"`NET_BIND`"},
		},
		{
			name:     "a lower-case protocol is medium",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: i\n      ports: [{containerPort: 80, protocol: udp}]\n",
			path:     "spec.containers[0].ports[0].protocol", severity: finding.Medium, container: "app",
			says: []string{"did you mean `UDP`?"},
		},
		{
			name:     "a misspelt Pod Security level",
			manifest: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels: {pod-security.kubernetes.io/enforce: Restricted}\n",
			path:     "metadata.labels[pod-security.kubernetes.io/enforce]", severity: finding.High,
			says: []string{"`Restricted`", "did you mean `restricted`?", "never enforced"},
		},
		{
			name:     "a Pod Security version without its v",
			manifest: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  labels: {pod-security.kubernetes.io/warn-version: \"1.31\"}\n",
			path:     "metadata.labels[pod-security.kubernetes.io/warn-version]", severity: finding.High,
			says: []string{"did you mean `v1.31`?"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := testrules.ManifestText(t, testrules.Rules(t, schema.Rules()...), "*", &rules.Options{FromManifests: true}, tt.manifest)
			if len(fs) != 1 {
				for _, f := range fs {
					t.Logf("%s %s: %s", f.RuleID, f.Path, f.Message)
				}
				t.Fatalf("%d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Path != tt.path || f.Severity != tt.severity || f.Container != tt.container {
				t.Errorf("finding at %s (%s, container %q), want %s (%s, container %q)", f.Path, f.Severity, f.Container, tt.path, tt.severity, tt.container)
			}
			for _, s := range tt.says {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q does not say %q", f.Message, s)
				}
			}
		})
	}
}

func TestRulesAreValid(t *testing.T) {
	if _, err := rules.NewCatalog(schema.Rules()...); err != nil {
		t.Fatal(err)
	}
}

// TestMessagesDescribeKeysThatAreNotNames pins that a key of the input is shown in a message or
// its evidence only when it has the shape of a name: a token pasted where a field belongs is
// described by its length, since reports are published.
func TestMessagesDescribeKeysThatAreNotNames(t *testing.T) {
	const token = "ghp_R4nd0mT0k3nV4lu3Th4tMustN0tL34k"
	tests := []struct {
		name, manifest string
	}{
		{"an unknown field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" + token + ": x\n"},
		{"an unknown field in a container", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: i\n      " + token + ": x\n"},
		{"a key written twice", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  " + token + ": a\n  " + token + ": b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := testrules.ManifestText(t, testrules.Rules(t, schema.Rules()...), "*", &rules.Options{FromManifests: true}, tt.manifest)
			if len(fs) == 0 {
				t.Fatal("no finding")
			}
			for _, f := range fs {
				if strings.Contains(f.Message, token[:12]) || strings.Contains(f.Evidence, token[:12]) {
					t.Errorf("%s quotes the key: message %q, evidence %q", f.RuleID, f.Message, f.Evidence)
				}
				if !strings.Contains(f.Message+f.Evidence, "a string of 35 characters") {
					t.Errorf("%s does not describe the key: message %q, evidence %q", f.RuleID, f.Message, f.Evidence)
				}
			}
		})
	}
}

// TestRemedies pins the corrections the manifest rules carry: a misspelt field is renamed to
// the one probably meant at its own level, an invalid value is replaced by the closest valid
// one, and nothing is corrected to a value that lifts a confinement or grants a capability.
func TestRemedies(t *testing.T) {
	pod := func(spec string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    image: i\n" + spec
	}
	tests := []struct {
		name     string
		manifest string
		path     string
		want     []finding.Patch // nil: no remedy
	}{
		{name: "a misspelt field is renamed",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotation: {a: b}\nspec:\n  containers: [{name: app, image: i}]\n",
			path:     "metadata.annotation",
			want:     []finding.Patch{{Path: "metadata.annotation", Rename: "annotations"}}},
		{name: "a field at the wrong level is left to the user",
			manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    readOnlyRootFilesystem: true\n  containers: [{name: app, image: i}]\n",
			path:     "spec.securityContext.readOnlyRootFilesystem"},
		{name: "a misspelt seccomp type is corrected to RuntimeDefault",
			manifest: pod("    securityContext:\n      seccompProfile: {type: RuntimeDefualt}\n"),
			path:     "spec.containers[0].securityContext.seccompProfile.type",
			want:     []finding.Patch{{Path: "spec.containers[0].securityContext.seccompProfile.type", Value: "RuntimeDefault"}}},
		{name: "a misspelt Unconfined is not corrected",
			manifest: pod("    securityContext:\n      seccompProfile: {type: Unconfned}\n"),
			path:     "spec.containers[0].securityContext.seccompProfile.type"},
		{name: "a misspelt dropped capability is corrected",
			manifest: pod("    securityContext:\n      capabilities: {drop: [NET_RAWW]}\n"),
			path:     "spec.containers[0].securityContext.capabilities.drop[0]",
			want:     []finding.Patch{{Path: "spec.containers[0].securityContext.capabilities.drop[0]", Value: "NET_RAW"}}},
		{name: "a misspelt added capability is not corrected",
			manifest: pod("    securityContext:\n      capabilities: {add: [SYS_ADMN]}\n"),
			path:     "spec.containers[0].securityContext.capabilities.add[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := testrules.ManifestText(t, testrules.Rules(t, schema.Rules()...), "*", &rules.Options{FromManifests: true}, tt.manifest)
			var got *finding.Finding
			for i := range fs {
				if fs[i].Path == tt.path {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Fatalf("no finding at %s in %d findings", tt.path, len(fs))
			}
			if len(got.Fix) != len(tt.want) {
				t.Fatalf("Fix = %+v, want %+v", got.Fix, tt.want)
			}
			for i := range tt.want {
				if got.Fix[i] != tt.want[i] {
					t.Errorf("Fix[%d] = %+v, want %+v", i, got.Fix[i], tt.want[i])
				}
			}
		})
	}
}
