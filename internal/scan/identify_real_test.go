package scan_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/testcluster"
)

// probeArgs probes targets as palisade probe names them, with its probers and TLS posture
// scan, and judges them with every endpoint rule.
func probeArgs(t *testing.T, args ...string) *scan.ProbeResult {
	t.Helper()
	targets, err := probe.ParseTargets(args, 0)
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	return scan.Probe(context.Background(), scan.ProbeRequest{
		Catalog: catalog,
		Probe:   probe.Request{Targets: targets, Probers: allProbers(), Timeout: 5 * time.Second, Deadline: time.Minute},
	})
}

// probeVerdicts are a probe's verdicts by "rule address": "fail critical", "pass", "not-applicable".
func probeVerdicts(res *scan.ProbeResult) map[string]string {
	out := map[string]string{}
	for _, f := range res.Findings {
		out[f.RuleID+" "+f.Object.Name] = "fail " + f.Severity.String()
	}
	for _, f := range res.Passed {
		out[f.RuleID+" "+f.Object.Name] = string(f.Status)
	}
	return out
}

func hostPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestProbeIdentifiesTheRealComponentsOnPortsOfTheirOwn probes the test cluster's real
// programs, each on a random port given as host:port alone: the hollow kubelet's main and
// read-only ports, etcd's client and peer ports (plain HTTP) and kube-apiserver. Each is told
// from what it answers and judged exactly as when its component is named.
func TestProbeIdentifiesTheRealComponentsOnPortsOfTheirOwn(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Kubelet: true})
	want := map[string]string{
		fmt.Sprintf("127.0.0.1:%d", c.KubeletPort):         probe.Kubelet,
		fmt.Sprintf("127.0.0.1:%d", c.KubeletReadOnlyPort): probe.KubeletReadOnly,
		hostPort(t, c.EtcdURL):                             probe.Etcd,
		hostPort(t, c.EtcdPeerURL):                         probe.EtcdPeer,
		hostPort(t, c.Server):                              probe.APIServer,
	}
	var bare, named []string
	for addr, component := range want {
		bare = append(bare, addr)
		named = append(named, component+"="+addr)
	}
	identified := probeArgs(t, bare...)
	if len(identified.Errors) != 0 {
		t.Fatalf("errors %v", identified.Errors)
	}
	for _, ep := range identified.Endpoints {
		if ep.Component != want[ep.Address] {
			t.Errorf("%s identified as %q by %q, want %s", ep.Address, ep.Component, ep.Identified, want[ep.Address])
		}
		t.Logf("%s: %s (%s)", ep.Address, ep.Component, ep.Identified)
	}
	byName := probeArgs(t, named...)
	got, wantVerdicts := probeVerdicts(identified), probeVerdicts(byName)
	for key, v := range wantVerdicts {
		if got[key] != v {
			t.Errorf("%s: %q given as host:port, %q with its component named", key, got[key], v)
		}
	}
	if len(got) != len(wantVerdicts) {
		t.Errorf("%d verdicts given as host:port, %d with components named", len(got), len(wantVerdicts))
	}
	kubeletMain := fmt.Sprintf("127.0.0.1:%d", c.KubeletPort)
	for _, rule := range []string{"kubelet/probe-anonymous-access", "kubelet/probe-pod-list-leak", "kubelet/probe-command-endpoint", "kubelet/probe-plain-http"} {
		if v := got[rule+" "+kubeletMain]; v != "fail critical" {
			t.Errorf("%s on the hollow kubelet given as host:port: %q, want fail critical", rule, v)
		}
	}
	if code := identified.ExitCode(finding.High); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}

// TestProbeIdentifiesEtcdRequiringClientCertificatesOnlyByItsPortOrName probes a real etcd
// whose client and peer ports both require client certificates: on ports of their own given
// as host:port, what they answer cannot tell which component they are, an error naming the
// etcd= and etcd-peer= forms; named, they are judged as etcd.
func TestProbeIdentifiesEtcdRequiringClientCertificatesOnlyByItsPortOrName(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Etcd: testcluster.EtcdOptions{TLS: true, ClientCertAuth: true, PeerTLS: true}})
	client, peer := hostPort(t, c.EtcdURL), hostPort(t, c.EtcdPeerURL)
	res := probeArgs(t, client, peer)
	if len(res.Errors) != 2 {
		t.Fatalf("errors %v, want one for each port", res.Errors)
	}
	errs := map[string]string{}
	for _, e := range res.Errors {
		errs[e.Location.Host] = e.Message
	}
	for _, addr := range []string{client, peer} {
		if !strings.Contains(errs[addr], "etcd="+addr+" or etcd-peer="+addr) {
			t.Errorf("errors %v, want one at %s naming etcd= and etcd-peer=", res.Errors, addr)
		}
	}
	if code := res.ExitCode(finding.Critical); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	res = probeArgs(t, "etcd="+client, "etcd-peer="+peer)
	v := probeVerdicts(res)
	if len(res.Errors) != 0 || v["etcd/probe-client-cert-auth "+client] != "pass" || v["etcd/probe-client-cert-auth "+peer] != "pass" {
		t.Errorf("named: errors %v, verdicts %v; want etcd's client certificate rule to pass on both", res.Errors, v)
	}
	var components []string
	for _, ep := range res.Endpoints {
		components = append(components, ep.Component)
	}
	if !slices.Equal(components, []string{probe.Etcd, probe.EtcdPeer}) {
		t.Errorf("components %v", components)
	}
}
