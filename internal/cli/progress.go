package cli

import (
	"fmt"
	"io"
	"time"
)

// progressEvery is how often a progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// showProgress shows line on stderr, redrawn in place, while stderr is a terminal, and returns
// the function that clears it. Elsewhere it shows nothing, so logs and CI output stay clean.
func showProgress(stderr io.Writer, line func() string) (stop func()) {
	if !isTerminal(stderr) {
		return func() {}
	}
	return drawProgress(stderr, progressEvery, line)
}

// drawProgress redraws line on w every interval until the returned function is called, which
// clears the line and returns once nothing more will be written.
func drawProgress(w io.Writer, every time.Duration, line func() string) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprint(w, "\r\033[K"+line())
			}
		}
	}()
	return func() { close(done); <-finished }
}
