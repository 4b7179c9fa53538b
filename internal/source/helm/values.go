package helm

import (
	"fmt"

	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"
)

// Values are the user's values for a chart, given as `helm template` takes them. They are
// merged in helm's order: values files left to right (a later file wins, maps merge deeply),
// then --set, then --set-string, then --set-file. The --set family is parsed by helm's own
// strvals parser, so `a.b[0].c=x`, `a=1\,2` and `a={x,y}` mean what they mean to helm.
// Unlike helm, values files and --set-file files are read from the local disk only, never
// from a URL: a scan does not reach the network.
type Values struct {
	Files     []string // --values
	Set       []string // --set
	Strings   []string // --set-string
	FromFiles []string // --set-file
}

// Merge reads and merges the values; each call returns a fresh map, since rendering a chart
// writes into the values it is given.
func (v Values) Merge() (map[string]any, error) {
	base := map[string]any{}
	for _, file := range v.Files {
		data, err := readLocalFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading values file %s: %w", file, err)
		}
		current := map[string]any{}
		if err := yaml.Unmarshal(data, &current); err != nil {
			return nil, fmt.Errorf("parsing values file %s: %w", file, err)
		}
		base = mergeValues(base, current)
	}
	for _, s := range v.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, fmt.Errorf("parsing --set %s: %w", s, err)
		}
	}
	for _, s := range v.Strings {
		if err := strvals.ParseIntoString(s, base); err != nil {
			return nil, fmt.Errorf("parsing --set-string %s: %w", s, err)
		}
	}
	for _, s := range v.FromFiles {
		read := func(rs []rune) (any, error) {
			data, err := readLocalFile(string(rs))
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", string(rs), err)
			}
			return string(data), nil
		}
		if err := strvals.ParseIntoFile(s, base, read); err != nil {
			return nil, fmt.Errorf("parsing --set-file %s: %w", s, err)
		}
	}
	return base, nil
}

// mergeValues merges b into a as helm merges values files: maps merge key by key, anything
// else in b replaces what a has.
func mergeValues(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
