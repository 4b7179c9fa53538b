package report

import "io"

func writeSARIF(w io.Writer, in *Input) error { return writeJSON(w, in) }
