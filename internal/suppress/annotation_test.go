package suppress_test

import (
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/suppress"
)

func TestParseIgnore(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		rules   []string
		reason  string
		wantErr string
	}{
		{name: "one rule and a reason", value: "pod/host-network CNI needs the host network",
			rules: []string{"pod/host-network"}, reason: "CNI needs the host network"},
		{name: "several rules", value: "pod/host-network,pod/privileged node agent",
			rules: []string{"pod/host-network", "pod/privileged"}, reason: "node agent"},
		{name: "spaces around commas", value: "pod/host-network , pod/privileged,  pod/cpu-limit node agent",
			rules: []string{"pod/host-network", "pod/privileged", "pod/cpu-limit"}, reason: "node agent"},
		{name: "area pattern", value: "pod/* legacy batch job, replaced in Q3",
			rules: []string{"pod/*"}, reason: "legacy batch job, replaced in Q3"},
		{name: "surrounding and inner whitespace collapsed", value: "\n  pod/privileged \t needs\n  raw devices \n",
			rules: []string{"pod/privileged"}, reason: "needs raw devices"},
		{name: "unknown IDs pass the syntax check", value: "pod/privilegd typo",
			rules: []string{"pod/privilegd"}, reason: "typo"},
		{name: "missing reason", value: "pod/privileged", wantErr: "no reason"},
		{name: "missing reason after several rules", value: "pod/privileged, pod/host-network  ", wantErr: "no reason"},
		{name: "empty value", value: "   ", wantErr: "names no rule"},
		{name: "reason only", value: "because we must", wantErr: `"because" is not a rule ID`},
		{name: "trailing comma swallows the reason's first word", value: "pod/privileged, because we must", wantErr: `"because" is not a rule ID`},
		{name: "empty item in the list", value: "pod/privileged,,pod/host-network why", wantErr: "empty rule ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := suppress.ParseIgnore(tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseIgnore(%q) error = %v, want one containing %q", tt.value, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIgnore(%q): %v", tt.value, err)
			}
			if !slices.Equal(got.Rules, tt.rules) || got.Reason != tt.reason {
				t.Errorf("ParseIgnore(%q) = %q, %q; want %q, %q", tt.value, got.Rules, got.Reason, tt.rules, tt.reason)
			}
		})
	}
}
