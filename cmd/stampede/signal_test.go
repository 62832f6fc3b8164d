package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the stampede command once for the real-process tests.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stampede-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "stampede")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// waitFor polls buf until it contains s.
func waitFor(t *testing.T, buf *syncBuffer, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(buf.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("%q did not appear within %s:\n%s", s, timeout, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startBinary(t *testing.T, script string, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "script.js")
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	cmd := exec.Command(bin, append(append([]string{"run", "--no-color"}, args...), p)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "STAMPEDE_SIGNAL_TEST=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, &stdout, &stderr
}

func waitExit(t *testing.T, cmd *exec.Cmd, timeout time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("the process did not exit within %s", timeout)
		return -1
	}
}

// A real process: the first SIGINT stops the run gracefully (iterations
// finish, teardown, summary), exit 105.
func TestSIGINTGracefulStop(t *testing.T) {
	t.Parallel()
	cmd, stdout, stderr := startBinary(t, `import { sleep } from 'k6';
export const options = { vus: 2, duration: '1m' };
export default function () { sleep(0.3); }
export function teardown() { console.log('teardown ran'); }`, "-o", "json=points.json")
	waitFor(t, stdout, "running (", 30*time.Second)
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 15*time.Second)
	if code != 105 {
		t.Fatalf("exit code %d, want 105\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("graceful stop took %s", d)
	}
	for _, want := range []string{"teardown ran", "Stopping the test run in response to signal interrupt"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout.String(), "TOTAL RESULTS") {
		t.Errorf("no summary:\n%s", stdout)
	}
	pts, err := os.ReadFile(filepath.Join(filepath.Dir(cmd.Args[len(cmd.Args)-1]), "points.json"))
	if err != nil || !bytes.Contains(pts, []byte(`"metric":"iterations"`)) {
		t.Errorf("json output not written: %v", err)
	}
}

// SIGTERM behaves like SIGINT; a second signal exits at once (here while
// teardown loops forever).
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	cmd, stdout, stderr := startBinary(t, `import { sleep } from 'k6';
export const options = { vus: 1, duration: '1m' };
export default function () { sleep(0.1); }
export function teardown() { console.log('teardown loops'); for (;;) {} }`)
	waitFor(t, stdout, "running (", 30*time.Second)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, stderr, "teardown loops", 10*time.Second)
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	code := waitExit(t, cmd, 5*time.Second)
	if code != 105 {
		t.Fatalf("exit code %d, want 105\nstderr:\n%s", code, stderr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second signal took %s to exit", d)
	}
	if !strings.Contains(stderr.String(), "second signal") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
