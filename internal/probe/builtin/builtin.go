// Package builtin composes Palisade's built-in probers: the prober of each endpoint component
// and the TLS posture scan, the twin of rules/builtin. It owns that list and nothing else, so
// that palisade probe and palisade node --probe ask the same things and the command line
// wires probers without knowing any of them.
package builtin

import (
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/probe/apiserver"
	"palisade.dev/palisade/internal/probe/etcd"
	"palisade.dev/palisade/internal/probe/kubelet"
	"palisade.dev/palisade/internal/probe/tlsscan"
)

// DefaultEtcdPrefix is where the API server keeps its objects in etcd unless its
// --etcd-prefix says otherwise.
const DefaultEtcdPrefix = etcd.DefaultPrefix

// Request returns a probe run that asks every component with its prober, etcd's reading
// under etcdPrefix, and scans the TLS posture of every endpoint that speaks TLS. The caller
// sets the targets and the bounds.
func Request(etcdPrefix string) probe.Request {
	etcdProbe := Etcd(etcdPrefix)
	return probe.Request{
		Probers: map[string]probe.Prober{
			probe.Kubelet: kubelet.Probe, probe.KubeletReadOnly: kubelet.Probe,
			probe.Etcd: etcdProbe, probe.EtcdPeer: etcdProbe,
			probe.APIServer: apiserver.Probe, probe.APIServerInsecure: apiserver.Probe,
		},
		Posture: tlsscan.Scan,
	}
}

// Etcd returns etcd's prober, reading under prefix: a node audit makes one per node, with
// the prefix that node's API server uses.
func Etcd(prefix string) probe.Prober { return etcd.Options{Prefix: prefix}.Probe }
