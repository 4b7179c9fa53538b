package podspec

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func TestClassifyHostPath(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		cleaned   string
		sensitive bool
		// reason, when set, must appear in the classification's reason.
		reason string
	}{
		{name: "root is sensitive", path: "/", cleaned: "/", sensitive: true, reason: "whole filesystem"},
		{name: "etc is sensitive", path: "/etc", cleaned: "/etc", sensitive: true},
		{name: "trailing slash is cleaned", path: "/etc/", cleaned: "/etc", sensitive: true},
		{name: "doubled slashes are cleaned", path: "//proc//", cleaned: "/proc", sensitive: true},
		{name: "dot-dot is resolved before comparing", path: "/data/../etc", cleaned: "/etc", sensitive: true},
		{name: "dot-dot cannot climb above root", path: "/../../sys", cleaned: "/sys", sensitive: true},
		{name: "below a sensitive path is sensitive", path: "/etc/ssl/certs", cleaned: "/etc/ssl/certs", sensitive: true, reason: "within /etc"},
		{name: "anything below /etc/kubernetes names it", path: "/etc/kubernetes/pki", cleaned: "/etc/kubernetes/pki", sensitive: true, reason: "within /etc/kubernetes"},
		{name: "docker socket", path: "/var/run/docker.sock", cleaned: "/var/run/docker.sock", sensitive: true, reason: "Docker API"},
		{name: "docker socket through /run alias", path: "/run/docker.sock", cleaned: "/run/docker.sock", sensitive: true, reason: "Docker API"},
		{name: "containerd socket below /run/containerd", path: "/run/containerd/containerd.sock", cleaned: "/run/containerd/containerd.sock", sensitive: true},
		{name: "containerd through /var/run alias", path: "/var/run/containerd/containerd.sock", cleaned: "/var/run/containerd/containerd.sock", sensitive: true},
		{name: "crio socket", path: "/var/run/crio/crio.sock", cleaned: "/var/run/crio/crio.sock", sensitive: true},
		{name: "parent of the docker socket is sensitive", path: "/var", cleaned: "/var", sensitive: true, reason: "contains /var/run/docker.sock"},
		{name: "parent of kubelet state is sensitive", path: "/var/lib/", cleaned: "/var/lib", sensitive: true, reason: "/var/lib/kubelet"},
		{name: "/run contains the runtime sockets", path: "/run", cleaned: "/run", sensitive: true, reason: "/run/containerd"},
		{name: "kubelet pods below /var/lib/kubelet", path: "/var/lib/kubelet/pods", cleaned: "/var/lib/kubelet/pods", sensitive: true},
		{name: "etcd data", path: "/var/lib/etcd", cleaned: "/var/lib/etcd", sensitive: true},
		{name: "logs", path: "/var/log/pods", cleaned: "/var/log/pods", sensitive: true},
		{name: "devices", path: "/dev/sda", cleaned: "/dev/sda", sensitive: true},
		{name: "homes", path: "/home/admin/.ssh", cleaned: "/home/admin/.ssh", sensitive: true},
		{name: "relative path is read from root", path: "etc", cleaned: "/etc", sensitive: true},
		{name: "prefix without separator is another directory", path: "/etcetera", cleaned: "/etcetera", sensitive: false},
		{name: "sibling of a socket is not sensitive", path: "/var/run/app.sock", cleaned: "/var/run/app.sock", sensitive: false},
		{name: "application data is not sensitive", path: "/data/cache", cleaned: "/data/cache", sensitive: false},
		{name: "opt is not sensitive", path: "/opt/agent/", cleaned: "/opt/agent", sensitive: false},
		{name: "var cache is not sensitive", path: "/var/cache/app", cleaned: "/var/cache/app", sensitive: false},
		{name: "dot-dot out of a sensitive path", path: "/etc/../srv", cleaned: "/srv", sensitive: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classifyHostPath(tt.path)
			if got.Cleaned != tt.cleaned {
				t.Errorf("classifyHostPath(%q).Cleaned = %q, want %q", tt.path, got.Cleaned, tt.cleaned)
			}
			if got.Sensitive != tt.sensitive {
				t.Errorf("classifyHostPath(%q).Sensitive = %v (%s), want %v", tt.path, got.Sensitive, got.Reason, tt.sensitive)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("classifyHostPath(%q).Reason = %q, want it to mention %q", tt.path, got.Reason, tt.reason)
			}
			if !tt.sensitive && got.Reason != "" {
				t.Errorf("classifyHostPath(%q).Reason = %q for a path that is not sensitive", tt.path, got.Reason)
			}
		})
	}
}

func TestHostPathSeverityAndMounts(t *testing.T) {
	readOnly := func(name, volume string, mode corev1.RecursiveReadOnlyMode) corev1.VolumeMount {
		m := corev1.VolumeMount{Name: volume, MountPath: "/mnt/" + name, ReadOnly: true}
		if mode != "" {
			m.RecursiveReadOnly = &mode
		}
		return m
	}
	writable := func(volume string) corev1.VolumeMount {
		return corev1.VolumeMount{Name: volume, MountPath: "/mnt/rw"}
	}
	tests := []struct {
		name          string
		hostPath      string
		init, main    []corev1.VolumeMount
		ephemeral     []corev1.VolumeMount
		wantSeverity  finding.Severity
		wantContainer string
		// wantMessage lists fragments the message must contain.
		wantMessage []string
	}{
		{name: "sensitive path is critical even read-only", hostPath: "/etc",
			main:         []corev1.VolumeMount{readOnly("app", "host", corev1.RecursiveReadOnlyEnabled)},
			wantSeverity: finding.Critical, wantContainer: "app",
			wantMessage: []string{"/etc", "app recursively read-only at /mnt/app", "read-only mount still discloses"}},
		{name: "writable mount of another path is high", hostPath: "/srv/data",
			main:         []corev1.VolumeMount{writable("host")},
			wantSeverity: finding.High, wantContainer: "app",
			wantMessage: []string{"app read-write at /mnt/rw"}},
		{name: "writable mount by an init container is high", hostPath: "/srv/data",
			init:         []corev1.VolumeMount{writable("host")},
			main:         []corev1.VolumeMount{readOnly("app", "host", "")},
			wantSeverity: finding.High,
			wantMessage:  []string{"init read-write", "app read-only (not recursively"}},
		{name: "writable mount by an ephemeral container is high", hostPath: "/srv/data",
			ephemeral:    []corev1.VolumeMount{writable("host")},
			wantSeverity: finding.High, wantContainer: "debug",
			wantMessage: []string{"debug read-write"}},
		{name: "read-only mounts of another path are medium", hostPath: "/srv/data",
			main:         []corev1.VolumeMount{readOnly("app", "host", corev1.RecursiveReadOnlyIfPossible)},
			wantSeverity: finding.Medium, wantContainer: "app",
			wantMessage: []string{"recursively where the runtime supports it"}},
		{name: "a volume no container mounts is medium", hostPath: "/srv/data",
			main:         []corev1.VolumeMount{writable("other")},
			wantSeverity: finding.Medium,
			wantMessage:  []string{"no container mounts it"}},
		{name: "parent of a sensitive path is critical", hostPath: "/var/",
			main:         []corev1.VolumeMount{readOnly("app", "host", "")},
			wantSeverity: finding.Critical, wantContainer: "app",
			wantMessage: []string{"/var contains /var/run/docker.sock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := corev1.PodSpec{
				Volumes: []corev1.Volume{
					{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: tt.hostPath}}},
				},
				InitContainers: []corev1.Container{{Name: "init", VolumeMounts: tt.init}},
				Containers:     []corev1.Container{{Name: "app", VolumeMounts: tt.main}},
				EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
					Name: "debug", VolumeMounts: tt.ephemeral}}},
			}
			ctx := &rules.PodContext{Pod: inventory.PodTemplate{Spec: &spec, SpecPath: "spec"}}
			vs := checkHostPaths(ctx)
			if len(vs) != 1 {
				t.Fatalf("got %d violations, want 1: %+v", len(vs), vs)
			}
			v := vs[0]
			if v.Path != "spec.volumes[1].hostPath.path" {
				t.Errorf("Path = %q, want spec.volumes[1].hostPath.path", v.Path)
			}
			if v.Severity == nil || *v.Severity != tt.wantSeverity {
				t.Errorf("Severity = %v, want %v", v.Severity, tt.wantSeverity)
			}
			if v.Container != tt.wantContainer {
				t.Errorf("Container = %q, want %q", v.Container, tt.wantContainer)
			}
			for _, frag := range tt.wantMessage {
				if !strings.Contains(v.Message, frag) {
					t.Errorf("Message = %q, want it to contain %q", v.Message, frag)
				}
			}
		})
	}
}
