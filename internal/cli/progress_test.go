package cli

import (
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/testio"
)

func TestProgress(t *testing.T) {
	t.Run("a line is redrawn in place until stop clears it", func(t *testing.T) {
		var w testio.Buffer
		stop := drawProgress(&w, time.Millisecond, func() string { return "scanning: 7 objects" })
		deadline := time.Now().Add(5 * time.Second)
		for strings.Count(w.String(), "scanning: 7 objects") < 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		stop()
		out := w.String()
		if got := strings.Count(out, "\r\033[Kscanning: 7 objects"); got < 2 {
			t.Fatalf("the line was drawn %d times, want it redrawn in place: %q", got, out)
		}
		if !strings.HasSuffix(out, "\r\033[K") {
			t.Fatalf("stop left the line on the terminal: %q", out)
		}
		after := len(out)
		time.Sleep(10 * time.Millisecond)
		if len(w.String()) != after {
			t.Fatal("the line was drawn again after stop returned")
		}
	})
	t.Run("nothing is shown where stderr is not a terminal", func(t *testing.T) {
		var w testio.Buffer
		stop := showProgress(&w, func() string { return "reading" })
		time.Sleep(2 * progressEvery)
		stop()
		if w.String() != "" {
			t.Fatalf("progress written to a non-terminal: %q", w.String())
		}
	})
}
