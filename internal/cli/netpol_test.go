package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

const netpolManifests = "testdata/netpol/shop.yaml"

func TestNetpolCommandsAnswerFromManifests(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // parts of stdout, in order
		wantNot  string   // not in stdout
		wantErr  string   // part of stderr
	}{
		{"the summary lists pod-to-pod, then to and from outside, with named ports resolved",
			[]string{}, 0, []string{
				"ops/Pod/debug => shop/Deployment/web : TCP 8080\n",
				"shop/Deployment/web => shop/StatefulSet/db : TCP 5432\n",
				"ops/Pod/debug => 0.0.0.0-255.255.255.255 : All Connections\n",
				"shop/Deployment/web => 0.0.0.0-9.255.255.255 : TCP 443; UDP 53\n",
				"shop/Deployment/web => 11.0.0.0-255.255.255.255 : TCP 443; UDP 53\n",
				"0.0.0.0-255.255.255.255 => shop/Deployment/web : TCP 8080\n",
			}, "ops/Pod/debug => shop/StatefulSet/db", ""},
		{"--from keeps the sources a pattern matches",
			[]string{"--from", "shop/*/*"}, 0, []string{"shop/Deployment/web => shop/StatefulSet/db : TCP 5432\n"}, "ops/Pod/debug =>", ""},
		{"--to with an address keeps the ranges that hold it",
			[]string{"--to", "10.1.2.3"}, 0, []string{"ops/Pod/debug => 0.0.0.0-255.255.255.255"}, "shop/Deployment/web => 0.0.0.0", ""},
		{"--port keeps the connections that allow the port",
			[]string{"--port", "53/udp"}, 0, []string{"ops/Pod/debug => 0.0.0.0-255.255.255.255", "shop/Deployment/web => 0.0.0.0-9.255.255.255"}, "=> shop/StatefulSet/db", ""},
		{"explain names both sides' policies and rules with their lines and exits 0 when allowed",
			[]string{"explain", "shop/Deployment/web", "shop/StatefulSet/db", "5432/TCP"}, 0, []string{
				"allowed: shop/Deployment/web => shop/StatefulSet/db : TCP 5432\n",
				"egress of shop/Deployment/web: allowed", "shop/default-deny (testdata/netpol/shop.yaml:61:1)",
				"allowed by:\n      shop/web spec.egress[0] (testdata/netpol/shop.yaml:82:5)",
				"ingress of shop/StatefulSet/db: allowed", "shop/db spec.ingress[0] (testdata/netpol/shop.yaml:104:5)",
			}, "", ""},
		{"explain says a pod no policy selects is allowed by default and exits 1 when denied",
			[]string{"explain", "ops/Pod/debug", "shop/StatefulSet/db", "5432"}, 1, []string{
				"denied: ops/Pod/debug => shop/StatefulSet/db : TCP 5432\n",
				"egress of ops/Pod/debug: allowed by default, no policy selects the pod for Egress",
				"ingress of shop/StatefulSet/db: denied", "and no rule of theirs allows it",
			}, "", ""},
		{"explain takes an address outside the cluster, where the except applies",
			[]string{"explain", "shop/Deployment/web", "10.0.0.1", "443"}, 1, []string{"denied: shop/Deployment/web => 10.0.0.1 : TCP 443", "ingress of 10.0.0.1: allowed, an address outside the cluster"}, "", ""},
		{"explain of a named port on the wrong port denies it",
			[]string{"explain", "ops/Pod/debug", "shop/Deployment/web", "80"}, 1, []string{"denied"}, "", ""},
		{"explain of an unknown workload is an error",
			[]string{"explain", "shop/Deployment/nope", "ops/Pod/debug", "80"}, 2, nil, "", "SRC: no workload of that name"},
		{"a malformed port is an error",
			[]string{"explain", "ops/Pod/debug", "shop/Deployment/web", "80/ICMP"}, 2, nil, "", "none of TCP, UDP and SCTP"},
		{"a malformed --port is an error",
			[]string{"--port", "http"}, 2, nil, "", "--port: a port of 4 bytes"},
		{"an unknown output is an error",
			[]string{"-o", "yaml"}, 2, nil, "", "want one of text, json, csv, md, dot, html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"netpol"}, tt.args...)
			code, out, errOut := runWithStdin(t, "", append(args, "-f", netpolManifests)...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr: %s\n%s", code, tt.wantCode, errOut, out)
			}
			requireInOrder(t, out, tt.want)
			if tt.wantNot != "" && strings.Contains(out, tt.wantNot) {
				t.Errorf("stdout has %q:\n%s", tt.wantNot, out)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestNetpolJSON(t *testing.T) {
	code, out, errOut := runWithStdin(t, "", "netpol", "-f", netpolManifests, "-o", "json", "--from", "shop/Deployment/web")
	if code != 0 {
		t.Fatalf("exit code %d; stderr: %s", code, errOut)
	}
	var got struct {
		Connections []struct {
			Src, Dst, Conns string
			Ports           map[string][][2]int32
		}
		Warnings, Errors []string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got.Connections) != 3 || got.Connections[0].Dst != "shop/StatefulSet/db" || got.Connections[0].Ports["TCP"][0] != [2]int32{5432, 5432} ||
		got.Connections[1].Conns != "TCP 443; UDP 53" || len(got.Connections[1].Ports["UDP"]) != 1 || got.Errors == nil {
		t.Errorf("unexpected answer:\n%s", out)
	}
	code, out, _ = runWithStdin(t, "", "netpol", "explain", "shop/Deployment/web", "shop/StatefulSet/db", "5432", "-f", netpolManifests, "-o", "json")
	var ex struct {
		Verdict string
		Ingress struct {
			Isolating []struct{ Policy, Where string }
			Allowing  []struct{ Policy, Rule, Where string }
		}
	}
	if err := json.Unmarshal([]byte(out), &ex); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if ex.Verdict != "allowed" || len(ex.Ingress.Isolating) != 2 || len(ex.Ingress.Allowing) != 1 || ex.Ingress.Allowing[0].Rule != "spec.ingress[0]" ||
		ex.Ingress.Allowing[0].Where != "testdata/netpol/shop.yaml:104:5" {
		t.Errorf("unexpected explanation:\n%s", out)
	}
}

func TestNetpolReadsTheRestPastAnUnreadableDocument(t *testing.T) {
	code, out, errOut := runWithStdin(t, "", "netpol", "-f", "testdata/netpol/broken")
	if code != 2 {
		t.Errorf("exit code %d, want 2 (an input error)", code)
	}
	if !strings.Contains(errOut, "testdata/netpol/broken/bad.yaml:7:") {
		t.Errorf("stderr does not locate the error by file and line: %s", errOut)
	}
	if !strings.Contains(out, "shop/Deployment/web => shop/StatefulSet/db : TCP 5432") {
		t.Errorf("the readable documents were not all read:\n%s", out)
	}
	code, out, _ = runWithStdin(t, "", "netpol", "explain", "ops/Pod/debug", "shop/Deployment/web", "8080", "-f", "testdata/netpol/broken")
	if code != 2 || !strings.HasPrefix(out, "allowed") {
		t.Errorf("explain past an unreadable document: exit %d, want 2:\n%s", code, out)
	}
}

// requireInOrder fails the test unless out holds every part of want, in that order.
func requireInOrder(t *testing.T, out string, want []string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("stdout lacks %q (in order):\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}
