package webhook

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/rules/builtin"
)

func TestNewPolicyFromConfiguration(t *testing.T) {
	const head = "apiVersion: palisade.dev/v1alpha1\nkind: WebhookConfiguration\n"
	tests := []struct {
		name           string
		config         string
		wantDefaults   Defaults
		wantFailClosed bool
		wantErr        string
	}{
		{name: "no secure defaults unless the configuration names them, and Fail by default", config: "", wantFailClosed: true},
		{name: "the secure defaults named are turned on", config: "secureDefaults: [seccompRuntimeDefault, runAsNonRoot]\n",
			wantDefaults: Defaults{SeccompRuntimeDefault: true, RunAsNonRoot: true}, wantFailClosed: true},
		{name: "failure policy Ignore admits what could not be judged", config: "failurePolicy: Ignore\n"},
		{name: "an unknown secure default is an error at its line", config: "secureDefaults:\n  - allowEverything\n", wantErr: "webhook.yaml:4:5: secureDefaults[0] must be one of"},
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := admission.ParseConfig([]byte(head+tt.config), "webhook.yaml")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "allowEverything") {
					t.Fatalf("error %v, want %q without the value", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewPolicy(catalog, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Defaults != tt.wantDefaults || p.FailClosed != tt.wantFailClosed {
				t.Errorf("defaults %+v, fail closed %v; want %+v, %v", p.Defaults, p.FailClosed, tt.wantDefaults, tt.wantFailClosed)
			}
		})
	}
}
