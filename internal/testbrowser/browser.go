// Package testbrowser runs a headless Chromium for the tests of the pages Palisade writes
// (`palisade netpol -o html`): it opens a page and records what would show a broken page, its
// console errors, uncaught exceptions and every request for something other than the page
// itself, and it keeps screenshots as test artifacts.
//
// The browser is Debian's chromium package (/usr/bin/chromium, or $PALISADE_CHROMIUM), which
// hack/chromium.sh installs when `make test` finds it missing. Without it a test skips, naming
// the install command, unless CI=true, where it fails. The browser reaches no network: its
// background services are off and every host name resolves to nothing.
//
// It is imported by tests only.
package testbrowser

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"palisade.dev/palisade/internal/testprereq"
)

const installHint = "make test installs it (hack/chromium.sh: apt-get install -y --no-install-recommends chromium)"

// Path is the browser the tests run: $PALISADE_CHROMIUM, else Debian's /usr/bin/chromium.
func Path() string {
	if p := os.Getenv("PALISADE_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// Browser is one headless Chromium with one tab, and what its pages reported.
type Browser struct {
	// Ctx runs chromedp actions in the tab.
	Ctx context.Context

	mu       sync.Mutex
	problems []string
	pageURL  string
}

// Start starts the browser for the test and stops it when the test ends. It skips the test
// (fails it under CI=true) when the browser is not installed.
func Start(t *testing.T) *Browser {
	t.Helper()
	path := Path()
	if info, err := os.Stat(path); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		unavailable(t, fmt.Errorf("no Chromium at %s", path))
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
		chromedp.DisableGPU,
		// No network: no component updates, no DNS (every name resolves to nothing).
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to run its sandbox as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &Browser{Ctx: ctx}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return b
}

// record keeps what shows a broken page: console errors and warnings, uncaught exceptions,
// log entries of level error (a refused load, a policy violation), and requests for anything
// but the page.
func (b *Browser) record(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, strings.TrimSpace(string(a.Value)+" "+a.Description))
			}
			problem = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		problem = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			problem += " " + ev.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
			problem = fmt.Sprintf("log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		b.mu.Lock()
		page := b.pageURL
		b.mu.Unlock()
		if u := ev.Request.URL; u != page && !strings.HasPrefix(u, "data:") {
			problem = "request: " + u
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

// Open loads the file at path in the tab and waits until the element sel is visible.
func (b *Browser) Open(path, sel string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	u := "file://" + filepath.ToSlash(abs)
	b.mu.Lock()
	b.pageURL = u
	b.mu.Unlock()
	return chromedp.Do(b.Ctx, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Problems returns what the pages reported so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Screenshot writes a PNG of the tab to the artifact folder under name and logs its path.
func (b *Browser) Screenshot(t *testing.T, name string) string {
	t.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := ArtifactDir(t)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatalf("writing the screenshot: %v", err)
	}
	t.Logf("screenshot: %s", p)
	return p
}

// ArtifactDir is where tests keep what a reader may want to look at after them:
// $PALISADE_TEST_ARTIFACTS, else palisade-test-artifacts in the temporary directory.
func ArtifactDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("PALISADE_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "palisade-test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		t.Fatalf("the artifact folder: %v", err)
	}
	return dir
}

// unavailable ends a test that needs the browser when there is none.
func unavailable(tb testing.TB, err error) {
	tb.Helper()
	testprereq.Missing(tb, "headless Chromium", fmt.Errorf("%w; %s", err, installHint))
}
