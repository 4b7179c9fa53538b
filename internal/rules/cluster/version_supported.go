package cluster

// cluster/version-supported: the Kubernetes minor release the API server runs still gets
// patches from the Kubernetes project. A release past its end of life gets no fix for the
// vulnerabilities found after that date.
//
// Restricted fields:
//   the gitVersion of the API server's /version (inventory.Cluster.Version), parsed after the
//   distribution's decoration (internal/distro.ParseVersion), judged at the date of the scan
//   (inventory.Cluster.ScannedAt, in UTC)
//
// Allowed values:
//   a minor whose upstream end of life (endOfLife, from kubernetes/website
//   data/releases/eol.yaml and schedule.yaml) is more than 60 days after the scan. A minor
//   supported on the date of its end of life is past it from the next day. Graded:
//     past its end of life, or older than every release in the table   high
//     end of life within 30 days                                        medium
//     end of life within 60 days                                        low
//   A minor newer than the newest one in the table is a release newer than this Palisade: it
//   is taken as supported, with no finding (a Kubernetes release is supported for about 14
//   months, and Palisade cannot know an end of life the project has not published). A
//   development build (v0.0.0-master) and a version that does not parse are reported at info
//   severity, as not judged. No version (the source could not read /version; it reports that
//   error) or no scan date gives no finding.
//
// Managed distributions (EKS, GKE, AKS ...) publish support windows of their own, some longer
// (EKS and GKE extended support); the finding says so and judges by the upstream date, the one
// that says whether the Kubernetes project still fixes the code.
//
// References: https://kubernetes.io/releases/; https://kubernetes.io/releases/patch-releases/#support-period.

import (
	"fmt"
	"time"

	"palisade.dev/palisade/internal/distro"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// endOfLife is the upstream end-of-life date of each Kubernetes 1.x minor release, oldest
// first (kubernetes/website data/releases/eol.yaml for released branches, schedule.yaml for
// the maintained ones).
var endOfLife = []struct {
	minor int
	date  time.Time
}{
	{2, day(2016, 10, 23)}, {3, day(2016, 11, 1)}, {4, day(2017, 4, 21)}, {5, day(2017, 10, 1)},
	{6, day(2017, 11, 23)}, {7, day(2018, 4, 4)}, {8, day(2018, 7, 12)}, {9, day(2018, 9, 29)},
	{10, day(2019, 2, 13)}, {11, day(2019, 5, 1)}, {12, day(2019, 7, 8)}, {13, day(2019, 10, 15)},
	{14, day(2019, 12, 11)}, {15, day(2020, 5, 6)}, {16, day(2020, 9, 2)}, {17, day(2021, 1, 13)},
	{18, day(2021, 6, 18)}, {19, day(2021, 10, 28)}, {20, day(2022, 2, 28)}, {21, day(2022, 6, 28)},
	{22, day(2022, 12, 8)}, {23, day(2023, 2, 28)}, {24, day(2023, 7, 28)}, {25, day(2023, 10, 28)},
	{26, day(2024, 2, 28)}, {27, day(2024, 7, 16)}, {28, day(2024, 10, 22)}, {29, day(2025, 2, 28)},
	{30, day(2025, 7, 15)}, {31, day(2025, 11, 11)}, {32, day(2026, 2, 28)}, {33, day(2026, 6, 28)},
	{34, day(2026, 10, 27)}, {35, day(2027, 2, 28)}, {36, day(2027, 6, 28)}, {37, day(2027, 10, 28)},
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Warning windows before an end of life.
const (
	soonDays   = 30
	warnDays   = 60
	dateLayout = time.DateOnly
)

func versionSupportedRule() rules.Rule {
	oldest, newest := endOfLife[0], endOfLife[len(endOfLife)-1]
	return rules.Rule{
		ID:       "cluster/version-supported",
		Title:    "Kubernetes version past or near its end of life",
		Severity: finding.High,
		Area:     rules.AreaGeneral,
		Scope:    rules.ScopeCluster,
		Description: "The Kubernetes project patches the three newest minor releases, each for about 14 months. " +
			"A cluster on a release past its end of life gets no fix for vulnerabilities found since. " +
			"The version is the API server's /version, with the distribution's suffix removed, judged " +
			"at the date of the scan against the upstream end of life; managed distributions publish " +
			"their own, sometimes longer, support windows, and the finding says so. " +
			fmt.Sprintf("Palisade knows the end of life of 1.%d to 1.%d; a newer minor is taken as supported.", oldest.minor, newest.minor),
		Fields:     []string{"/version gitVersion"},
		Allowed:    []string{"a minor release whose upstream end of life is more than 60 days after the scan"},
		References: []rules.Reference{docsReleases, docsSupportPeriod},
		Remedy: "Upgrade the control plane, then the nodes, one minor release at a time, to a supported release " +
			"(on a managed service, through the provider's upgrade). Plan the next upgrade before this one's " +
			"end of life.",
		Cluster: checkVersionSupported,
	}
}

func checkVersionSupported(ctx *rules.ClusterContext) []rules.Violation {
	c := ctx.Cluster
	if c == nil || c.Version == "" || c.ScannedAt.IsZero() {
		return nil
	}
	newest := endOfLife[len(endOfLife)-1].minor
	dist := distribution(c.Distribution)
	scanned := c.ScannedAt.UTC()
	today := day(scanned.Year(), scanned.Month(), scanned.Day())
	evidence := fmt.Sprintf("gitVersion: %s; distribution: %s; scanned: %s; newest minor known: 1.%d",
		c.Version, dist, today.Format(dateLayout), newest)

	major, minor, _, err := distro.ParseVersion(c.Version)
	switch {
	case err != nil:
		return []rules.Violation{{
			Message:  fmt.Sprintf("the API server reports version %q, which does not parse as a Kubernetes version: its support is not judged", c.Version),
			Evidence: evidence,
			Severity: new(finding.Info),
		}}
	case major == 0:
		return []rules.Violation{{
			Message: fmt.Sprintf("the API server reports %s, a development build of no release: its support is not judged "+
				"(a release build sets its version)", c.Version),
			Evidence: evidence,
			Severity: new(finding.Info),
		}}
	case major > 1 || minor > newest:
		return nil // newer than any end of life published when this Palisade was built
	}

	managed := ""
	if c.Distribution != "" {
		managed = fmt.Sprintf(" %s publishes its own support window for 1.%d (possibly longer, such as extended support): "+
			"check it, this finding judges by the upstream end of life.", c.Distribution, minor)
	}
	if minor < endOfLife[0].minor {
		oldest := endOfLife[0]
		return []rules.Violation{{
			Message: fmt.Sprintf("%s %s runs Kubernetes 1.%d, older than every release Palisade knows (1.%d reached its end "+
				"of life on %s): it has had no security fix for years; the newest minor is 1.%d.%s",
				dist, c.Version, minor, oldest.minor, oldest.date.Format(dateLayout), newest, managed),
			Evidence: evidence + fmt.Sprintf("; end of life: before %s", oldest.date.Format(dateLayout)),
		}}
	}
	eol := endOfLife[minor-endOfLife[0].minor].date
	evidence += "; end of life of 1." + fmt.Sprint(minor) + ": " + eol.Format(dateLayout)
	daysLeft := int(eol.Sub(today).Hours() / 24)
	switch {
	case daysLeft < 0:
		return []rules.Violation{{
			Message: fmt.Sprintf("%s %s runs Kubernetes 1.%d, which reached its upstream end of life on %s: it gets no "+
				"security fixes from the Kubernetes project; the newest minor is 1.%d.%s",
				dist, c.Version, minor, eol.Format(dateLayout), newest, managed),
			Evidence: evidence,
		}}
	case daysLeft <= warnDays:
		sev := finding.Low
		if daysLeft <= soonDays {
			sev = finding.Medium
		}
		return []rules.Violation{{
			Message: fmt.Sprintf("%s %s runs Kubernetes 1.%d, which reaches its upstream end of life on %s, %s: "+
				"after that it gets no security fixes; the newest minor is 1.%d.%s",
				dist, c.Version, minor, eol.Format(dateLayout), within(daysLeft), newest, managed),
			Evidence: evidence,
			Severity: &sev,
		}}
	}
	return nil
}

// within says when an end of life n days away comes.
func within(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	}
	return fmt.Sprintf("in %d days", n)
}
