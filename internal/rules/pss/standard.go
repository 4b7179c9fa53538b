package pss

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// standards evaluates pods against the Pod Security Standards with the checks of
// k8s.io/pod-security-admission (the code the API server's PodSecurity admission runs), in the
// lists its evaluator runs at each level and version, and names every result by the check that
// produced it. It is built once per catalog and is safe for concurrent use: its tables are
// only read after construction, and the version cache is a sync.Map.
type standards struct {
	// newest is the newest version any check defines; later versions and "latest" evaluate as it.
	newest api.Version
	// checks[level][minor] lists the checks the evaluator runs at that level and version v1.minor,
	// in the order in which it returns their results.
	checks map[api.Level][][]check
	// reuse[minor][i] is the index in the baseline list of the restricted list's check i at
	// v1.minor, when it is a baseline check the restricted level keeps, or -1.
	reuse [][]int
	// versions caches parsed --pss-version values (string -> parsedVersion).
	versions sync.Map
	// labels caches versionLabel (api.Version -> string).
	labels sync.Map
}

// check is one Pod Security Standards check as the library defines it at one version.
type check struct {
	ID policy.CheckID
	// Level is the level that defines the check: a restricted evaluation also runs baseline
	// checks.
	Level api.Level
	// Pod is the check's function at that version; nil when the result could not be named.
	Pod policy.CheckPodFn
}

type parsedVersion struct {
	v   api.Version
	err error
}

// failure is a check that did not allow the pod.
type failure struct {
	check  check
	result policy.CheckResult
}

func newStandards() (*standards, error) {
	defs := policy.DefaultChecks()
	// The library's evaluator validates the definitions; its check lists are rebuilt below,
	// by check, and a test pins them to it.
	if _, err := policy.NewEvaluator(defs, nil); err != nil {
		return nil, fmt.Errorf("building the Pod Security Standards evaluator: %w", err)
	}
	s := &standards{newest: api.MajorMinorVersion(1, 0), checks: map[api.Level][][]check{}}
	for _, d := range defs {
		if last := d.Versions[len(d.Versions)-1].MinimumVersion; s.newest.Older(last) {
			s.newest = last
		}
	}
	for minor := 0; minor <= s.newest.Minor(); minor++ {
		v := api.MajorMinorVersion(1, minor)
		for _, level := range []api.Level{api.LevelBaseline, api.LevelRestricted} {
			s.checks[level] = append(s.checks[level], checksAt(defs, level, v))
		}
		base, restricted := s.checks[api.LevelBaseline][minor], s.checks[api.LevelRestricted][minor]
		reuse := make([]int, len(restricted))
		for i, c := range restricted {
			reuse[i] = slices.IndexFunc(base, func(b check) bool { return b.ID == c.ID })
		}
		s.reuse = append(s.reuse, reuse)
	}
	return s, nil
}

// checksAt lists the checks the library's evaluator runs for level at version v, in the order
// of its results (k8s.io/pod-security-admission policy/registry.go): baseline checks sorted by
// ID, then restricted checks sorted by ID; a restricted evaluation leaves out the baseline
// checks that a restricted check overrides at v. A check takes part from the first version it
// defines, in the form of the newest of its versions not after v.
func checksAt(defs []policy.Check, level api.Level, v api.Version) []check {
	var baseline, restricted []check
	overridden := map[policy.CheckID]bool{}
	for _, d := range defs {
		vc, ok := versionedAt(d, v)
		if !ok {
			continue
		}
		c := check{ID: d.ID, Level: d.Level, Pod: vc.CheckPod}
		if d.Level == api.LevelBaseline {
			baseline = append(baseline, c)
			continue
		}
		restricted = append(restricted, c)
		for _, id := range vc.OverrideCheckIDs {
			overridden[id] = true
		}
	}
	byID := func(a, b check) int { return cmp.Compare(a.ID, b.ID) }
	slices.SortFunc(baseline, byID)
	slices.SortFunc(restricted, byID)
	if level == api.LevelBaseline {
		return baseline
	}
	out := slices.DeleteFunc(baseline, func(c check) bool { return overridden[c.ID] })
	return append(out, restricted...)
}

func versionedAt(d policy.Check, v api.Version) (policy.VersionedCheck, bool) {
	var found policy.VersionedCheck
	ok := false
	for _, vc := range d.Versions {
		if !v.Older(vc.MinimumVersion) {
			found, ok = vc, true
		}
	}
	return found, ok
}

// version parses a --pss-version value, once per distinct value.
func (s *standards) version(text string) (api.Version, error) {
	if p, ok := s.versions.Load(text); ok {
		pv := p.(parsedVersion)
		return pv.v, pv.err
	}
	v, err := ParseVersion(text)
	s.versions.Store(text, parsedVersion{v, err})
	return v, err
}

// effective is the version whose checks evaluate a request for v: v itself, or the newest
// version any check defines when v is "latest" or newer than that.
func (s *standards) effective(v api.Version) api.Version {
	if v.Latest() || s.newest.Older(v) {
		return s.newest
	}
	return v
}

// results are the failing checks of one pod at one version, at both levels, each check run
// once: the restricted level's list repeats the baseline checks it does not override, and
// shares their results.
type results struct {
	baseline, restricted []failure
}

// evaluate runs the checks of both levels at version v on the pod and returns the checks that
// forbid it, for each level in the evaluator's order. It calls the library's own check
// functions in the lists its evaluator runs (TestChecksMatchEvaluator pins that the two agree,
// result by result, at every version and level).
func (s *standards) evaluate(v api.Version, meta *metav1.ObjectMeta, spec *corev1.PodSpec) results {
	effective := s.effective(v)
	minor := effective.Minor()
	var out results
	var buf [24]policy.CheckResult // the library has about a dozen baseline checks
	base := buf[:0]
	for _, c := range s.checks[api.LevelBaseline][minor] {
		r := c.Pod(meta, spec)
		base = append(base, r)
		if !r.Allowed {
			out.baseline = append(out.baseline, failure{check: c, result: r})
		}
	}
	for i, c := range s.checks[api.LevelRestricted][minor] {
		var r policy.CheckResult
		if j := s.reuse[minor][i]; j >= 0 {
			r = base[j]
		} else {
			r = c.Pod(meta, spec)
		}
		if !r.Allowed {
			out.restricted = append(out.restricted, failure{check: c, result: r})
		}
	}
	return out
}
