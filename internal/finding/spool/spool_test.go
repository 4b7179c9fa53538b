package spool

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
)

// everyPart is a finding with every part set, each to a value that tells it apart.
func everyPart() finding.Finding {
	return finding.Finding{
		RuleID: "pod/privileged", Title: "Container runs privileged", Severity: finding.Critical,
		Object:    finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web", UID: "5f0c"},
		Container: "app", Path: "spec.template.spec.containers[0].securityContext.privileged",
		Location: finding.Location{File: "deploy/web.yaml", Document: 3, Line: 41, Column: 13, Template: "templates/web.yaml", Host: "cp-1", Cluster: "prod"},
		Message:  "container \"app\" runs privileged: ünïcödé, \x00 and \n survive", Remedy: "Remove privileged: true.",
		Evidence: "privileged=true", Status: finding.Pass, ObjectAt: finding.Position{Line: 30, Column: 1, Known: true},
		Suppression: &finding.Suppression{Source: "annotation", Reason: "vendor image"},
		Fix: []finding.Patch{
			{Path: "a", Value: nil, Comment: "TODO(palisade): set a limit"},
			{Path: "b", Value: true},
			{Path: "c", Value: false, Remove: true},
			{Path: "d", Value: "RuntimeDefault", Rename: "e"},
			{Path: "f", Value: 10001},
			{Path: "g", Value: int64(-7)},
			{Path: "h", Value: 0.25},
			{Path: "i", Value: []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}, []any{}, nil}},
			{Path: "j", Value: []string{"ALL"}},
			{Path: "k", Value: []corev1.Capability{"NET_RAW"}},
			{Path: "l", Value: math.Inf(-1)},
		},
		Related: &finding.Related{
			Checks: []finding.Check{
				{ID: "privileged", Container: "app", Path: "p", Reason: "privileged", At: finding.Position{Line: 41, Column: 13, Known: true}, Field: true},
				{ID: "hostPID", Reason: "host PID"},
			},
			Lead: "pod breaks: ", Tail: " (restricted)", AlsoBreaks: []string{"pss/baseline:privileged", "pod/allow-privilege-escalation"},
		},
	}
}

func TestRecordsGiveBackTheFinding(t *testing.T) {
	cases := []struct {
		name string
		f    finding.Finding
	}{
		{"the zero finding", finding.Finding{}},
		{"every part set, every kind of remedy value", everyPart()},
		{"related with no checks and an empty list of rules", finding.Finding{Related: &finding.Related{Checks: []finding.Check{}, AlsoBreaks: []string{}}}},
		{"related with nil lists", finding.Finding{Related: &finding.Related{Lead: "x"}}},
		{"negative and huge numbers", finding.Finding{Severity: -1, Location: finding.Location{Document: math.MaxInt, Line: math.MinInt}, ObjectAt: finding.Position{Line: math.MinInt32, Column: math.MaxInt32, Known: true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cd codec
			b := cd.appendFinding(nil, &c.f)
			got, err := cd.decode(b, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], c.f) {
				t.Errorf("read back\n%#v\nwant\n%#v", got, c.f)
			}
		})
	}
}

// TestAFileThatCannotBeWrittenLosesNothing pins that when the spool's file cannot be written
// (a full disk), its findings stay in memory: every one is read back, in order, and Err says
// why they were not spooled.
// TestAGroupReadsBackHoweverItsExtentsLie pins Read over a group's extents in the file, which
// it reads several at a time: next to each other, a gap apart that is worth reading past or
// not, past what one read takes in, and the last still waiting to be written.
func TestAGroupReadsBackHoweverItsExtentsLie(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[string][]finding.Finding{}
	add := func(group string, fs []finding.Finding) {
		s.Add(group, fs)
		want[group] = append(want[group], fs...)
	}
	next := 0
	for s.Size() < 3*readAtMost {
		add("close.yaml", numbered(next, 2)) // extents next to each other, then a small gap
		add("filler.yaml", numbered(next+2, 1))
		add("close.yaml", numbered(next+3, 1))
		add("far.yaml", numbered(next+4, 1)) // an extent, then a gap too wide to read past
		for s.Size()%(2*gapWorthReading) > gapWorthReading/4 {
			add("filler.yaml", numbered(next+5, 8))
			next += 8
		}
		next += 5
	}
	add("close.yaml", numbered(next, 3)) // still pending
	if s.written == 0 || len(s.pending) == 0 {
		t.Fatalf("%d bytes written and %d pending: the test needs both", s.written, len(s.pending))
	}
	for group, fs := range want {
		got, err := s.Read(group, nil)
		if err != nil || !reflect.DeepEqual(got, fs) {
			t.Fatalf("%s: read back %d findings (error %v), want the %d added", group, len(got), err, len(fs))
		}
	}
}

func TestAFileThatCannotBeWrittenLosesNothing(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.file.Close() // every write fails from now on
	f := everyPart()
	var want []finding.Finding
	for i := 0; s.Size() < 3*flushAt; i++ {
		f.Object.Name = fmt.Sprint("web-", i)
		want = append(want, f)
		s.Add("a.yaml", want[i:])
		s.Add("b.yaml", want[i:]) // the groups interleave
	}
	if s.Err() == nil {
		t.Error("Err() = nil after writes failed")
	}
	for _, group := range []string{"a.yaml", "b.yaml"} {
		got, err := s.Read(group, nil)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: read back %d findings (error %v), want the %d added", group, len(got), err, len(want))
		}
	}
}

// TestACorruptRecordIsAnError pins that a record cut short or altered anywhere is an error
// or another finding, never a crash.
func TestACorruptRecordIsAnError(t *testing.T) {
	var cd codec
	f := everyPart()
	b := cd.appendFinding(nil, &f)
	for n := range len(b) {
		if got, err := cd.decode(b[:n], nil); n > 0 && (err == nil || len(got) != 0) {
			t.Fatalf("a record cut to %d of %d bytes read as %d findings, error %v", n, len(b), len(got), err)
		}
	}
	for i := range b {
		for _, x := range []byte{0x00, 0x7f, 0x80, 0xff} {
			c := slices.Clone(b)
			c[i] = x
			_, _ = cd.decode(c, nil) // must not panic
		}
	}
}

func FuzzDecode(f *testing.F) {
	var cd codec
	e := everyPart()
	f.Add(cd.appendFinding(nil, &e))
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{hasFix, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var cd codec
		cd.strings.id("")
		cd.strings.id("pod/privileged")
		cd.values.add(1)
		fs, err := cd.decode(b, nil)
		if err != nil && len(fs) != 0 {
			t.Fatalf("an error with %d findings", len(fs))
		}
	})
}

// FuzzRoundTrip builds findings from fuzzed strings and numbers and holds that they come back
// as they were.
func FuzzRoundTrip(f *testing.F) {
	f.Add("pod/x", "msg", "path[0]", "ns", int64(3), int64(-1), true, 0.5)
	f.Add("", "", "", "", int64(0), int64(math.MaxInt64), false, math.MaxFloat64)
	f.Fuzz(func(t *testing.T, id, msg, path, ns string, line, doc int64, flag bool, x float64) {
		if x != x { // NaN is not equal to itself, so DeepEqual cannot hold it
			x = 0
		}
		f := finding.Finding{
			RuleID: id, Message: msg, Path: path, Object: finding.ObjectRef{Namespace: ns, Name: msg},
			Location: finding.Location{File: path, Line: int(line), Document: int(doc)},
			Fix:      []finding.Patch{{Path: path, Value: map[string]any{msg: []any{x, flag, line, id}}, Remove: flag}},
		}
		if flag {
			f.Related = &finding.Related{AlsoBreaks: []string{id, msg}, Checks: []finding.Check{{ID: id, Reason: msg, At: finding.Position{Line: int32(line), Known: flag}}}}
		}
		var cd codec
		got, err := cd.decode(cd.appendFinding(cd.appendFinding(nil, &f), &f), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !reflect.DeepEqual(got[0], f) || !reflect.DeepEqual(got[1], f) {
			t.Fatalf("read back %#v, want twice %#v", got, f)
		}
	})
}
