package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// control runs a client command of the binary against addr and returns
// its output.
func control(t *testing.T, addr string, args ...string) string {
	t.Helper()
	out, err := exec.Command(binary(t), append(args, "--address", addr)...).CombinedOutput()
	if err != nil {
		t.Fatalf("stampede %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitStatus polls `stampede status` until its output has every line of want.
func waitStatus(t *testing.T, addr string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command(binary(t), "status", "--address", addr).CombinedOutput()
		ok := err == nil
		for _, w := range want {
			ok = ok && strings.Contains("\n"+string(out), "\n"+w+"\n")
		}
		if ok {
			return string(out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed %q; last:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A real run driven from outside as k6 users do: started paused with the
// REST API on, resumed, scaled and stopped through it, then lingering
// until Ctrl+C, which keeps the run's exit code.
func TestRunControlledThroughTheRESTAPI(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	cmd, stdout, stderr := startBinary(t, `import { sleep } from 'k6';
export const options = {
  scenarios: { ext: { executor: 'externally-controlled', vus: 1, maxVUs: 2, duration: 0 } },
};
export function setup() { console.log('setup ran'); return { n: 1 }; }
export default function () { sleep(0.05); }`, "--address", addr, "--paused", "--linger")

	waitStatus(t, addr, "status: 4", "paused: true", "running: false", "vus-max: 2")
	if strings.Contains(stderr.String(), "setup ran") {
		t.Fatal("setup ran before the resume")
	}
	control(t, addr, "resume")
	waitStatus(t, addr, "status: 7", "paused: false", "running: true", "vus: 1")
	if out := control(t, addr, "scale", "--vus", "3", "--max", "3"); !strings.Contains(out, "vus-max: 3") {
		t.Errorf("scale answered:\n%s", out)
	}
	waitStatus(t, addr, "vus: 3", "vus-max: 3")
	control(t, addr, "pause")
	waitStatus(t, addr, "paused: true", "vus: 0")
	out, err := exec.Command(binary(t), "scale", "--max", "1", "--address", addr).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "decreasing the max VUs (now 3) is not supported") {
		t.Errorf("decreasing vus-max: %v\n%s", err, out)
	}
	control(t, addr, "resume")
	waitStatus(t, addr, "vus: 3")

	req, _ := http.NewRequest(http.MethodPatch, "http://"+addr+"/v1/status",
		strings.NewReader(`{"data":{"type":"status","id":"default","attributes":{"stopped":true}}}`))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH stopped: %s", res.Status)
	}
	waitFor(t, stdout, "TOTAL RESULTS", 30*time.Second)
	waitFor(t, stderr, "Linger set", 10*time.Second)
	waitStatus(t, addr, "status: 10", "stopped: true", "running: false")
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 15*time.Second); code != 105 {
		t.Fatalf("exit code %d, want 105 (stopped from the REST API)\nstderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "setup ran") {
		t.Errorf("setup did not run:\n%s", stderr)
	}
}

// A paused start with the REST API off could never be resumed: refused
// before anything runs.
func TestPausedNeedsTheRESTAPI(t *testing.T) {
	t.Parallel()
	cmd, _, stderr := startBinary(t, `export default function () {}`, "--paused")
	if code := waitExit(t, cmd, 30*time.Second); code != 104 {
		t.Fatalf("exit code %d, want 104\n%s", code, stderr)
	}
	if want := `option \"paused\": invalid value true: a paused test is resumed through the REST API, which is off: give --address too`; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

// --address that can't be listened on is a configuration error naming it.
func TestAddressInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd, _, stderr := startBinary(t, `export default function () {}`, "--address", ln.Addr().String())
	if code := waitExit(t, cmd, 30*time.Second); code != 104 {
		t.Fatalf("exit code %d, want 104\n%s", code, stderr)
	}
	if want := `option \"--address\": invalid value \"` + ln.Addr().String() + `\": REST API: listen tcp`; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}
