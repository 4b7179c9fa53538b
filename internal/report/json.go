package report

import (
	"encoding/json"
	"io"
)

func writeJSON(w io.Writer, in *Input) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"findings": in.Findings, "errors": in.Errors})
}
