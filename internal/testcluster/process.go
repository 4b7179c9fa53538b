package testcluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// process is one program of the cluster, in a process group of its own, its standard output
// and error in a log file.
type process struct {
	name string
	log  string // path of the log file
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // the exit error; read only after done is closed
}

// startProcess starts bin with args, writing its output to dir/name.log. Its environment is
// the test process's, less any ETCD_* variable (which would configure etcd behind the
// cluster's back), plus env.
func startProcess(dir, name, bin string, args, env []string) (*process, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(environWithout("ETCD_"), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s (%s): %w", name, bin, err)
	}
	p := &process{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// environWithout is the test process's environment less the variables whose names start
// with prefix.
func environWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the process's whole group and waits for the process to be reaped.
func (p *process) kill() {
	if !p.exited() {
		// The negative pid names the process group that Setpgid made.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-p.done
}

// failure describes why the process is not serving: its exit status when it has ended, and
// the tail of its log either way, so that the error says what went wrong after Dir is gone.
func (p *process) failure(what string) error {
	state := "is still running"
	if p.exited() {
		state = fmt.Sprintf("exited (%v)", p.err)
	}
	logTail := "(no log)"
	if data, err := os.ReadFile(p.log); err == nil {
		logTail = tail(string(data), 30)
	}
	return fmt.Errorf("%s: %s %s; last lines of its log:\n%s", what, p.name, state, logTail)
}

// freePort is a loopback TCP port nobody listens on right now. Another process could take it
// before the cluster binds it; Start retries once for that.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	return strconv.Atoi(port)
}
