package rules

// The guards of endpoint rules: the preambles that decide, the same way and with the same
// reason for every rule, that an endpoint gave nothing the rule could judge. A rule wraps its
// evaluation in the guard of what it judges (answers, HTTP answers, a TLS handshake), as pod
// rules wrap theirs in linuxOnly, and its evaluation never sees such an endpoint.

import (
	"fmt"

	"palisade.dev/palisade/internal/inventory"
)

// Unreachable says, the same way for every endpoint rule, that nothing answered at an
// endpoint and why, for its not-applicable verdict.
func Unreachable(ep *inventory.Endpoint) string {
	if ep.Error != "" {
		return "Nothing answered at " + ep.Address + " (" + ep.Error + ")."
	}
	return "Nothing answered at " + ep.Address + "."
}

// Answering guards an endpoint rule that judges what an endpoint answered: an endpoint
// nothing answered, or one that answered in neither TLS nor HTTP, is not applicable, with the
// same reason for every rule, and eval never sees it.
func Answering(eval func(*EndpointContext) []Violation) func(*EndpointContext) []Violation {
	return func(ctx *EndpointContext) []Violation {
		ep := ctx.Endpoint
		switch {
		case !ep.Reachable:
			ctx.NotApplicable(Unreachable(ep))
		case ep.Protocol == "":
			ctx.NotApplicable(fmt.Sprintf("%s answers, but neither in TLS nor in HTTP: %s", ep.Address, ep.Error))
		default:
			return eval(ctx)
		}
		return nil
	}
}

// AnsweredHTTP guards an endpoint rule that judges HTTP answers: an endpoint nothing answered,
// or none of whose requests got an HTTP answer, is not applicable (NoHTTPAnswer says why),
// and eval never sees it.
func AnsweredHTTP(eval func(*EndpointContext) []Violation) func(*EndpointContext) []Violation {
	return func(ctx *EndpointContext) []Violation {
		if why := NoHTTPAnswer(ctx.Endpoint); why != "" {
			ctx.NotApplicable(why)
			return nil
		}
		return eval(ctx)
	}
}

// NoHTTPAnswer says why no request to an endpoint got an HTTP answer (nothing answered, it
// was asked nothing, or every request failed), or "" when one did.
func NoHTTPAnswer(ep *inventory.Endpoint) string {
	if !ep.Reachable {
		return Unreachable(ep)
	}
	for _, a := range ep.Answers {
		if a.Status != 0 {
			return ""
		}
	}
	if len(ep.Answers) == 0 {
		return "The endpoint at " + ep.Address + " was not asked anything."
	}
	if err := ep.Answers[0].Error; err != "" {
		return "No HTTP answer from " + ep.Address + " (" + err + ")."
	}
	return "No HTTP answer from " + ep.Address + "."
}

// HandshakeDone guards an endpoint rule that judges a TLS handshake: eval sees what the
// handshakes showed; an endpoint nothing answered, one that speaks plain HTTP, or one that
// completed no handshake is not applicable, and eval never sees it.
func HandshakeDone(eval func(*EndpointContext, *inventory.TLSFacts) []Violation) func(*EndpointContext) []Violation {
	return func(ctx *EndpointContext) []Violation {
		ep := ctx.Endpoint
		switch {
		case ep.TLS != nil:
			return eval(ctx, ep.TLS)
		case !ep.Reachable:
			ctx.NotApplicable(Unreachable(ep))
		case ep.Protocol != "":
			ctx.NotApplicable("The endpoint at " + ep.Address + " speaks " + ep.Protocol + ", not TLS.")
		default:
			ctx.NotApplicable("The endpoint at " + ep.Address + " completed no TLS handshake.")
		}
		return nil
	}
}
