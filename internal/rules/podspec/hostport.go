package podspec

// pod/host-port: a hostPort binds a container port on the node's own network interfaces. The
// container is then reachable from anywhere that reaches the node, around the Services and
// NetworkPolicies that guard pod traffic, and it occupies that port on the node (one such pod
// per node, pods stuck Pending when the port is taken).
//
// Restricted fields:
//   spec.{initContainers,containers,ephemeralContainers}[*].ports[*].hostPort
//
// Allowed values:
//   unset or 0
//
// A pod with hostNetwork: true is defaulted by the API server to hostPort = containerPort; that
// pod is the host namespaces rule's finding, so only hostPorts written in the manifest are
// reported here.
//
// References: CIS Kubernetes Benchmark 5.2.13; Pod Security Standards baseline "Host Ports"
// (k8s.io/pod-security-admission check_hostPorts.go); Kubernetes configuration best practices,
// which advise against hostPort: https://kubernetes.io/docs/concepts/configuration/overview/#services

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func hostPortRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/host-port",
		Title:    "Container port bound on the node (hostPort)",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A hostPort exposes a container port on the node's own IP addresses. Traffic to it " +
			"bypasses Services and, with many network plugins, NetworkPolicies; the port is taken on " +
			"the node, so only one such pod fits per node.",
		Fields:     containerFields(everyContainerList, "ports[*].hostPort"),
		Allowed:    []string{"unset", "0"},
		References: []rules.Reference{cisHostPort, pssHostPort, docsHostPort},
		Remedy: "Remove hostPort and expose the container through a Service (ClusterIP, NodePort or " +
			"LoadBalancer) or an Ingress.",
		Pod: checkHostPorts,
	}
}

func checkHostPorts(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	for _, c := range ctx.Pod.Containers() {
		for j, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			protocol := p.Protocol
			if protocol == "" {
				protocol = "TCP" // the API server's default
			}
			out = append(out, rules.Violation{
				Path:      fmt.Sprintf("%s.ports[%d].hostPort", c.Path, j),
				Container: c.Name,
				Message: fmt.Sprintf("container %q binds port %d/%s on the node (ports[%d].hostPort): it is reachable on "+
					"every address of the node, around Services and NetworkPolicies, and only one such pod fits on a node",
					c.Name, p.HostPort, protocol, j),
				Evidence: fmt.Sprintf("%s[%d].ports[%d]: containerPort %d, hostPort %d, protocol %s",
					c.List, c.Index, j, p.ContainerPort, p.HostPort, protocol),
			})
		}
	}
	return out
}
