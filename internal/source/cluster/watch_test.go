package cluster_test

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/testcluster"
)

// objectKeys lists an inventory's objects as Kind/namespace/name, sorted.
func objectKeys(inv *inventory.Inventory) []string {
	var out []string
	for _, o := range inv.Objects() {
		out = append(out, o.GVK.Kind+"/"+o.Namespace+"/"+o.Name)
	}
	slices.Sort(out)
	return out
}

// TestWatcherReadsWhatScanReads scans the whole cluster through a Watcher and by listing:
// the same objects, the same owned objects left out, no errors. A change made through the API
// is signalled and is in the next scan through the Watcher, which lists nothing again.
func TestWatcherReadsWhatScanReads(t *testing.T) {
	c := testCluster.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := c.NewNamespace(t)
	admin := c.Client(testcluster.Admin)
	createPodTemplateCR(t, c, ns)
	created[*corev1.Pod](t)(admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "before"}, Spec: podSpec()}, metav1.CreateOptions{}))

	cfg := c.Config(testcluster.Auditor)
	w, err := cluster.NewWatcher(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := listed(t, cluster.Options{Context: "test"})
	watched := w.Scan(ctx, opts)
	listedRes := cluster.Scan(ctx, cfg, opts)
	if len(watched.Errors) > 0 || len(listedRes.Errors) > 0 {
		t.Fatalf("errors: watched %v, listed %v", watched.Errors, listedRes.Errors)
	}
	if got, want := objectKeys(watched.Inventory), objectKeys(listedRes.Inventory); !slices.Equal(got, want) {
		t.Fatalf("objects through the watcher:\n%v\nlisted:\n%v", got, want)
	}
	if watched.Skipped != listedRes.Skipped {
		t.Errorf("skipped %d through the watcher, %d listed", watched.Skipped, listedRes.Skipped)
	}
	if watched.Inventory.Get("Widget", ns, "batch-1") == nil {
		t.Errorf("the custom resource with a pod template was not read through the watcher")
	}
	if w.Objects() < len(watched.Inventory.Objects()) {
		t.Errorf("the watcher holds %d objects, fewer than the %d it read", w.Objects(), len(watched.Inventory.Objects()))
	}

	tests := []struct {
		name   string
		change func() error
		want   bool // the pod is read after the change
	}{
		{"a created pod is read", func() error {
			_, err := admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "after"}, Spec: podSpec()}, metav1.CreateOptions{})
			return err
		}, true},
		{"a deleted pod is gone", func() error {
			return admin.CoreV1().Pods(ns).Delete(ctx, "after", metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drain(w.Changed())
			if err := tt.change(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-w.Changed():
			case <-time.After(10 * time.Second):
				t.Fatal("no change signalled within 10 s")
			}
			// The signal may come from another object of the shared cluster: wait for ours.
			deadline := time.Now().Add(10 * time.Second)
			for {
				res := w.Scan(ctx, opts)
				if (res.Inventory.Get("Pod", ns, "after") != nil) == tt.want {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("pod after read: %v, want %v", !tt.want, tt.want)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
