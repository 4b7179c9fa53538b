package cli

import (
	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/source/manifest"
)

// expanderFlags configure how folders that are not plain manifests are rendered.
type expanderFlags struct{}

func (e *expanderFlags) register(cmd *cobra.Command) {}

func (e *expanderFlags) expanders(namespace string) ([]manifest.Expander, error) { return nil, nil }
