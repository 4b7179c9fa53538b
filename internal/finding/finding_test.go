package finding

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestSeverityNamesRoundTrip(t *testing.T) {
	for _, s := range Severities() {
		got, err := ParseSeverity(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s, got, err)
		}
	}
	if s, err := ParseSeverity("HIGH"); err != nil || s != High {
		t.Errorf("severity names are case-insensitive: %v, %v", s, err)
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("an unknown severity was accepted")
	}
	b, _ := json.Marshal(Critical)
	if string(b) != `"critical"` {
		t.Errorf("severity marshals as %s, want its name", b)
	}
}

func TestSortIsDeterministicByLocationThenRule(t *testing.T) {
	fs := []Finding{
		{RuleID: "pod/b", Location: Location{File: "b.yaml", Line: 1}},
		{RuleID: "pod/b", Location: Location{File: "a.yaml", Line: 9}},
		{RuleID: "pod/a", Location: Location{File: "a.yaml", Line: 9}},
		{RuleID: "pod/a", Location: Location{File: "a.yaml", Line: 2}},
	}
	Sort(fs)
	want := []string{"a.yaml:2 pod/a", "a.yaml:9 pod/a", "a.yaml:9 pod/b", "b.yaml:1 pod/b"}
	for i, f := range fs {
		if got := f.Location.File + ":" + itoa(f.Location.Line) + " " + f.RuleID; got != want[i] {
			t.Errorf("position %d: %s, want %s", i, got, want[i])
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestLocationAndRefStrings(t *testing.T) {
	cases := []struct{ got, want string }{
		{Location{File: "a.yaml", Line: 3, Column: 7}.String(), "a.yaml:3:7"},
		{Location{File: "a.yaml"}.String(), "a.yaml"},
		{Location{Host: "10.0.0.1:10250"}.String(), "10.0.0.1:10250"},
		{ObjectRef{Kind: "Pod", Namespace: "ns", Name: "p"}.String(), "Pod/ns/p"},
		{ObjectRef{Kind: "ClusterRole", Name: "r"}.String(), "ClusterRole/r"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// BenchmarkSort sorts the findings of a large scan: 160,000 findings over 20,000 objects in
// 1,000 files, shuffled.
func BenchmarkSort(b *testing.B) {
	var fs []Finding
	for i := range 160_000 {
		obj := i / 8
		fs = append(fs, Finding{RuleID: "pod/rule-" + strconv.Itoa(i%8),
			Object:   ObjectRef{Kind: "Deployment", Namespace: "ns-" + strconv.Itoa(obj%50), Name: "app-" + strconv.Itoa(obj)},
			Location: Location{File: "dir/file-" + strconv.Itoa(obj/20) + ".yaml", Document: obj%20 + 1, Line: 10 + i%8, Column: 7},
			Message:  "message"})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	shuffled := slices.Clone(fs)
	for b.Loop() {
		b.StopTimer()
		copy(shuffled, fs)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		b.StartTimer()
		Sort(shuffled)
	}
}

func TestQuoteIsStrconvQuote(t *testing.T) {
	for _, s := range []string{"", "c", "app-1.example", "a\"b", `back\slash`, "tab\there", "é", "\x00", "emoji 🙂", "\x7f", "\xff"} {
		if got, want := Quote(s), strconv.Quote(s); got != want {
			t.Errorf("Quote(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzQuote(f *testing.F) {
	f.Add("container")
	f.Add("a\"b\\c\n")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Quote(s), strconv.Quote(s); got != want {
			t.Errorf("Quote(%q) = %s, want %s", s, got, want)
		}
	})
}
