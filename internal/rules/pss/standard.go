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

// standards evaluates pods against the Pod Security Standards with the evaluator of
// k8s.io/pod-security-admission (the code the API server's PodSecurity admission runs), and
// names every result by the check that produced it. It is built once per catalog and is safe
// for concurrent use: its tables are only read after construction, and the version cache is a
// sync.Map.
type standards struct {
	evaluator policy.Evaluator
	// newest is the newest version any check defines; later versions and "latest" evaluate as it.
	newest api.Version
	// checks[level][minor] lists the checks the evaluator runs at that level and version v1.minor,
	// in the order in which it returns their results.
	checks map[api.Level][][]check
	// versions caches parsed --pss-version values (string -> parsedVersion).
	versions sync.Map
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
	evaluator, err := policy.NewEvaluator(defs, nil)
	if err != nil {
		return nil, fmt.Errorf("building the Pod Security Standards evaluator: %w", err)
	}
	s := &standards{evaluator: evaluator, newest: api.MajorMinorVersion(1, 0), checks: map[api.Level][][]check{}}
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

// failures evaluates the pod at level and version and returns the checks that forbid it, in
// the evaluator's order.
func (s *standards) failures(level api.Level, v api.Version, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []failure {
	v = s.effective(v)
	results := s.evaluator.EvaluatePod(api.LevelVersion{Level: level, Version: v}, meta, spec)
	checks := s.checks[level][v.Minor()]
	// The names come from the same check definitions the evaluator was built from; should the
	// library ever order its results differently, the failures are still reported, named by
	// their reason, and located at the pod spec.
	named := len(checks) == len(results)
	var out []failure
	for i, r := range results {
		if r.Allowed {
			continue
		}
		f := failure{result: r, check: check{ID: policy.CheckID(r.ForbiddenReason), Level: level}}
		if named {
			f.check = checks[i]
		}
		out = append(out, f)
	}
	return out
}
