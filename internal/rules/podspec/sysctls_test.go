package podspec

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"palisade.dev/palisade/internal/rules"
)

// TestSafeSysctlsMatchPodSecurityAdmission pins the safe-set table to the reference
// implementation: for every Pod Security Standards version, a sysctl is safe here exactly when
// k8s.io/pod-security-admission's sysctls check allows it.
func TestSafeSysctlsMatchPodSecurityAdmission(t *testing.T) {
	names := []string{
		// Unsafe, including namespaced ones and ones that share a prefix with safe ones.
		"kernel.msgmax", "kernel.shmmax", "kernel.sem", "net.core.somaxconn",
		"net.ipv4.tcp_keepalive", "net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter",
		"net.ipv6.conf.all.disable_ipv6", "vm.overcommit_memory", "net.ipv4.tcp_rmem_max",
	}
	for _, s := range safeSysctls {
		names = append(names, s.name)
	}
	check := policy.CheckSysctls()
	for minor := 0; minor <= 40; minor++ {
		version := psaapi.MajorMinorVersion(1, minor)
		var pick *policy.VersionedCheck
		for i := range check.Versions {
			if v := &check.Versions[i]; !version.Older(v.MinimumVersion) {
				pick = v
			}
		}
		for _, name := range names {
			spec := &corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{
				Sysctls: []corev1.Sysctl{{Name: name, Value: "1"}},
			}}
			want := pick.CheckPod(&metav1.ObjectMeta{}, spec).Allowed
			if got := isSafeSysctl(name, minor); got != want {
				t.Errorf("v1.%d: isSafeSysctl(%q) = %v, pod-security-admission allows it: %v", minor, name, got, want)
			}
		}
	}
}

func TestSafeSysctlMinor(t *testing.T) {
	tests := []struct {
		name      string
		opts      *rules.Options
		wantMinor int
		wantLabel string
	}{
		{name: "no options mean latest", opts: nil, wantMinor: 37, wantLabel: "latest"},
		{name: "empty version means latest", opts: &rules.Options{}, wantMinor: 37, wantLabel: "latest"},
		{name: "latest", opts: &rules.Options{PSSVersion: "latest"}, wantMinor: 37, wantLabel: "latest"},
		{name: "explicit version", opts: &rules.Options{PSSVersion: "v1.28"}, wantMinor: 28, wantLabel: "v1.28"},
		{name: "unreadable version is taken as latest", opts: &rules.Options{PSSVersion: "1.28"}, wantMinor: 37, wantLabel: "latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			minor, label := safeSysctlMinor(tt.opts)
			if minor != tt.wantMinor || label != tt.wantLabel {
				t.Errorf("safeSysctlMinor(%s) = %d, %q; want %d, %q", fmt.Sprint(tt.opts), minor, label, tt.wantMinor, tt.wantLabel)
			}
		})
	}
}
