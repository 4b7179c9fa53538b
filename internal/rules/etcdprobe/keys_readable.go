package etcdprobe

// etcd/probe-keys-readable: a caller without credentials reads etcd's keys, proven by a
// count-only range of every key under the API server's prefix through etcd's v3 gRPC gateway
// (POST /v3/kv/range with count_only: no key and no value is fetched). etcd v2's /v2/keys is
// gone from etcd v3.4 and later; the v3 API is what an attacker uses.
//
// Restricted fields:
//   the answer of etcd's client port (2379) and peer port (2380) to POST /v3/kv/range without
//   credentials
//
// Allowed values:
//   a TLS handshake without a client certificate refused, or the range refused by etcd (its
//   own authentication, or no gateway on the port) (pass). A count answered is critical,
//   whatever the count: the same request without count_only returns every object of the
//   cluster, Secrets included. No answer, or an answer that is not etcd's, is not applicable.
//
// References: CIS Kubernetes Benchmark v1.10.0 2.1, 2.2; https://etcd.io/docs/v3.5/op-guide/security/;
// https://etcd.io/docs/v3.5/dev-guide/api_grpc_gateway/

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func keysReadableRule() rules.Rule {
	return rules.Rule{
		ID:       "etcd/probe-keys-readable",
		Title:    "etcd lets a caller without credentials read its keys (probed)",
		Severity: finding.Critical,
		Area:     rules.AreaEtcd,
		Scope:    rules.ScopeEndpoint,
		Description: "Palisade asks etcd's v3 gRPC gateway, without credentials, to count the keys under the API " +
			"server's prefix (POST /v3/kv/range with count_only: no key and no value is fetched). A count in answer " +
			"means the same request without count_only returns every object of the cluster, Secrets and service " +
			"account tokens included, and a put or delete request would change them: the whole cluster to whoever " +
			"reaches the port.",
		Fields:             []string{"POST /v3/kv/range (count only) without credentials"},
		Allowed:            []string{"refused: a client certificate required, or etcd's authentication"},
		References:         []rules.Reference{cisClientCertAuth, cisCertFile, docsTransportSecurity, docsGateway},
		EndpointComponents: bothPorts,
		Remedy: "Require client certificates on etcd's client port (--client-cert-auth=true, --trusted-ca-file, " +
			"https:// client URLs) and give only the API server a certificate that CA signed; keep etcd's ports " +
			"unreachable from anything but the control plane.",
		Endpoint: rules.Answering(checkKeysReadable),
	}
}

func checkKeysReadable(ctx *rules.EndpointContext) []rules.Violation {
	ep := ctx.Endpoint
	if certRequired(ep) {
		ctx.Pass(fmt.Sprintf("%s refuses a TLS handshake without a client certificate: no request without credentials reaches etcd", ep.Address))
		return nil
	}
	a := rangeAnswer(ep, inventory.AnswerKeysCounted, inventory.AnswerKeysRefused, inventory.AnswerKeysUnproven)
	if a == nil {
		ctx.NotApplicable(fmt.Sprintf("no count-only range was asked of %s", ep.Address))
		return nil
	}
	evidence := fmt.Sprintf("POST %s (count only, no value fetched) without credentials: HTTP %d, %s", rangePath, a.Status, a.Summary)
	switch {
	case a.Kind == inventory.AnswerKeysRefused:
		ctx.Pass(evidence)
		return nil
	case a.Status != 200 || a.Kind != inventory.AnswerKeysCounted:
		ctx.NotApplicable(fmt.Sprintf("%s did not answer the count-only range as etcd: %s", ep.Address, unproven(a)))
		return nil
	}
	return []rules.Violation{{
		Path: ep.Address,
		Message: fmt.Sprintf("%s lets a caller without credentials read its keys: it counted them (%s); the same request "+
			"without count_only returns every object of the cluster, Secrets included", port(ep), a.Summary),
		Evidence: evidence,
	}}
}
