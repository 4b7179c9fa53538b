package netpol_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/source/manifest"
)

const inventoryManifests = `apiVersion: v1
kind: Pod
metadata: {name: host, namespace: a, labels: {app: host}}
spec:
  hostNetwork: true
  containers: [{name: c, image: busybox:1.37}]
---
apiVersion: v1
kind: PodTemplate
metadata: {name: tmpl, namespace: a}
template:
  metadata: {labels: {app: tmpl}}
  spec: {containers: [{name: c, image: busybox:1.37}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: job, namespace: a}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: job}}
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox:1.37, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: live, namespace: b, labels: {app: live}}
spec: {containers: [{name: c, image: busybox:1.37}]}
status: {podIP: 10.9.0.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: odd, namespace: a}
spec:
  podSelector: {}
  egress:
  - to:
    - ipBlock: {cidr: 10.9.0.0/300}
    - {}
    - podSelector: {matchExpressions: [{key: app, operator: Gt, values: [x]}]}
    ports:
    - {port: 70000}
    - {port: 53, protocol: ICMP}
  - to: [{ipBlock: {cidr: 10.9.0.0/16}}]
    ports: [{port: dns, protocol: UDP}, {port: 8080}]
`

func TestFromInventoryReadsWorkloadsAndJudgesOddPolicyPartsAsMatchingNothing(t *testing.T) {
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(inventoryManifests)})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	a := netpol.Analyze(netpol.FromInventory(res.Inventory))
	var ids []string
	for _, w := range a.Workloads {
		ids = append(ids, w.ID())
	}
	if got := strings.Join(ids, " "); got != "a/CronJob/job b/Pod/live" {
		t.Fatalf("workloads %q: a host-network pod and a PodTemplate are not workloads", got)
	}
	job, live := a.Workload("a/CronJob/job"), a.Workload("b/Pod/live")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"the live pod's address is matched by the ipBlock, its named port resolving on nothing there", a.Between(job, live).String(), "TCP 8080"},
		{"an address outside the cluster in the block gets the numeric port only", a.ToAddress(job, netip.MustParseAddr("10.9.200.1")).String(), "TCP 8080"},
		{"absent policyTypes with egress rules isolate the cronjob's ingress too", a.Between(live, job).String(), "No Connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	wantProblems := []string{
		"spec.egress[0].to[0].ipBlock.cidr (-:41:17): a value of 12 bytes is not a CIDR",
		"spec.egress[0].to[1] (-:42:7): the peer sets no selector and no ipBlock",
		"spec.egress[0].to[2].podSelector (-:43:7): the selector cannot be parsed (1 match expressions)",
		"spec.egress[0].ports[0] (-:45:7): the port range 70000-70000 is not within 1-65535",
		"spec.egress[0].ports[1].protocol (-:46:18): a protocol of 4 bytes is none of TCP, UDP and SCTP",
	}
	if len(a.Problems) != len(wantProblems) {
		t.Fatalf("problems %q", a.Problems)
	}
	for i, w := range wantProblems {
		if !strings.Contains(a.Problems[i], w) {
			t.Errorf("problem %q lacks %q", a.Problems[i], w)
		}
	}
}

const adminManifests = `apiVersion: v1
kind: Namespace
metadata: {name: db, labels: {tier: data}}
---
apiVersion: v1
kind: Pod
metadata: {name: pg, namespace: db, labels: {app: pg}}
spec: {containers: [{name: c, image: postgres:17, ports: [{name: sql, containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: front, labels: {app: web}}
spec: {containers: [{name: c, image: nginx:1.27}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: protect-data}
spec:
  priority: 20
  subject: {namespaces: {matchLabels: {tier: data}}}
  ingress:
  - name: no-sql-from-others
    action: Deny
    from: [{namespaces: {matchExpressions: [{key: tier, operator: NotIn, values: [data]}]}}]
    ports: [{namedPort: sql}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  egress:
  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: odd}
spec:
  priority: oops
`

func TestFromInventoryReadsAdminPolicies(t *testing.T) {
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(adminManifests)})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	in := netpol.FromInventory(res.Inventory)
	if len(in.AdminPolicies) != 2 || len(in.Problems) != 1 || !strings.Contains(in.Problems[0], "AdminNetworkPolicy odd: the object does not decode") {
		t.Fatalf("admin policies %d, problems %q: want the two that decode and one problem", len(in.AdminPolicies), in.Problems)
	}
	a := netpol.Analyze(in)
	web, pg := a.Workload("front/Pod/web"), a.Workload("db/Pod/pg")
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"the named port of the Deny resolves on the database, other ports stay open", a.Between(web, pg).String(), "TCP 1-5431,5433-65535; UDP 1-65535; SCTP 1-65535"},
		{"the baseline denies egress outside the cluster", a.ToAddress(web, netip.MustParseAddr("1.1.1.1")).String(), "No Connections"},
		{"the explanation names the rule and its origin", a.Explain(netpol.Endpoint{Workload: web}, netpol.Endpoint{Workload: pg}, netpol.TCP, 5432).Ingress.Admin.Where, "-:22:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
