package report

import "io"

func writeJUnit(w io.Writer, in *Input) error { return writeJSON(w, in) }
