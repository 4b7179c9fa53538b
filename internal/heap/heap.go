// Package heap owns Palisade's garbage-collection policy: how large the heap may grow before
// the collector runs, for the kinds of work Palisade does (the continuous audit collects as a
// scan does, within a budget of its own). A scan's live data grows with its
// input and is dropped at exit, so it collects as Go does by default (when the heap has doubled)
// within a memory target, and not before its heap has reached what the size of its input says
// it will reach anyway (Policy.Floor). The admission webhook's live data is small and steady (the catalog and
// the cluster context) while every review makes short-lived garbage, so it collects only when
// its heap reaches a budget: tens of times less often, which keeps the collector out of almost
// every review's latency.
//
// Either way the limit is never less than a multiple of the live heap, so an input or a cluster
// whose live data alone nears the budget gets more room instead of a collector that runs without
// pause. A GOGC or GOMEMLIMIT in the environment is the user's choice and is left alone.
package heap

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// Policy is one way of trading memory for collection work.
type Policy struct {
	// Budget is the heap the process aims to stay within, in bytes.
	Budget int64
	// Headroom is the least the heap may grow to before a collection, as a multiple of the
	// live heap: an input or a cluster whose live data alone nears the budget gets room
	// instead of a collector that runs without pause.
	Headroom float64
	// Steady says the live heap is small and steady: the collector runs when the process's
	// memory nears Budget, not whenever the heap has doubled. Budget is then Go's soft memory
	// limit, and GOGC only a backstop above it: a goal that follows the live heap would move
	// with each cycle's measure of it, and a heap that reaches a new high touches pages it has
	// never used, which costs a page fault each. Otherwise GOGC stays 100 and Budget is also
	// Go's soft memory limit.
	Steady bool
	// Ceiling is where the backstop GOGC of a Steady policy aims (0: half again the budget):
	// the heap a burst of live data may reach before Budget follows it.
	Ceiling int64
	// Floor is a heap the work will reach anyway (a scan's, from the size of its input), which
	// the collector lets the heap grow to before it runs: collecting sooner, while the heap
	// grows towards it, marks the same live data again and again for memory the process will
	// hold at its peak all the same. Past it, the heap doubles as Go's default would. Zero
	// means none; at most half of Budget is used.
	Floor int64
	// KeepRoom keeps the room a peak of live data was given once the data is let go: the
	// memory limit follows the live heap up, never down. A scan's live data peaks while its
	// cross-object rules run and falls to a tenth when its findings are then read back and
	// reported; a limit that fell with it, far below the heap's pages not yet returned, would
	// make the collector run without pause for the rest of the scan. The pages are the
	// process's already, so keeping them costs no more than the peak did.
	KeepRoom bool
}

// Scan is the policy of a scan: Go's proportional collection, within 480 MiB. With the default
// GOGC the heap may reach twice the live data; within this target a 100,000-object scan stays
// under 600 MB of memory for a little more collection work. The room a peak of live data was
// given stays once the data is let go (KeepRoom).
var Scan = Policy{Budget: 480 << 20, Headroom: 1.5, KeepRoom: true}

// serverBudget is the webhook's budget when its container has no memory limit.
const serverBudget = 128 << 20

// Server is the policy of the admission webhook, given the memory limit of its container (0
// when there is none): the collector runs when the heap nears half that limit (the rest is the
// binary and what is not Go's), or 128 MiB without a limit, and never sooner than when the
// heap has doubled, as Go's default would; three quarters of the limit is the ceiling.
func Server(containerLimit int64) Policy {
	p := Policy{Budget: serverBudget, Headroom: 2, Steady: true}
	if containerLimit > 0 {
		p.Budget, p.Ceiling = containerLimit/2, containerLimit/4*3
	}
	return p
}

// operatorBudget is the operator's budget when its container has no memory limit.
const operatorBudget = 192 << 20

// Operator is the policy of the continuous audit (palisade operator), given the memory limit
// of its container (0 when there is none). Its live data is the cluster in its informers,
// steady between changes, and each evaluation makes as much garbage again: Go's proportional
// collection, within half the container's limit (or 192 MiB), and never less than half again
// the live heap.
func Operator(containerLimit int64) Policy {
	p := Policy{Budget: operatorBudget, Headroom: 1.5}
	if containerLimit > 0 {
		p.Budget = containerLimit / 2
	}
	return p
}

// ContainerLimit is the memory limit of the process's cgroup (a container's
// resources.limits.memory), or 0 when there is none or it cannot be read.
func ContainerLimit() int64 {
	limit, err := memlimit.FromCgroup()
	if err != nil || limit > 1<<62 {
		return 0
	}
	return int64(limit)
}

// UserSet reports whether the environment sets GOGC or GOMEMLIMIT, which then decide alone.
func UserSet() bool { return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" }

// Settings are the runtime's settings for a policy at a live heap.
type Settings struct {
	// GCPercent is GOGC.
	GCPercent int
	// MemoryLimit is GOMEMLIMIT, math.MaxInt64 for none.
	MemoryLimit int64
}

// minLive is the live heap assumed before the first collection has measured one.
const minLive = 4 << 20

// For is what p sets for a live heap of live bytes.
func For(p Policy, live uint64) Settings {
	room := max(p.Budget, int64(float64(live)*p.Headroom))
	if !p.Steady {
		percent := 100
		if floor := min(p.Floor, p.Budget/2); floor > 0 {
			l := max(int64(live), minLive)
			percent = int(max(100, (floor-l)*100/l))
		}
		return Settings{GCPercent: percent, MemoryLimit: room}
	}
	l := max(int64(live), minLive)
	top := max(p.Ceiling, room/2*3)
	return Settings{GCPercent: int(max(100, (top-l)*100/l)), MemoryLimit: room}
}

// Apply sets p for the process now, for the live heap the last collection measured, and
// returns a function that restores the settings in force before.
func Apply(p Policy) (restore func()) {
	s := For(p, liveHeap())
	percent := debug.SetGCPercent(s.GCPercent)
	limit := debug.SetMemoryLimit(s.MemoryLimit)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

// liveHeap is the live heap the last collection measured, 0 before the first.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// Bound applies p and then follows the live heap, checking every interval, until ctx ends; the
// settings stay as they are then. It does nothing when the environment sets GOGC or GOMEMLIMIT.
func Bound(ctx context.Context, p Policy, interval time.Duration) {
	if UserSet() {
		return
	}
	in := For(p, liveHeap())
	debug.SetGCPercent(in.GCPercent)
	debug.SetMemoryLimit(in.MemoryLimit)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		want := next(p, in, liveHeap())
		if want.GCPercent != in.GCPercent {
			debug.SetGCPercent(want.GCPercent)
		}
		if want.MemoryLimit != in.MemoryLimit {
			debug.SetMemoryLimit(want.MemoryLimit)
		}
		in = want
	}
}

// next is what p sets, after in, for a live heap of live bytes.
func next(p Policy, in Settings, live uint64) Settings {
	want := For(p, live)
	if p.KeepRoom {
		want.MemoryLimit = max(want.MemoryLimit, in.MemoryLimit)
	}
	return want
}

// Settle runs work until the collector has completed two cycles: the steady state of a server
// that has run a while, whose heap has reached its budget and whose pages are its own. A
// benchmark of a server's latency measures from there.
func Settle(work func()) {
	sample := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(sample)
	until := sample[0].Value.Uint64() + 2
	for sample[0].Value.Uint64() < until {
		for range 100 {
			work()
		}
		metrics.Read(sample)
	}
}
