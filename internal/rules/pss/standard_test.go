package pss

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"k8s.io/utils/ptr"
)

// TestChecksMatchEvaluator pins the names given to the evaluator's results: at every version
// and level, the check list must have one entry per result, and each entry's function must
// return exactly the result the evaluator returned at that position.
func TestChecksMatchEvaluator(t *testing.T) {
	s, err := newStandards()
	if err != nil {
		t.Fatal(err)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pods := map[string]*corev1.Pod{"violating": violatingPod(), "compliant": compliantPod(), "windows user namespace": windowsUserNamespacePod()}
	versions := []api.Version{api.LatestVersion()}
	for minor := 0; minor <= s.newest.Minor()+2; minor++ {
		versions = append(versions, api.MajorMinorVersion(1, minor))
	}
	for _, v := range versions {
		for _, level := range []api.Level{api.LevelBaseline, api.LevelRestricted} {
			for name, pod := range pods {
				t.Run(fmt.Sprintf("%s/%s/%s", v, level, name), func(t *testing.T) {
					results := evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: v}, &pod.ObjectMeta, &pod.Spec)
					effective := s.effective(v)
					checks := s.checks[level][effective.Minor()]
					if len(checks) != len(results) {
						t.Fatalf("%d checks named, the evaluator returned %d results", len(checks), len(results))
					}
					for i, c := range checks {
						if got := c.Pod(&pod.ObjectMeta, &pod.Spec); got != results[i] {
							t.Errorf("result %d named %s: the check returns %+v, the evaluator returned %+v", i, c.ID, got, results[i])
						}
					}
				})
			}
		}
	}
}

// TestEveryCheckLocated makes sure a check the library adds is noticed: every check must have
// an entry in the field table.
func TestEveryCheckLocated(t *testing.T) {
	s, err := newStandards()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.checks[api.LevelRestricted][s.newest.Minor()] {
		if _, ok := checkFields[c.ID]; !ok {
			t.Errorf("check %s has no entry in checkFields", c.ID)
		}
	}
	for _, c := range s.checks[api.LevelBaseline][s.newest.Minor()] {
		if _, ok := checkFields[c.ID]; !ok {
			t.Errorf("check %s has no entry in checkFields", c.ID)
		}
	}
}

func violatingPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			"seccomp.security.alpha.kubernetes.io/pod":           "unconfined",
			"container.apparmor.security.beta.kubernetes.io/app": "unconfined",
		}},
		Spec: corev1.PodSpec{
			HostNetwork: true, HostPID: true,
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot:   ptr.To(false),
				RunAsUser:      ptr.To[int64](0),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined},
				Sysctls:        []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}},
			},
			InitContainers: []corev1.Container{{Name: "init", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}},
			Containers: []corev1.Container{{
				Name:  "app",
				Ports: []corev1.ContainerPort{{ContainerPort: 80, HostPort: 80}},
				SecurityContext: &corev1.SecurityContext{
					Capabilities:   &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}},
					ProcMount:      ptr.To(corev1.UnmaskedProcMount),
					SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t"},
				},
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Host: "10.0.0.1"}}},
			}},
			Volumes: []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}},
		},
	}
}

func compliantPod() *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}}},
	}}
}

func windowsUserNamespacePod() *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{
		OS:        &corev1.PodOS{Name: corev1.Windows},
		HostUsers: ptr.To(false),
		SecurityContext: &corev1.PodSecurityContext{
			WindowsOptions: &corev1.WindowsSecurityContextOptions{HostProcess: ptr.To(true)},
		},
		Containers: []corev1.Container{{Name: "app", SecurityContext: &corev1.SecurityContext{ProcMount: ptr.To(corev1.UnmaskedProcMount)}}},
	}}
}

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string
		wantErr  bool
	}{
		{"latest", "latest", "latest", false},
		{"empty means latest", "", "latest", false},
		{"a minor version", "v1.24", "v1.24", false},
		{"the first version", "v1.0", "v1.0", false},
		{"a version newer than every check", "v1.99", "v1.99", false},
		{"no v prefix", "1.24", "", true},
		{"a major version other than 1", "v2.0", "", true},
		{"a patch version", "v1.24.1", "", true},
		{"a leading zero", "v1.024", "", true},
		{"a word", "newest", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseVersion(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseVersion(%q) = %s, want an error", tc.in, v)
				}
				return
			}
			if err != nil || v.String() != tc.want {
				t.Fatalf("ParseVersion(%q) = %s, %v; want %s", tc.in, v, err, tc.want)
			}
		})
	}
}

func TestCommonPrefix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"one path", []string{"spec.containers[0].securityContext.privileged"}, "spec.containers[0].securityContext.privileged"},
		{"two fields of one container", []string{"spec.containers[0].securityContext.privileged", "spec.containers[0].securityContext.runAsUser"}, "spec.containers[0].securityContext"},
		{"two containers", []string{"spec.containers[0].ports", "spec.containers[1].ports"}, "spec.containers"},
		{"indexes that share a prefix", []string{"spec.containers[1].ports", "spec.containers[10].ports"}, "spec.containers"},
		{"pod and container fields", []string{"spec.hostNetwork", "spec.containers[0].ports[0].hostPort"}, "spec"},
		{"keys with dots", []string{"metadata.annotations[a.b/c]", "metadata.annotations[a.b/d]"}, "metadata.annotations"},
		{"fields that share a name prefix", []string{"spec.hostPID", "spec.hostPort"}, "spec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := commonPrefix(tc.paths); got != tc.want {
				t.Errorf("commonPrefix(%q) = %q, want %q", tc.paths, got, tc.want)
			}
		})
	}
}
