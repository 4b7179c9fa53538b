package inventory_test

import (
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/inventory"
)

type memoKey struct{ name string }

func TestMemo(t *testing.T) {
	pod := func(name string) *inventory.Object {
		return &inventory.Object{GVK: schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, Name: name}
	}
	tests := []struct {
		name string
		run  func(inv *inventory.Inventory, build func() any) (builds int, last any)
	}{
		{"a value is built once and then returned", func(inv *inventory.Inventory, build func() any) (int, any) {
			inv.Memo(memoKey{"a"}, build)
			return 1, inv.Memo(memoKey{"a"}, func() any { panic("built twice") })
		}},
		{"distinct keys hold distinct values", func(inv *inventory.Inventory, build func() any) (int, any) {
			inv.Memo(memoKey{"a"}, build)
			return 2, inv.Memo(memoKey{"b"}, build)
		}},
		{"adding an object forgets what was derived", func(inv *inventory.Inventory, build func() any) (int, any) {
			inv.Memo(memoKey{"a"}, build)
			inv.Add(pod("late"))
			return 2, inv.Memo(memoKey{"a"}, build)
		}},
		{"DropDerived lets every value go, to be built again when asked for", func(inv *inventory.Inventory, build func() any) (int, any) {
			inv.Memo(memoKey{"a"}, build)
			inv.DropDerived()
			return 2, inv.Memo(memoKey{"a"}, build)
		}},
		{"a build may ask for the value of another key", func(inv *inventory.Inventory, build func() any) (int, any) {
			return 2, inv.Memo(memoKey{"outer"}, func() any {
				build()
				return inv.Memo(memoKey{"inner"}, build)
			})
		}},
		{"concurrent readers share one build", func(inv *inventory.Inventory, build func() any) (int, any) {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() { inv.Memo(memoKey{"a"}, build) })
			}
			wg.Wait()
			return 1, inv.Memo(memoKey{"a"}, build)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := inventory.New()
			inv.Add(pod("first"))
			var mu sync.Mutex
			builds := 0
			build := func() any {
				mu.Lock()
				defer mu.Unlock()
				builds++
				return builds
			}
			want, last := tt.run(inv, build)
			if builds != want || last != want {
				t.Errorf("built %d times, last value %v; want %d builds and the last value %d", builds, last, want, want)
			}
		})
	}
}
