package securitycontext_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/securitycontext"
)

// want is what one violation must carry; the fixtures pin rules and lines, this pins the rest.
type want struct {
	container string
	path      string
	severity  finding.Severity
	message   string // a substring
	evidence  string // a substring
	fix       []finding.Patch
}

// TestViolationDetails pins what fixtures cannot: the container, path, severity (including
// per-violation overrides), message, evidence and remedy patch of a violation, and that
// Options.NoEvidence changes nothing but the evidence.
func TestViolationDetails(t *testing.T) {
	tests := []struct {
		name    string
		rule    string
		spec    corev1.PodSpec
		meta    metav1.ObjectMeta
		version string
		want    []want
	}{
		{
			name: "unset runAsNonRoot is reported on the container field with a fix",
			rule: "pod/run-as-non-root",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.runAsNonRoot", severity: finding.High,
				message:  `container "app" may run as root`,
				evidence: "runAsNonRoot unset in container and pod; runAsUser unset in container and pod",
				fix:      nonRootFix("spec.containers[0].securityContext"),
			}},
		},
		{
			name: "runAsNonRoot in a user namespace is medium",
			rule: "pod/run-as-non-root",
			spec: corev1.PodSpec{HostUsers: new(false), InitContainers: []corev1.Container{{Name: "init"}}},
			want: []want{{
				container: "init", path: "spec.initContainers[0].securityContext.runAsNonRoot", severity: finding.Medium,
				message: `init container "init"`, evidence: "hostUsers=false",
				fix: nonRootFix("spec.initContainers[0].securityContext"),
			}},
		},
		{
			name: "an inherited pod-level false is reported at the pod field",
			rule: "pod/run-as-non-root",
			spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: new(false)},
				Containers:      []corev1.Container{{Name: "app"}},
			},
			want: []want{{
				container: "app", path: "spec.securityContext.runAsNonRoot", severity: finding.High,
				message: "from the pod securityContext", evidence: "runAsNonRoot=false in pod securityContext",
				fix: nonRootFix("spec.securityContext"),
			}},
		},
		{
			name: "drop ALL is appended to an existing drop list",
			rule: "pod/capabilities-drop-all",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"NET_RAW"}},
			}}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.capabilities.drop", severity: finding.Medium,
				evidence: "capabilities.drop=[NET_RAW]",
				fix: []finding.Patch{{Path: "spec.containers[0].securityContext.capabilities.drop",
					Value: []corev1.Capability{"NET_RAW", "ALL"}}},
			}},
		},
		{
			name: "capabilities are named after normalisation, critical ones raised",
			rule: "pod/dangerous-capabilities",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
				Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"cap_sys_admin", "net_raw", "CHOWN", "SYS_ADMN"}},
			}}}},
			want: []want{
				{container: "app", path: "spec.containers[0].securityContext.capabilities.add[0]", severity: finding.Critical,
					message: "adds CAP_SYS_ADMIN", evidence: `"cap_sys_admin"`},
				{container: "app", path: "spec.containers[0].securityContext.capabilities.add[1]", severity: finding.High,
					message: "adds CAP_NET_RAW", evidence: `"net_raw"`},
				{container: "app", path: "spec.containers[0].securityContext.capabilities.add[3]", severity: finding.High,
					message: "not a Linux capability", evidence: `"SYS_ADMN"`},
			},
		},
		{
			name: "privileged implies privilege escalation",
			rule: "pod/allow-privilege-escalation",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
				Privileged: new(true), AllowPrivilegeEscalation: new(false),
			}}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.privileged", severity: finding.High,
				message: "privileged: true implies allowPrivilegeEscalation: true",
				fix: []finding.Patch{
					{Path: "spec.containers[0].securityContext.privileged", Remove: true},
					{Path: "spec.containers[0].securityContext.allowPrivilegeEscalation", Value: false},
				},
			}},
		},
		{
			name: "a privileged container's remedy removes privileged",
			rule: "pod/privileged",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{Privileged: new(true)}}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.privileged", severity: finding.Critical,
				message: "runs privileged",
				fix:     []finding.Patch{{Path: "spec.containers[0].securityContext.privileged", Remove: true}},
			}},
		},
		{
			name: "a host namespace's remedy removes the field",
			rule: "pod/host-pid",
			spec: corev1.PodSpec{HostPID: true, Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				path: "spec.hostPID", severity: finding.Critical, message: "process namespace",
				fix: []finding.Patch{{Path: "spec.hostPID", Remove: true}},
			}},
		},
		{
			name: "a writable root filesystem's remedy mounts an emptyDir at /tmp",
			rule: "pod/read-only-root-filesystem",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.readOnlyRootFilesystem", severity: finding.Medium,
				message: "writable root filesystem",
				fix: []finding.Patch{
					{Path: "spec.containers[0].securityContext.readOnlyRootFilesystem", Value: true, Comment: "set by palisade fix: mount an emptyDir at every other path the app writes to"},
					{Path: "spec.containers[0].volumeMounts", Value: []any{map[string]any{"name": "tmp", "mountPath": "/tmp"}}},
					{Path: "spec.volumes", Value: []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}}},
				},
			}},
		},
		{
			name: "a writable root filesystem with a tmp volume of its own is only set read-only",
			rule: "pod/read-only-root-filesystem",
			spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "app"}},
				Volumes:    []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp"}}}},
			},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.readOnlyRootFilesystem", severity: finding.Medium,
				message: "writable root filesystem",
				fix: []finding.Patch{
					{Path: "spec.containers[0].securityContext.readOnlyRootFilesystem", Value: true, Comment: "set by palisade fix: mount an emptyDir at every other path the app writes to"},
				},
			}},
		},
		{
			name: "a seccomp container annotation is replaced by the container's field",
			rule: "pod/seccomp",
			meta: metav1.ObjectMeta{Annotations: map[string]string{"container.seccomp.security.alpha.kubernetes.io/app": "unconfined"}},
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				container: "app", path: "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]", severity: finding.High,
				message: "deprecated annotation",
				fix: []finding.Patch{
					{Path: "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]", Remove: true},
					{Path: "spec.containers[0].securityContext.seccompProfile.type", Value: "RuntimeDefault"},
				},
			}},
		},
		{
			name: "missing seccomp is medium, with a RuntimeDefault fix",
			rule: "pod/seccomp",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.seccompProfile.type", severity: finding.Medium,
				evidence: "seccompProfile unset in container and pod; no seccomp annotation",
				fix:      []finding.Patch{{Path: "spec.containers[0].securityContext.seccompProfile.type", Value: "RuntimeDefault"}},
			}},
		},
		{
			name: "Unconfined seccomp inherited from the pod is high",
			rule: "pod/seccomp",
			spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}},
				Containers:      []corev1.Container{{Name: "app"}},
			},
			want: []want{{
				container: "app", path: "spec.securityContext.seccompProfile.type", severity: finding.High,
				evidence: "seccompProfile.type=Unconfined in pod securityContext (container does not set it)",
				fix:      []finding.Patch{{Path: "spec.securityContext.seccompProfile.type", Value: "RuntimeDefault"}},
			}},
		},
		{
			name: "a seccomp annotation alone is non-functional at the latest version",
			rule: "pod/seccomp",
			meta: metav1.ObjectMeta{Annotations: map[string]string{"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				container: "app", path: "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", severity: finding.Medium,
				message: "no effect since Kubernetes 1.27",
				fix: []finding.Patch{
					{Path: "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]", Remove: true},
					{Path: "spec.securityContext.seccompProfile.type", Value: "RuntimeDefault"},
				},
			}},
		},
		{
			name:    "a seccomp annotation counts at v1.26",
			rule:    "pod/seccomp",
			version: "v1.26",
			meta:    metav1.ObjectMeta{Annotations: map[string]string{"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
			spec:    corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
		},
		{
			name: "an unconfined AppArmor annotation is fixed in place",
			rule: "pod/apparmor",
			meta: metav1.ObjectMeta{Annotations: map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}},
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				container: "app", path: "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]", severity: finding.Medium,
				fix: []finding.Patch{
					{Path: "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]", Remove: true},
					{Path: "spec.containers[0].securityContext.appArmorProfile.type", Value: "RuntimeDefault"},
				},
			}},
		},
		{
			name: "an unconfined AppArmor field takes the container's annotation with it, which the API server requires to match",
			rule: "pod/apparmor",
			meta: metav1.ObjectMeta{Annotations: map[string]string{"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}},
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
				AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}}}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.appArmorProfile.type", severity: finding.Medium,
				fix: []finding.Patch{
					{Path: "metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]", Remove: true},
					{Path: "spec.containers[0].securityContext.appArmorProfile.type", Value: "RuntimeDefault"},
				},
			}},
		},
		{
			name: "a Windows pod's remedy sets runAsNonRoot alone, as the API server forbids runAsUser there",
			rule: "pod/run-as-non-root",
			spec: corev1.PodSpec{OS: &corev1.PodOS{Name: corev1.Windows}, Containers: []corev1.Container{{Name: "app"}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.runAsNonRoot", severity: finding.High,
				fix: []finding.Patch{{Path: "spec.containers[0].securityContext.runAsNonRoot", Value: true,
					Comment: "set by palisade fix: run as a non-administrator user, e.g. windowsOptions.runAsUserName: ContainerUser"}},
			}},
		},
		{
			name: "Unmasked /proc in a user namespace is medium",
			rule: "pod/proc-mount",
			spec: corev1.PodSpec{HostUsers: new(false), Containers: []corev1.Container{{Name: "app",
				SecurityContext: &corev1.SecurityContext{ProcMount: new(corev1.UnmaskedProcMount)}}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.procMount", severity: finding.Medium,
				fix: []finding.Patch{{Path: "spec.containers[0].securityContext.procMount", Value: "Default"}},
			}},
		},
		{
			name: "pod-level findings carry no container",
			rule: "pod/run-as-root-group",
			spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{FSGroup: new(int64(0)), SupplementalGroups: []int64{5, 0}},
				Containers:      []corev1.Container{{Name: "app"}},
			},
			want: []want{
				{path: "spec.securityContext.fsGroup", severity: finding.Medium, evidence: "fsGroup=0"},
				{path: "spec.securityContext.supplementalGroups[1]", severity: finding.Medium},
			},
		},
		{
			name: "SELinux user is removed by the fix",
			rule: "pod/selinux",
			spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
				SELinuxOptions: &corev1.SELinuxOptions{User: "system_u"},
			}}}},
			want: []want{{
				container: "app", path: "spec.containers[0].securityContext.seLinuxOptions.user", severity: finding.High,
				fix: []finding.Patch{{Path: "spec.containers[0].securityContext.seLinuxOptions.user", Remove: true}},
			}},
		},
	}
	byID := map[string]rules.Rule{}
	for _, r := range securitycontext.Rules() {
		byID[r.ID] = r
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := byID[tt.rule]
			if !ok {
				t.Fatalf("no rule %s", tt.rule)
			}
			version, kubernetes := tt.version, tt.version
			if version == "" {
				version = "latest"
			}
			ctx := &rules.PodContext{
				Pod:     inventory.PodTemplate{Meta: &tt.meta, Spec: &tt.spec, MetaPath: "metadata", SpecPath: "spec"},
				Options: &rules.Options{PSSVersion: version, KubernetesVersion: kubernetes, FromManifests: true},
			}
			got := r.Pod(ctx)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d violations, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				checkViolation(t, r, got[i], w)
			}
			// A caller that prints no evidence (admission) gets the same violations but for
			// the evidence, which a rule may then leave empty.
			quiet := *ctx.Options
			quiet.NoEvidence = true
			bare := r.Pod(&rules.PodContext{Pod: ctx.Pod, Options: &quiet})
			for i := range got {
				got[i].Evidence = ""
			}
			for i := range bare {
				bare[i].Evidence = ""
			}
			if !reflect.DeepEqual(bare, got) {
				t.Errorf("with NoEvidence got %+v, want %+v", bare, got)
			}
		})
	}
}

func checkViolation(t *testing.T, r rules.Rule, v rules.Violation, w want) {
	t.Helper()
	sev := r.Severity
	if v.Severity != nil {
		sev = *v.Severity
	}
	if v.Container != w.container || v.Path != w.path || sev != w.severity {
		t.Errorf("violation {container %q, path %q, severity %v}, want {%q, %q, %v}",
			v.Container, v.Path, sev, w.container, w.path, w.severity)
	}
	if !strings.Contains(v.Message, w.message) {
		t.Errorf("message %q does not contain %q", v.Message, w.message)
	}
	if !strings.Contains(v.Evidence, w.evidence) || v.Evidence == "" {
		t.Errorf("evidence %q does not contain %q", v.Evidence, w.evidence)
	}
	if w.fix != nil && !reflect.DeepEqual(v.Fix, w.fix) {
		t.Errorf("fix %+v, want %+v", v.Fix, w.fix)
	}
}

// TestRuleContracts checks that every rule states its contract: fields, allowed values and
// references besides what the catalog itself requires.
func TestRuleContracts(t *testing.T) {
	for _, r := range securitycontext.Rules() {
		if len(r.Fields) == 0 || len(r.Allowed) == 0 || len(r.References) == 0 {
			t.Errorf("%s: fields, allowed values and references are required", r.ID)
		}
		if r.Scope != rules.ScopePod || !strings.HasPrefix(r.ID, "pod/") {
			t.Errorf("%s: want a pod-scoped rule with a pod/ ID", r.ID)
		}
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// TestRunAsNonRootJudgesTheEffectiveUser pins pod/run-as-non-root on every combination of
// runAsNonRoot and runAsUser at the pod and container levels: the container fails only when it
// can run as root (an effective runAsUser of 0, or no non-zero runAsUser, without an effective
// runAsNonRoot: true). runAsNonRoot: false with a non-zero runAsUser runs as that UID and passes.
func TestRunAsNonRootJudgesTheEffectiveUser(t *testing.T) {
	type levels struct {
		nonRoot *bool
		user    *int64
	}
	tests := []struct {
		name           string
		pod, container levels
		wantPath       string // "" when the container passes
		wantNote       string // the runAsUser a TODO note is written at, when it is 0
		wantMessage    string
		wantEvidence   string
	}{
		{name: "nothing set may run as root", wantPath: "spec.containers[0].securityContext.runAsNonRoot",
			wantMessage: "may run as root", wantEvidence: "runAsNonRoot unset in container and pod; runAsUser unset in container and pod"},
		{name: "container runAsNonRoot true passes", container: levels{nonRoot: new(true)}},
		{name: "pod runAsNonRoot true passes", pod: levels{nonRoot: new(true)}},
		{name: "container runAsUser 1000 passes", container: levels{user: new(int64(1000))}},
		{name: "pod runAsUser 1000 passes", pod: levels{user: new(int64(1000))}},
		{name: "container false with container runAsUser 1000 passes",
			container: levels{nonRoot: new(false), user: new(int64(1000))}},
		{name: "pod false with pod runAsUser 1000 passes",
			pod: levels{nonRoot: new(false), user: new(int64(1000))}},
		{name: "container false with inherited pod runAsUser 1000 passes",
			pod: levels{user: new(int64(1000))}, container: levels{nonRoot: new(false)}},
		{name: "pod false with container runAsUser 1000 passes",
			pod: levels{nonRoot: new(false)}, container: levels{user: new(int64(1000))}},
		{name: "container false without a user is reported at the container field",
			container: levels{nonRoot: new(false)}, wantPath: "spec.containers[0].securityContext.runAsNonRoot",
			wantMessage:  "has runAsNonRoot: false (from its own securityContext) and no non-zero runAsUser",
			wantEvidence: "runAsNonRoot=false in container securityContext; runAsUser unset in container and pod"},
		{name: "inherited pod false without a user is reported at the pod field",
			pod: levels{nonRoot: new(false)}, wantPath: "spec.securityContext.runAsNonRoot",
			wantMessage: "(from the pod securityContext)", wantEvidence: "runAsNonRoot=false in pod securityContext"},
		{name: "runAsUser 0 with runAsNonRoot false runs as root",
			container: levels{nonRoot: new(false), user: new(int64(0))}, wantPath: "spec.containers[0].securityContext.runAsNonRoot",
			wantNote:    "spec.containers[0].securityContext.runAsUser",
			wantMessage: "runs as root: runAsUser is 0 (from its own securityContext)", wantEvidence: "runAsUser=0 in container securityContext"},
		{name: "runAsUser 0 unset runAsNonRoot runs as root",
			container: levels{user: new(int64(0))}, wantPath: "spec.containers[0].securityContext.runAsNonRoot",
			wantNote:    "spec.containers[0].securityContext.runAsUser",
			wantMessage: "runs as root: runAsUser is 0", wantEvidence: "runAsNonRoot unset in container and pod"},
		{name: "runAsUser 0 with runAsNonRoot true passes: the kubelet refuses to start it",
			container: levels{nonRoot: new(true), user: new(int64(0))}},
		{name: "container runAsUser 0 overrides the pod's 1000",
			pod: levels{user: new(int64(1000))}, container: levels{user: new(int64(0))},
			wantPath: "spec.containers[0].securityContext.runAsNonRoot", wantMessage: "runAsUser is 0 (from its own securityContext)",
			wantNote: "spec.containers[0].securityContext.runAsUser"},
		{name: "inherited pod runAsUser 0 is named as the pod's",
			pod: levels{nonRoot: new(false), user: new(int64(0))}, wantPath: "spec.securityContext.runAsNonRoot",
			wantNote:    "spec.securityContext.runAsUser",
			wantMessage: "runAsUser is 0 (from the pod securityContext)", wantEvidence: "runAsUser=0 in pod securityContext"},
		{name: "container 1000 overrides the pod's 0",
			pod: levels{nonRoot: new(false), user: new(int64(0))}, container: levels{user: new(int64(1000))}},
		{name: "container false overrides the pod's true without a user",
			pod: levels{nonRoot: new(true)}, container: levels{nonRoot: new(false)},
			wantPath: "spec.containers[0].securityContext.runAsNonRoot", wantMessage: "has runAsNonRoot: false"},
		{name: "container true overrides the pod's false", pod: levels{nonRoot: new(false)}, container: levels{nonRoot: new(true)}},
	}
	var rule rules.Rule
	for _, r := range securitycontext.Rules() {
		if r.ID == "pod/run-as-non-root" {
			rule = r
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}
			if tt.pod != (levels{}) {
				spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: tt.pod.nonRoot, RunAsUser: tt.pod.user}
			}
			if tt.container != (levels{}) {
				spec.Containers[0].SecurityContext = &corev1.SecurityContext{RunAsNonRoot: tt.container.nonRoot, RunAsUser: tt.container.user}
			}
			ctx := &rules.PodContext{
				Pod:     inventory.PodTemplate{Meta: &metav1.ObjectMeta{}, Spec: &spec, MetaPath: "metadata", SpecPath: "spec"},
				Options: &rules.Options{PSSVersion: "latest", FromManifests: true},
			}
			got := rule.Pod(ctx)
			if tt.wantPath == "" {
				if len(got) != 0 {
					t.Fatalf("want no violation, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one violation, got %+v", got)
			}
			fix := nonRootFix(strings.TrimSuffix(tt.wantPath, ".runAsNonRoot"))
			if tt.wantNote != "" {
				fix = []finding.Patch{{Path: tt.wantNote, Comment: "TODO(palisade): runAsUser 0 is root; set the non-zero UID the image runs as, and runAsNonRoot: true"}}
			}
			checkViolation(t, rule, got[0], want{container: "app", path: tt.wantPath, severity: finding.High,
				message: tt.wantMessage, evidence: tt.wantEvidence, fix: fix})
		})
	}
}

// nonRootFix is the run-as-non-root remedy in the securityContext at sc when no user is set.
func nonRootFix(sc string) []finding.Patch {
	return []finding.Patch{
		{Path: sc + ".runAsNonRoot", Value: true},
		{Path: sc + ".runAsUser", Value: int64(10001), Comment: "set by palisade fix: the image's user is unknown; use the UID the image runs as"},
	}
}
