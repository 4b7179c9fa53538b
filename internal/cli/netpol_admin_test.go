package cli_test

import (
	"strings"
	"testing"
)

const netpolAdminFile = "testdata/netpol/admin.yaml"

func TestNetpolExplainNamesAdminPoliciesAndResolvesServices(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // parts of stdout, in order
	}{
		{"an AdminNetworkPolicy Deny decides before the NetworkPolicies",
			[]string{"ops/Pod/debug", "shop/Pod/web", "80"}, 1, []string{
				"denied: ops/Pod/debug => shop/Pod/web : TCP 80\n",
				"ingress of shop/Pod/web: denied by AdminNetworkPolicy tools (priority 10) spec.ingress[1] \"no-tools\" Deny (testdata/netpol/admin.yaml:42:5)\n",
			}},
		{"a Pass hands the connection to the NetworkPolicies, which name their rules",
			[]string{"ops/Pod/debug", "shop/Pod/db", "5432"}, 1, []string{
				"ingress of shop/Pod/db: denied\n    after AdminNetworkPolicy tools (priority 10) spec.ingress[0] \"tools-to-policies\" Pass (testdata/netpol/admin.yaml:38:5) passed it on\n",
				"    isolated for Ingress by:\n      shop/db",
			}},
		{"the baseline decides where no NetworkPolicy isolates",
			[]string{"shop/Pod/web", "1.1.1.1", "443"}, 1, []string{
				"egress of shop/Pod/web: denied by BaselineAdminNetworkPolicy default spec.egress[0] \"no-internet\" Deny (testdata/netpol/admin.yaml:52:5), no NetworkPolicy selects the pod for Egress\n",
			}},
		{"a connection no admin rule matches reads as before",
			[]string{"shop/Pod/web", "shop/Pod/db", "5432"}, 0, []string{
				"allowed: shop/Pod/web => shop/Pod/db : TCP 5432\n",
				"allowed by:\n      shop/db spec.ingress[0]",
			}},
		{"a Service port name leads to the selected pod's named target port",
			[]string{"shop/Pod/web", "shop/Service/db", "postgres"}, 0, []string{
				"allowed: shop/Pod/web => shop/Service/db : postgres (1 workloads)\n",
				"allowed: shop/Pod/web => shop/Pod/db : TCP 5432\n",
			}},
		{"a Service port number works as its name does, and the verdict is the workloads'",
			[]string{"ops/Pod/debug", "shop/Service/db", "5432/TCP"}, 1, []string{
				"denied: ops/Pod/debug => shop/Service/db : 5432/TCP (1 workloads)\n",
				"denied: ops/Pod/debug => shop/Pod/db : TCP 5432\n",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runWithStdin(t, "", append([]string{"netpol", "explain", "-f", netpolAdminFile}, tt.args...)...)
			if code != tt.wantCode || errOut != "" {
				t.Fatalf("exit %d, want %d; stderr %q\n%s", code, tt.wantCode, errOut, out)
			}
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("missing %q in:\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
		})
	}
	if code, _, errOut := runWithStdin(t, "", "netpol", "explain", "-f", netpolAdminFile, "shop/Pod/web", "shop/Service/db", "http"); code != 2 || !strings.Contains(errOut, "no port of that number or name") {
		t.Errorf("an unknown Service port: exit %d, stderr %q; want 2 and the reason", code, errOut)
	}
}
