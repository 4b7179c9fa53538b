package rules

import (
	"testing"

	"palisade.dev/palisade/internal/inventory"
)

// TestEndpointGuards pins what each guard lets through to the rule and the reason it gives
// for an endpoint it keeps from the rule.
func TestEndpointGuards(t *testing.T) {
	judged := func(*EndpointContext) []Violation { return []Violation{{Message: "judged"}} }
	judgedTLS := func(*EndpointContext, *inventory.TLSFacts) []Violation { return []Violation{{Message: "judged"}} }
	guards := map[string]func(*EndpointContext) []Violation{
		"Answering": Answering(judged), "AnsweredHTTP": AnsweredHTTP(judged), "HandshakeDone": HandshakeDone(judgedTLS),
	}
	const at = "10.0.0.1:10250"
	for _, tt := range []struct {
		name     string
		guard    string
		endpoint inventory.Endpoint
		want     string // the not-applicable reason, or "" when the rule judged the endpoint
	}{
		{"Answering keeps out an endpoint nothing answered", "Answering",
			inventory.Endpoint{Address: at, Error: "connection refused"}, "Nothing answered at " + at + " (connection refused)."},
		{"Answering keeps out an endpoint that spoke neither TLS nor HTTP", "Answering",
			inventory.Endpoint{Address: at, Reachable: true, Error: "EOF"}, at + " answers, but neither in TLS nor in HTTP: EOF"},
		{"Answering lets an endpoint speaking HTTP through", "Answering",
			inventory.Endpoint{Address: at, Reachable: true, Protocol: "http"}, ""},
		{"AnsweredHTTP keeps out an endpoint nothing answered", "AnsweredHTTP",
			inventory.Endpoint{Address: at}, "Nothing answered at " + at + "."},
		{"AnsweredHTTP keeps out an endpoint asked nothing", "AnsweredHTTP",
			inventory.Endpoint{Address: at, Reachable: true}, "The endpoint at " + at + " was not asked anything."},
		{"AnsweredHTTP keeps out an endpoint whose requests all failed, saying why the first did", "AnsweredHTTP",
			inventory.Endpoint{Address: at, Reachable: true, Answers: []inventory.Answer{{Error: "timed out"}, {Error: "reset"}}},
			"No HTTP answer from " + at + " (timed out)."},
		{"AnsweredHTTP keeps out an endpoint whose requests failed for no told reason", "AnsweredHTTP",
			inventory.Endpoint{Address: at, Reachable: true, Answers: []inventory.Answer{{}}}, "No HTTP answer from " + at + "."},
		{"AnsweredHTTP lets an endpoint with one HTTP answer through", "AnsweredHTTP",
			inventory.Endpoint{Address: at, Reachable: true, Answers: []inventory.Answer{{Error: "timed out"}, {Status: 401}}}, ""},
		{"HandshakeDone lets an endpoint with TLS facts through", "HandshakeDone",
			inventory.Endpoint{Address: at, Reachable: true, Protocol: "https", TLS: &inventory.TLSFacts{}}, ""},
		{"HandshakeDone keeps out an endpoint nothing answered", "HandshakeDone",
			inventory.Endpoint{Address: at, Error: "no route to host"}, "Nothing answered at " + at + " (no route to host)."},
		{"HandshakeDone keeps out an endpoint speaking plain HTTP", "HandshakeDone",
			inventory.Endpoint{Address: at, Reachable: true, Protocol: "http"}, "The endpoint at " + at + " speaks http, not TLS."},
		{"HandshakeDone keeps out an endpoint that completed no handshake", "HandshakeDone",
			inventory.Endpoint{Address: at, Reachable: true}, "The endpoint at " + at + " completed no TLS handshake."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			verdict := &nodeVerdict{}
			got := guards[tt.guard](&EndpointContext{Endpoint: &tt.endpoint, verdict: verdict})
			switch {
			case tt.want == "" && (len(got) != 1 || verdict.notApplicable != ""):
				t.Errorf("the rule did not judge the endpoint: %d violations, not applicable %q", len(got), verdict.notApplicable)
			case tt.want != "" && (got != nil || verdict.notApplicable != tt.want):
				t.Errorf("not applicable %q with %d violations; want %q and none", verdict.notApplicable, len(got), tt.want)
			}
		})
	}
}
