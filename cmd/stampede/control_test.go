package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stampede-load/stampede/api"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/metrics"
)

// controlled is the run the control commands talk to: a Controller that
// records the calls and changes its status as the engine would.
type controlled struct {
	mu       sync.Mutex
	status   engine.Status
	calls    []string
	scaleErr error
}

func (c *controlled) Status() engine.Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

func (c *controlled) SetPaused(paused bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf("SetPaused(%t)", paused))
	c.status.Paused = paused
	return nil
}

func (c *controlled) Scale(vus, maxVUs *int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	show := func(p *int64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	c.calls = append(c.calls, fmt.Sprintf("Scale(%s, %s)", show(vus), show(maxVUs)))
	if c.scaleErr != nil {
		return c.scaleErr
	}
	if maxVUs != nil {
		c.status.VUsMax = *maxVUs
	}
	if vus != nil {
		c.status.VUs = *vus
	}
	return nil
}

func (c *controlled) Stop(error)                                        {}
func (c *controlled) SetupData() json.RawMessage                        { return nil }
func (c *controlled) SetSetupData(json.RawMessage)                      {}
func (c *controlled) RunSetup(context.Context) (json.RawMessage, error) { return nil, nil }
func (c *controlled) RunTeardown(context.Context) error                 { return nil }

func (c *controlled) Calls() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.calls, "; ")
}

// serveAPI starts a real API server on a free loopback port for ctl and me
// and returns its address.
func serveAPI(t *testing.T, ctl api.Controller, me *metrics.Engine) string {
	t.Helper()
	srv := api.New(api.Config{Controller: ctl, Metrics: me})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv.Addr().String()
}

func newControlled() *controlled {
	return &controlled{status: engine.Status{Status: engine.StatusRunning, VUs: 2, VUsMax: 5, Running: true}}
}

const runningStatus = "status: 7\npaused: false\nvus: 2\nvus-max: 5\nstopped: false\nrunning: true\ntainted: false\n"

func TestControlStatus(t *testing.T) {
	ctl := newControlled()
	addr := serveAPI(t, ctl, nil)

	c := newCLI(t)
	if code := c.run("status", "--address", addr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, c.stderr)
	}
	if got := c.stdout.String(); got != runningStatus {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, runningStatus)
	}

	// K6_ADDRESS when there is no flag; the flag wins over it.
	c = newCLI(t)
	c.gs.env["K6_ADDRESS"] = addr
	if code := c.run("status"); code != 0 || c.stdout.String() != runningStatus {
		t.Fatalf("with K6_ADDRESS: exit %d, stdout:\n%s\nstderr:\n%s", code, c.stdout, c.stderr)
	}
	c = newCLI(t)
	c.gs.env["K6_ADDRESS"] = "127.0.0.1:1"
	if code := c.run("status", "-a", addr); code != 0 || c.stdout.String() != runningStatus {
		t.Fatalf("-a over K6_ADDRESS: exit %d, stdout:\n%s\nstderr:\n%s", code, c.stdout, c.stderr)
	}
	if calls := ctl.Calls(); calls != "" {
		t.Errorf("status changed something: %s", calls)
	}
}

func TestControlPauseResume(t *testing.T) {
	ctl := newControlled()
	addr := serveAPI(t, ctl, nil)

	c := newCLI(t)
	if code := c.run("pause", "-a", addr); code != 0 {
		t.Fatalf("pause: exit %d; stderr:\n%s", code, c.stderr)
	}
	if got, want := c.stdout.String(), strings.Replace(runningStatus, "paused: false", "paused: true", 1); got != want {
		t.Errorf("pause stdout:\n%s\nwant:\n%s", got, want)
	}
	c = newCLI(t)
	if code := c.run("resume", "-a", "http://"+addr); code != 0 {
		t.Fatalf("resume: exit %d; stderr:\n%s", code, c.stderr)
	}
	if got := c.stdout.String(); got != runningStatus {
		t.Errorf("resume stdout:\n%s\nwant:\n%s", got, runningStatus)
	}
	if got, want := ctl.Calls(), "SetPaused(true); SetPaused(false)"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
}

func TestControlScale(t *testing.T) {
	ctl := newControlled()
	addr := serveAPI(t, ctl, nil)

	c := newCLI(t)
	if code := c.run("scale", "-a", addr, "-u", "7", "-m", "10"); code != 0 {
		t.Fatalf("scale: exit %d; stderr:\n%s", code, c.stderr)
	}
	want := "status: 7\npaused: false\nvus: 7\nvus-max: 10\nstopped: false\nrunning: true\ntainted: false\n"
	if got := c.stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	c = newCLI(t)
	if code := c.run("scale", "-a", addr, "--max", "12"); code != 0 {
		t.Fatalf("scale --max: exit %d; stderr:\n%s", code, c.stderr)
	}
	c = newCLI(t)
	if code := c.run("scale", "-a", addr, "--vus", "0"); code != 0 {
		t.Fatalf("scale --vus 0: exit %d; stderr:\n%s", code, c.stderr)
	}

	// Neither flag: a usage error, nothing sent.
	c = newCLI(t)
	if code := c.run("scale", "-a", addr, "--log-format", "raw"); code != exitInvalidConfig {
		t.Errorf("scale without values: exit %d, want %d", code, exitInvalidConfig)
	}
	if got, want := c.stderr.String(), "invalid command-line flags: scale needs --vus or --max (or both)\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}

	// The engine refuses: the API's explanation, the generic exit code.
	ctl.mu.Lock()
	ctl.scaleErr = errors.New("could not find an externally-controlled executor: only its VUs can be scaled")
	ctl.mu.Unlock()
	c = newCLI(t)
	if code := c.run("scale", "-a", addr, "-u", "3", "--log-format", "raw"); code != exitGenericError {
		t.Errorf("refused scale: exit %d, want %d", code, exitGenericError)
	}
	wantErr := "the REST API at " + addr + " answered 400 Bad Request: Scaling failed: " +
		"could not find an externally-controlled executor: only its VUs can be scaled\n"
	if got := c.stderr.String(); got != wantErr {
		t.Errorf("stderr %q, want %q", got, wantErr)
	}
	if c.stdout.String() != "" {
		t.Errorf("stdout %q", c.stdout)
	}
	if got, want := ctl.Calls(), "Scale(7, 10); Scale(nil, 12); Scale(0, nil); Scale(3, nil)"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
}

func TestControlStats(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	me, err := metrics.NewEngine(reg, metrics.EngineOptions{Elapsed: func() time.Duration { return 4 * time.Second }})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	var batch []metrics.Sample
	add := func(m *metrics.Metric, v float64) {
		now = now.Add(time.Millisecond)
		batch = append(batch, metrics.Sample{Metric: m, Value: v, Time: now, Tags: metrics.NewTagSet(nil)})
	}
	for _, d := range []float64{10, 20, 30, 40, 50} {
		add(b.IterationDuration, d)
		add(b.Iterations, 1)
	}
	add(b.VUs, 4)
	add(b.Checks, 1)
	add(b.Checks, 0)
	me.Ingest(batch)
	addr := serveAPI(t, newControlled(), me)

	c := newCLI(t)
	if code := c.run("stats", "-a", addr); code != 0 {
		t.Fatalf("stats: exit %d; stderr:\n%s", code, c.stderr)
	}
	want := "checks: rate (default) rate=0.5\n" +
		"iteration_duration: trend (time) avg=30 min=10 med=30 max=50 p(90)=46 p(95)=48\n" +
		"iterations: counter (default) count=5 rate=1.25\n" +
		"vus: gauge (default) value=4\n"
	if got := c.stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
}

func TestControlUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, args := range [][]string{{"status"}, {"pause"}, {"resume"}, {"scale", "-u", "1"}, {"stats"}} {
		c := newCLI(t)
		code := c.run(append(args, "-a", addr, "--log-format", "raw")...)
		if code != exitGenericError {
			t.Errorf("%v: exit %d, want %d", args, code, exitGenericError)
		}
		got := c.stderr.String()
		if !strings.HasPrefix(got, "cannot reach the REST API at "+addr+": ") ||
			!strings.HasSuffix(got, " (is `stampede run --address "+addr+"` running?)\n") {
			t.Errorf("%v: stderr %q", args, got)
		}
	}

	c := newCLI(t)
	if code := c.run("status", "-a", "ftp://host:1", "--log-format", "raw"); code != exitInvalidConfig {
		t.Errorf("bad address: exit %d, want %d", code, exitInvalidConfig)
	}
	if got, want := c.stderr.String(), "invalid command-line flags: --address: invalid REST API address \"ftp://host:1\": expected host:port or an http:// URL\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

func TestControlCommandsRegistered(t *testing.T) {
	root := newRootCmd(newCLI(t).gs)
	for _, name := range []string{"status", "pause", "resume", "scale", "stats"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil || cmd.Name() != name {
			t.Errorf("command %q: %v", name, err)
			continue
		}
		f := cmd.Flags().Lookup("address")
		if f == nil || f.Shorthand != "a" || f.DefValue != "localhost:6565" {
			t.Errorf("%s --address: %+v", name, f)
		}
	}
	scale, _, _ := root.Find([]string{"scale"})
	for name, short := range map[string]string{"vus": "u", "max": "m"} {
		if f := scale.Flags().Lookup(name); f == nil || f.Shorthand != short {
			t.Errorf("scale --%s: %+v", name, f)
		}
	}
}
