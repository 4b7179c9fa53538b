package etcdprobe

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/probe/etcd"
)

// TestTheRulesReadTheProbersSummaries pins that the rules recognise the requests and
// summaries internal/probe/etcd writes.
func TestTheRulesReadTheProbersSummaries(t *testing.T) {
	for got, want := range map[string]string{
		versionPath: etcd.VersionPath, rangePath: etcd.RangePath,
		anonymousRange: etcd.AnonymousRangeSummary, proof: etcd.ProofSummary,
	} {
		if got != want {
			t.Errorf("the rules read %q where the prober writes %q", got, want)
		}
	}
	if strings.HasPrefix(etcd.ProofPageSummary, proof) {
		t.Errorf("a later page of the proof (%q) would be read as the proof", etcd.ProofPageSummary)
	}
	if !etcd.IsEtcdVersion(etcdVersion + "3.7.0") {
		t.Errorf("the rules take %q for etcd's version", etcdVersion)
	}
	p := &etcd.Proof{Prefix: "/registry/secrets/", Total: 312, Sampled: 50, Stored: map[etcd.Storage]int{
		{Kind: etcd.Encrypted, Provider: "aescbc", Key: "key1"}:  20,
		{Kind: etcd.Encrypted, Provider: "kms v2", Key: "vault"}: 5,
		{Kind: etcd.Encrypted, Provider: "an unnamed provider"}:  1,
		{Kind: etcd.PlainProtobuf}:                               17,
		{Kind: etcd.PlainJSON}:                                   4,
		{Kind: etcd.Unrecognised}:                                3,
	}}
	got, ok := parseProof(p.String())
	want := proofCounts{sampled: 50, total: 312, encrypted: 26, plain: 21, prefix: "/registry/secrets/"}
	if !ok || got != want || p.Encrypted() != want.encrypted || p.Plain() != want.plain {
		t.Errorf("parseProof(%q) = %+v, %t; want %+v (prober: %d encrypted, %d plain)", p.String(), got, ok, want, p.Encrypted(), p.Plain())
	}
}
