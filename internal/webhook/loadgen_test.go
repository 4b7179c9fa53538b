package webhook

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// LoadGeneratorEnv carries a loadGenerator, as JSON, to the process that runs it: the test
// binary itself, which TestMain turns into the generator when the variable is set.
const LoadGeneratorEnv = "PALISADE_LOAD_GENERATOR"

// loadGenerator sends one review at a fixed rate over HTTPS, the way the API server's webhook
// client does, from a process of its own, so that its garbage, its collections and its
// scheduling are not the server's, as in a cluster.
type loadGenerator struct {
	URL        string
	CAFile     string
	ReviewFile string
	Rate       int
	Duration   time.Duration
	// Out is the file the generator writes its loadResult to.
	Out string
}

// loadResult is what a generator measured: each review's latency, counted from the time it
// was due (an open loop: a review is sent at its scheduled time whether or not earlier ones
// were answered, so a stall is not hidden), the failures, and its own CPU time.
type loadResult struct {
	Latencies  []time.Duration
	Errors     int64
	FirstError string
	Elapsed    time.Duration
	CPU        time.Duration `json:"-"`
}

// generatorWorkers are the generator's concurrent senders.
const generatorWorkers = 128

// client is the API server's webhook client (k8s.io/apiserver pkg/util/webhook, over
// client-go's transport): HTTP/1.1 only, which it forces for webhooks so that concurrent
// reviews spread over a Service's endpoints (kubernetes/kubernetes#75791), keep-alive
// connections of which 25 are kept idle, and no TLS session cache, so that every new
// connection is a full handshake. send posts the review once.
func (g loadGenerator) client() (*http.Client, func() error, error) {
	ca, err := os.ReadFile(g.CAFile)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the load generator's CA: %w", err)
	}
	review, err := os.ReadFile(g.ReviewFile)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the load generator's review: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca) {
		return nil, nil, fmt.Errorf("the load generator's CA file (%d bytes) has no certificate", len(ca))
	}
	client := &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}},
			MaxIdleConnsPerHost: 25,
		},
		Timeout: 10 * time.Second,
	}
	send := func() error {
		resp, err := client.Post(g.URL, "application/json", bytes.NewReader(review))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		if resp.ProtoMajor != 1 {
			return fmt.Errorf("answered over %s, want HTTP/1.1 as the API server asks", resp.Proto)
		}
		return nil
	}
	return client, send, nil
}

// run starts the generator in a process of its own (this test binary, through TestMain),
// waits for it, and returns what it measured with its CPU time.
func (g loadGenerator) run() (loadResult, error) {
	spec, err := json.Marshal(g)
	if err != nil {
		return loadResult{}, err
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), LoadGeneratorEnv+"="+string(spec))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("running the load generator: %w (%d bytes of output: %q)", err, stderr.Len(), lastLine(stderr.Bytes()))
	}
	var res loadResult
	out, err := os.ReadFile(g.Out)
	if err == nil {
		err = json.Unmarshal(out, &res)
	}
	if err != nil {
		return loadResult{}, fmt.Errorf("reading the load generator's result: %w", err)
	}
	if len(res.Latencies) == 0 {
		return loadResult{}, errors.New("the load generator sent no review")
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return res, nil
}

func lastLine(b []byte) string {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return string(b)
}

// GenerateLoad is the generator process (TestMain runs it, in the package webhook_test): it reads its loadGenerator from the environment,
// sends the load and writes its loadResult. It returns the process's exit code.
func GenerateLoad(spec string) int {
	var g loadGenerator
	if err := json.Unmarshal([]byte(spec), &g); err != nil {
		fmt.Fprintf(os.Stderr, "load generator: reading %s: %v\n", LoadGeneratorEnv, err)
		return 2
	}
	client, send, err := g.client()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load generator:", err)
		return 2
	}
	// Its 25 idle connections open and warm before the clock starts, as a running API
	// server's are.
	var warm sync.WaitGroup
	var warmErr atomic.Value
	for range 25 {
		warm.Go(func() {
			for range 20 {
				if err := send(); err != nil {
					warmErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	warm.Wait()
	if e, ok := warmErr.Load().(string); ok {
		fmt.Fprintln(os.Stderr, "load generator: warming up:", e)
		return 1
	}
	total := int(float64(g.Rate) * g.Duration.Seconds())
	res := loadResult{Latencies: make([]time.Duration, total)}
	var errs atomic.Int64
	var firstErr atomic.Value
	due := make(chan int, total)
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / time.Duration(g.Rate)
	for range generatorWorkers {
		wg.Go(func() {
			for i := range due {
				at := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(at))
				if err := send(); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				res.Latencies[i] = time.Since(at)
			}
		})
	}
	for i := range total {
		due <- i
	}
	close(due)
	wg.Wait()
	res.Elapsed = time.Since(start)
	client.CloseIdleConnections()
	res.Errors = errs.Load()
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	out, err := json.Marshal(res)
	if err == nil {
		err = os.WriteFile(g.Out, out, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load generator: writing the result:", err)
		return 1
	}
	return 0
}
