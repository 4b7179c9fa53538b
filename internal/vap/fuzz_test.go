package vap_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/inventory"
)

// choices reads a fuzzer's bytes as a sequence of choices; past the end every choice is 0.
type choices []byte

func (c *choices) pick(n int) int {
	if len(*c) == 0 {
		return 0
	}
	b := (*c)[0]
	*c = (*c)[1:]
	return int(b) % n
}

// Vocabularies of values the rules treat specially, and near misses of them.
var (
	capabilityNames = []string{"ALL", "all", "SYS_ADMIN", "cap_sys_admin", "CAP_SYS_ADMIN", "ſys_admin", "CAP_CAP_SYS_ADMIN",
		"NET_BIND_SERVICE", "chown", "NET_RAW", "caP_kill", "ılL", "", "BPF", "NOT_A_CAP", "Kıll", "CAP_"}
	seccompTypes = []string{"RuntimeDefault", "Localhost", "Unconfined", "", "unconfined"}
	selinuxTypes = []string{"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t", "spc_t", "Container_t"}
	accounts     = []string{"", "default", "app", "Default"}
	procMounts   = []string{"Default", "Unmasked", ""}
)

func (c *choices) boolPtr() *bool {
	switch c.pick(3) {
	case 1:
		v := true
		return &v
	case 2:
		v := false
		return &v
	}
	return nil
}

func (c *choices) int64Ptr() *int64 {
	switch c.pick(3) {
	case 1:
		v := int64(0)
		return &v
	case 2:
		v := int64(1000)
		return &v
	}
	return nil
}

func (c *choices) strings(vocab []string) []string {
	var out []string
	for range c.pick(3) {
		out = append(out, vocab[c.pick(len(vocab))])
	}
	return out
}

func (c *choices) seLinux() *corev1.SELinuxOptions {
	if c.pick(2) == 0 {
		return nil
	}
	o := &corev1.SELinuxOptions{Type: selinuxTypes[c.pick(len(selinuxTypes))]}
	if c.pick(4) == 0 {
		o.User = "system_u"
	}
	if c.pick(4) == 0 {
		o.Role = "system_r"
	}
	return o
}

func (c *choices) seccomp() *corev1.SeccompProfile {
	if c.pick(2) == 0 {
		return nil
	}
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileType(seccompTypes[c.pick(len(seccompTypes))])}
}

func (c *choices) container(name string) corev1.Container {
	ctr := corev1.Container{Name: name, Image: "registry.example/app:1.0"}
	if c.pick(4) == 0 {
		return ctr
	}
	sc := &corev1.SecurityContext{
		Privileged: c.boolPtr(), AllowPrivilegeEscalation: c.boolPtr(), ReadOnlyRootFilesystem: c.boolPtr(),
		RunAsNonRoot: c.boolPtr(), RunAsUser: c.int64Ptr(), RunAsGroup: c.int64Ptr(),
		SeccompProfile: c.seccomp(), SELinuxOptions: c.seLinux(),
	}
	if c.pick(2) == 1 {
		sc.Capabilities = &corev1.Capabilities{}
		for _, n := range c.strings(capabilityNames) {
			sc.Capabilities.Add = append(sc.Capabilities.Add, corev1.Capability(n))
		}
		for _, n := range c.strings(capabilityNames) {
			sc.Capabilities.Drop = append(sc.Capabilities.Drop, corev1.Capability(n))
		}
	}
	if c.pick(3) == 0 {
		pm := corev1.ProcMountType(procMounts[c.pick(len(procMounts))])
		sc.ProcMount = &pm
	}
	if c.pick(5) == 0 {
		sc.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: c.boolPtr()}
	}
	ctr.SecurityContext = sc
	if c.pick(4) == 0 {
		ctr.Env = []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "k"}}}}
	}
	if c.pick(4) == 0 {
		ctr.EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{}}}
	}
	return ctr
}

// fuzzPod builds a Pod from a fuzzer's bytes.
func fuzzPod(data []byte) *inventory.Object {
	c := choices(data)
	spec := corev1.PodSpec{
		HostNetwork: c.pick(4) == 0, HostPID: c.pick(4) == 0, HostIPC: c.pick(4) == 0,
		ServiceAccountName: accounts[c.pick(len(accounts))],
	}
	spec.DeprecatedServiceAccount = accounts[c.pick(len(accounts))]
	if c.pick(3) > 0 {
		spec.SecurityContext = &corev1.PodSecurityContext{
			RunAsNonRoot: c.boolPtr(), RunAsUser: c.int64Ptr(), RunAsGroup: c.int64Ptr(), FSGroup: c.int64Ptr(),
			SeccompProfile: c.seccomp(), SELinuxOptions: c.seLinux(),
		}
		if c.pick(3) == 0 {
			spec.SecurityContext.SupplementalGroups = []int64{int64(c.pick(2)), 5}
		}
		if c.pick(5) == 0 {
			spec.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: c.boolPtr()}
		}
	}
	if c.pick(5) == 0 {
		spec.OS = &corev1.PodOS{Name: corev1.OSName([]string{"windows", "linux", "Windows"}[c.pick(3)])}
	}
	for i := range 1 + c.pick(2) {
		spec.Containers = append(spec.Containers, c.container("app"+string(rune('a'+i))))
	}
	if c.pick(3) == 0 {
		spec.InitContainers = append(spec.InitContainers, c.container("init"))
	}
	if c.pick(4) == 0 {
		e := c.container("debug")
		spec.EphemeralContainers = append(spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			Name: e.Name, Image: e.Image, SecurityContext: e.SecurityContext, Env: e.Env, EnvFrom: e.EnvFrom}})
	}
	o := &inventory.Object{GVK: schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, Name: "fuzz", Namespace: "default"}
	o.Typed = &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: "fuzz", Namespace: "default"}, Spec: spec}
	return o
}

// FuzzCELMatchesRules builds pods from the values the rules treat specially (capability
// names in every case and with the non-ASCII letters Go's upper-casing maps to ASCII, seccomp
// and SELinux types, user and group IDs, Windows pods ...) and holds every generated policy
// to its Go rule on each. Its seeds run in every go test.
func FuzzCELMatchesRules(f *testing.F) {
	for _, seed := range []string{"", "\x01\x02\x03\x04\x05\x06\x07\x08\x09", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0",
		"\x00\x00\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x05\x02\x02\x01",
		"\x03\x02\x01\x00\x01\x02\x01\x02\x01\x02\x01\x01\x02\x01\x02\x01\x05\x01\x02\x06\x02\x07\x02\x0c",
		"\x01\x01\x00\x02\x02\x02\x02\x01\x02\x02\x02\x01\x02\x00\x00\x02\x01\x02\x01\x04\x02\x08\x02\x0a\x01\x0b"} {
		f.Add([]byte(seed))
	}
	// A container that adds "Kıll" (strings.ToUpper makes it KILL, a default capability) and
	// one that adds "ſys_admin" (SYS_ADMIN) with allowPrivilegeEscalation: false.
	for _, capability := range []byte{15, 5} {
		f.Add([]byte{1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 1, 1, capability, 0, 1, 1, 1, 1, 1, 1})
	}
	catalog, compiled, _ := generated(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		o := fuzzPod(data)
		obj, gvr, ok := admissionObject(o)
		if !ok {
			t.Fatal("the fuzzed pod is not a workload")
		}
		want := goVerdicts(catalog, nil, o)
		for id, p := range compiled {
			v := p.evaluate(ctx, obj, gvr)
			if len(v.errors) > 0 || v.denied != want[id] {
				t.Errorf("rule %s finds something: %v; its policy: %v (pod spec %+v)", id, want[id], v, o.Typed.(*corev1.Pod).Spec)
			}
		}
	})
}
