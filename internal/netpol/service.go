package netpol

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Service is a Service: what its selector selects, and where its ports lead. Policies never
// name Services (traffic reaches pods after the Service address is translated), so Services
// only let explanations start from a Service's name and port. (The Services' addresses,
// which network/ipblock-covers-cluster reads, come from inventory.Object.ServiceAddresses.)
type Service struct {
	Namespace, Name string
	// Selector selects the pods of the namespace the Service sends to; nil (a Service
	// without selector, whose endpoints are written by hand) selects none.
	Selector map[string]string
	Ports    []ServicePort
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name     string
	Protocol Protocol
	Port     int32
	// TargetPort is the pod's port: a number, or a name resolved on each pod's container
	// ports; the zero value means Port.
	TargetPort intstr.IntOrString
}

// ID is the Service's name in output: namespace/Service/name.
func (s *Service) ID() string { return s.Namespace + "/Service/" + s.Name }

func serviceFrom(ns, name string, spec *corev1.ServiceSpec) Service {
	s := Service{Namespace: ns, Name: name, Selector: spec.Selector}
	for _, p := range spec.Ports {
		proto, ok := ParseProtocol(cmp.Or(string(p.Protocol), "TCP"))
		if !ok {
			continue
		}
		s.Ports = append(s.Ports, ServicePort{Name: p.Name, Protocol: proto, Port: p.Port, TargetPort: p.TargetPort})
	}
	return s
}

// ServiceTarget is a workload a Service port leads to, and the port it arrives on.
type ServiceTarget struct {
	Workload int
	Protocol Protocol
	Port     int32
}

// ServiceTargets resolves port (a Service port's number or name, with an optional
// /PROTOCOL) of the Service id (namespace/Service/name) to the workloads its selector selects,
// each with its target port: a named target port resolves on each workload's container
// ports of that name and protocol. Workloads on which it resolves on nothing are returned in
// unresolved.
func (a *Analysis) ServiceTargets(id, port string) (targets []ServiceTarget, unresolved []int, err error) {
	i, ok := slices.BinarySearchFunc(a.Services, id, func(s Service, id string) int { return strings.Compare(s.ID(), id) })
	if !ok {
		return nil, nil, fmt.Errorf("no Service of that name (%d bytes) in the input", len(id))
	}
	svc := &a.Services[i]
	sp, err := svc.port(port)
	if err != nil {
		return nil, nil, err
	}
	if len(svc.Selector) == 0 {
		return nil, nil, nil
	}
	sel := labels.SelectorFromSet(svc.Selector)
	for w := range a.Workloads {
		wl := &a.Workloads[w]
		if wl.Namespace != svc.Namespace || !sel.Matches(labels.Set(wl.Labels)) {
			continue
		}
		target := ServiceTarget{Workload: w, Protocol: sp.Protocol, Port: sp.Port}
		switch {
		case sp.TargetPort.Type == intstr.String:
			k := slices.IndexFunc(wl.Ports, func(cp ContainerPort) bool {
				return cp.Name == sp.TargetPort.StrVal && cp.Protocol == sp.Protocol
			})
			if k < 0 {
				unresolved = append(unresolved, w)
				continue
			}
			target.Port = wl.Ports[k].Port
		case sp.TargetPort.IntVal != 0:
			target.Port = sp.TargetPort.IntVal
		}
		targets = append(targets, target)
	}
	return targets, unresolved, nil
}

// port finds the Service port a PORT[/PROTOCOL] argument names, by number or by name.
func (s *Service) port(arg string) (*ServicePort, error) {
	name, proto, hasProto := strings.Cut(arg, "/")
	p := TCP
	if hasProto {
		var ok bool
		if p, ok = ParseProtocol(proto); !ok {
			return nil, fmt.Errorf("a protocol of %d bytes is none of TCP, UDP and SCTP", len(proto))
		}
	}
	for i := range s.Ports {
		sp := &s.Ports[i]
		if (hasProto && sp.Protocol != p) || (sp.Name != name && fmt.Sprint(sp.Port) != name) {
			continue
		}
		return sp, nil
	}
	return nil, fmt.Errorf("the Service has no port of that number or name (%d bytes)", len(arg))
}
