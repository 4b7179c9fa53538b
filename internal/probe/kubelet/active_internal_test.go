package kubelet

import "testing"

func TestFirstContainerAdmitsOnlyKubernetesNames(t *testing.T) {
	tests := []struct {
		name, data string
		want       string
	}{
		{"the first pod with a container", `{"items":[{"metadata":{"name":"a","namespace":"n"},"spec":{"containers":[]}},{"metadata":{"name":"web-1","namespace":"shop"},"spec":{"containers":[{"name":"app"},{"name":"x"}]}}]}`, "shop/web-1/app"},
		{"a name that would bend the path", `{"items":[{"metadata":{"name":"../x?cmd=rm","namespace":"n"},"spec":{"containers":[{"name":"c"}]}}]}`, ""},
		{"not a pod list", `[1,2]`, ""},
		{"no pods", `{"items":[]}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns, pod, ctr, ok := firstContainer([]byte(tc.data))
			got := ""
			if ok {
				got = ns + "/" + pod + "/" + ctr
			}
			if got != tc.want {
				t.Errorf("firstContainer = %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzFirstContainer feeds untrusted pod lists to the name picker: it never panics, and what it
// picks is always made of the characters Kubernetes names allow.
func FuzzFirstContainer(f *testing.F) {
	f.Add([]byte(`{"items":[{"metadata":{"name":"web","namespace":"shop"},"spec":{"containers":[{"name":"app"}]}}]}`))
	f.Add([]byte(`{"items":[{"metadata":{"name":"a/b"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ns, pod, ctr, ok := firstContainer(data)
		if ok && !(validSegment(ns) && validSegment(pod) && validSegment(ctr)) {
			t.Fatalf("picked %q/%q/%q", ns, pod, ctr)
		}
	})
}
