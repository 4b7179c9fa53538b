package heap

import (
	"runtime/debug"
	"testing"
)

func TestFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name string
		p    Policy
		live uint64
		want Settings
	}{
		{"a scan collects as Go does, within its target", Scan, 20 * mib, Settings{GCPercent: 100, MemoryLimit: 480 * mib}},
		{"a scan whose live data nears the target gets half again as much room", Scan, 400 * mib, Settings{GCPercent: 100, MemoryLimit: 600 * mib}},
		{"a scan lets its heap grow to the floor its input sets before it collects", withFloor(Scan, 180*mib), 20 * mib, Settings{GCPercent: 800, MemoryLimit: 480 * mib}},
		{"before the first collection a scan with a floor assumes 4 MiB live", withFloor(Scan, 180*mib), 0, Settings{GCPercent: 4400, MemoryLimit: 480 * mib}},
		{"past half its floor a scan's heap doubles as Go's would", withFloor(Scan, 180*mib), 100 * mib, Settings{GCPercent: 100, MemoryLimit: 480 * mib}},
		{"a floor counts for at most half the budget", withFloor(Scan, 4000*mib), 20 * mib, Settings{GCPercent: 1100, MemoryLimit: 480 * mib}},
		{"the webhook collects when its memory reaches half its container's limit, with GOGC a backstop at three quarters", Server(256 * mib), 8 * mib, Settings{GCPercent: 2300, MemoryLimit: 128 * mib}},
		{"the webhook never collects more often than at twice its live heap", Server(256 * mib), 100 * mib, Settings{GCPercent: 200, MemoryLimit: 200 * mib}},
		{"the webhook without a container limit aims at 128 MiB, with GOGC a backstop at half again", Server(0), 16 * mib, Settings{GCPercent: 1100, MemoryLimit: 128 * mib}},
		{"before the first collection a live heap of 4 MiB is assumed", Server(0), 0, Settings{GCPercent: 4700, MemoryLimit: 128 * mib}},
		{"the operator collects as Go does, within half its container's limit", Operator(512 * mib), 100 * mib, Settings{GCPercent: 100, MemoryLimit: 256 * mib}},
		{"the operator without a container limit aims at 192 MiB", Operator(0), 60 * mib, Settings{GCPercent: 100, MemoryLimit: 192 * mib}},
		{"an operator whose cluster nears its budget gets half again its live heap", Operator(0), 200 * mib, Settings{GCPercent: 100, MemoryLimit: 300 * mib}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := For(c.p, c.live); got != c.want {
				t.Errorf("For(%+v, %d) = %+v, want %+v", c.p, c.live, got, c.want)
			}
		})
	}
}

func withFloor(p Policy, floor int64) Policy {
	p.Floor = floor
	return p
}

// TestNextKeepsAScansRoomAfterItsPeak pins that a scan's memory limit follows its live heap up
// and stays there when the live data is let go, while the operator's follows it down.
func TestNextKeepsAScansRoomAfterItsPeak(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		name  string
		p     Policy
		lives []uint64
		want  int64
	}{
		{"a scan's limit rises with its live heap", Scan, []uint64{20 * mib, 400 * mib, 2000 * mib}, 3000 * mib},
		{"a scan's limit stays at its peak's room when the live data falls", Scan, []uint64{2000 * mib, 200 * mib, 20 * mib}, 3000 * mib},
		{"the operator's limit falls back to its budget", Operator(0), []uint64{2000 * mib, 60 * mib}, 192 * mib},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := For(c.p, 0)
			for _, live := range c.lives {
				in = next(c.p, in, live)
			}
			if in.MemoryLimit != c.want {
				t.Errorf("memory limit %d MiB, want %d MiB", in.MemoryLimit/mib, c.want/mib)
			}
		})
	}
}

func TestApplyRestoresTheSettingsBefore(t *testing.T) {
	percent := debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	limit := debug.SetMemoryLimit(-1)
	restore := Apply(Server(256 << 20))
	if got := debug.SetGCPercent(-1); got <= 100 {
		t.Errorf("GOGC under the webhook's policy = %d, want more than 100", got)
	}
	restore()
	if got := debug.SetGCPercent(percent); got != percent {
		t.Errorf("GOGC after restore = %d, want %d", got, percent)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("memory limit after restore = %d, want %d", got, limit)
	}
}
