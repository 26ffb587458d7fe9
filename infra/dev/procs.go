package dev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Process is an emulator the local stack runs as a child process
// (DynamoDB Local, moto_server, later the Shopify emulator).
type Process struct {
	Name     string
	Endpoint string // http://127.0.0.1:PORT

	cmd  *exec.Cmd
	done chan struct{}
	err  error
	out  *tail
	log  io.Closer
}

// DynamoDBLocalOptions configure DynamoDB Local.
type DynamoDBLocalOptions struct {
	// Dir holds DynamoDBLocal.jar and DynamoDBLocal_lib/ (.tools/dynamodb-local).
	Dir  string
	Port int
	// DBPath persists the data (-sharedDb -dbPath); "" keeps it in memory.
	DBPath string
	// LogFile receives the process output; "" keeps only its tail in memory.
	LogFile string
}

// StartDynamoDBLocal starts DynamoDB Local and waits until it answers.
func StartDynamoDBLocal(ctx context.Context, o DynamoDBLocalOptions) (*Process, error) {
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	o.Dir = dir
	if o.DBPath != "" {
		if o.DBPath, err = filepath.Abs(o.DBPath); err != nil {
			return nil, err
		}
	}
	jar := filepath.Join(o.Dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("DynamoDB Local is not installed at %s (run infra/scripts/install-dynamodb-local.sh): %w", o.Dir, err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return nil, errors.New("java is not installed (run infra/scripts/install-dynamodb-local.sh)")
	}
	args := []string{"-Djava.library.path=" + filepath.Join(o.Dir, "DynamoDBLocal_lib"), "-jar", jar}
	if o.DBPath != "" {
		if err := os.MkdirAll(o.DBPath, 0o755); err != nil {
			return nil, fmt.Errorf("dynamodb data dir: %w", err)
		}
		args = append(args, "-sharedDb", "-dbPath", o.DBPath)
	} else {
		args = append(args, "-inMemory")
	}
	args = append(args, "-port", strconv.Itoa(o.Port), "-disableTelemetry")
	return startProcess(ctx, "DynamoDB Local", o.Port, o.LogFile, o.Dir, "java", args...)
}

// MotoOptions configure moto_server.
type MotoOptions struct {
	Port    int
	LogFile string
}

// StartMoto starts moto_server (SQS, S3, KMS... in memory) and waits until it
// answers.
func StartMoto(ctx context.Context, o MotoOptions) (*Process, error) {
	if _, err := exec.LookPath("moto_server"); err != nil {
		return nil, errors.New("moto_server is not installed (run infra/scripts/install-dynamodb-local.sh)")
	}
	return startProcess(ctx, "moto_server", o.Port, o.LogFile, "", "moto_server", "-H", "127.0.0.1", "-p", strconv.Itoa(o.Port))
}

func startProcess(ctx context.Context, name string, port int, logFile, dir, bin string, args ...string) (*Process, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("%s: port %d is already in use (another make dev? set the port variable to change it)", name, port)
	}
	p := &Process{Name: name, Endpoint: "http://" + addr, done: make(chan struct{}), out: &tail{max: 16 << 10}}
	var w io.Writer = p.out
	if logFile != "" {
		if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
			return nil, fmt.Errorf("%s log: %w", name, err)
		}
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%s log: %w", name, err)
		}
		p.log = f
		w = io.MultiWriter(f, p.out)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = w, w
	// Its own process group: Ctrl-C in the terminal reaches only us, and we
	// stop the emulators in order; Pdeathsig stops them if we are killed.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		if p.log != nil {
			p.log.Close()
		}
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	if err := p.waitReady(ctx, 60*time.Second); err != nil {
		_ = p.Stop(context.WithoutCancel(ctx))
		return nil, err
	}
	return p, nil
}

// waitReady waits until the process answers HTTP on its port.
func (p *Process) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited during start-up (%v); its output:\n%s", p.Name, p.err, p.out.String())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get(p.Endpoint + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer on %s within %s; its output:\n%s", p.Name, p.Endpoint, limit, p.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop sends SIGTERM to the process group, waits for it to exit (until ctx
// is done or 10 s), then kills it.
func (p *Process) Stop(ctx context.Context) error {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	defer func() {
		if p.log != nil {
			p.log.Close()
			p.log = nil
		}
	}()
	select {
	case <-p.done:
		return nil
	default:
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case <-p.done:
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
	return fmt.Errorf("%s did not stop on SIGTERM; killed", p.Name)
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = bytes.Clone(t.buf[len(t.buf)-t.max:])
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
