package netpol

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestServiceTargets(t *testing.T) {
	in := Input{Workloads: []Workload{
		{Namespace: "shop", Kind: "Pod", Name: "pg-0", Labels: map[string]string{"app": "db"}, Ports: []ContainerPort{{Name: "sql", Protocol: TCP, Port: 5432}}},
		{Namespace: "shop", Kind: "Pod", Name: "pg-1", Labels: map[string]string{"app": "db"}, Ports: []ContainerPort{{Name: "sql", Protocol: TCP, Port: 6432}}},
		{Namespace: "shop", Kind: "Pod", Name: "pg-old", Labels: map[string]string{"app": "db"}},
		{Namespace: "other", Kind: "Pod", Name: "pg", Labels: map[string]string{"app": "db"}, Ports: []ContainerPort{{Name: "sql", Protocol: TCP, Port: 5432}}},
	}, Services: []Service{
		{Namespace: "shop", Name: "db", Selector: map[string]string{"app": "db"},
			Ports: []ServicePort{{Name: "postgres", Protocol: TCP, Port: 5432, TargetPort: intstr.FromString("sql")}, {Name: "metrics", Protocol: TCP, Port: 9187, TargetPort: intstr.FromInt32(9100)}, {Name: "dns", Protocol: UDP, Port: 53}}},
		{Namespace: "shop", Name: "manual", Ports: []ServicePort{{Protocol: TCP, Port: 80}}},
	}}
	a := Analyze(in)
	pg0, pg1, old := a.Workload("shop/Pod/pg-0"), a.Workload("shop/Pod/pg-1"), a.Workload("shop/Pod/pg-old")
	tests := []struct {
		name, svc, port string
		want            []ServiceTarget
		unresolved      []int
		err             bool
	}{
		{"a named target port resolves per workload of the Service's namespace", "shop/Service/db", "postgres", []ServiceTarget{{pg0, TCP, 5432}, {pg1, TCP, 6432}}, []int{old}, false},
		{"the port's number names it as its name does", "shop/Service/db", "5432", []ServiceTarget{{pg0, TCP, 5432}, {pg1, TCP, 6432}}, []int{old}, false},
		{"a numeric target port applies to every selected workload", "shop/Service/db", "metrics", []ServiceTarget{{pg0, TCP, 9100}, {pg1, TCP, 9100}, {old, TCP, 9100}}, nil, false},
		{"an absent target port is the port itself, with the port's protocol", "shop/Service/db", "53/UDP", []ServiceTarget{{pg0, UDP, 53}, {pg1, UDP, 53}, {old, UDP, 53}}, nil, false},
		{"a protocol the port does not have finds nothing", "shop/Service/db", "53/TCP", nil, nil, true},
		{"a Service without selector leads to no workload", "shop/Service/manual", "80", nil, nil, false},
		{"an unknown Service is an error", "shop/Service/nope", "80", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unresolved, err := a.ServiceTargets(tt.svc, tt.port)
			if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(unresolved, tt.unresolved) {
				t.Errorf("ServiceTargets = %v, %v, %v; want %v, %v, error %v", got, unresolved, err, tt.want, tt.unresolved, tt.err)
			}
		})
	}
}
