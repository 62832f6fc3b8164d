package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func i64(v int64) *int64 { return &v }

func TestExternallyControlledScalePauseStop(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 20 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"ext": {"executor": "externally-controlled", "vus": 2, "maxVUs": 5, "duration": 0}}}`)
	if h.eng.PlannedVUs() != 5 {
		t.Fatalf("planned %d VUs, want maxVUs 5", h.eng.PlannedVUs())
	}
	wait := h.start()
	e := h.eng
	waitUntil(t, "2 VUs run", func() bool { return e.VUsActive() == 2 && len(r.records()) > 4 })
	st := e.Status()
	if st.Status != StatusRunning || !st.Running || st.Paused || st.Stopped || st.VUs != 2 || st.VUsMax != 5 {
		t.Fatalf("status %+v", st)
	}

	if err := e.Scale(i64(4), nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "4 VUs run", func() bool { return e.VUsActive() == 4 })
	if err := e.Scale(nil, i64(8)); err != nil {
		t.Fatal(err)
	}
	if got := e.VUsInitialized(); got != 8 {
		t.Fatalf("vus-max 8 initialised %d VUs", got)
	}
	if err := e.Scale(i64(8), nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "8 VUs run", func() bool { return e.VUsActive() == 8 })
	for _, bad := range []struct {
		vus, max *int64
		want     string
	}{
		{i64(9), nil, "vus 9: the number of VUs can't be more than vus-max (8)"},
		{nil, i64(3), "vus-max 3: decreasing the max VUs (now 8) is not supported"},
		{i64(-1), nil, "vus -1: the number of VUs can't be negative"},
	} {
		if err := e.Scale(bad.vus, bad.max); err == nil || err.Error() != bad.want {
			t.Errorf("Scale: %v, want %q", err, bad.want)
		}
	}
	if err := e.Scale(i64(1), nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "1 VU runs", func() bool { return e.VUsActive() == 1 })
	if n := e.IterationsInterrupted(); n != 0 {
		t.Errorf("scaling down interrupted %d iterations; they should finish", n)
	}

	if err := e.SetPaused(true); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPaused(true); err == nil || err.Error() != "execution is already paused" {
		t.Errorf("pausing twice: %v", err)
	}
	waitUntil(t, "the pause settles", func() bool { return e.VUsActive() == 0 })
	before := len(r.records())
	time.Sleep(100 * time.Millisecond)
	if after := len(r.records()); after != before {
		t.Errorf("%d iterations started while paused", after-before)
	}
	if st := e.Status(); !st.Paused || !st.Running {
		t.Errorf("paused status %+v", st)
	}
	if err := e.Scale(i64(3), nil); err != nil { // scaling while paused: applies on resume
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := e.VUsActive(); n != 0 {
		t.Errorf("%d VUs active while paused", n)
	}
	if err := e.SetPaused(false); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "3 VUs run after the resume", func() bool { return e.VUsActive() == 3 })

	e.Stop(ErrExternalAbort)
	if err := wait(); !errors.Is(err, ErrExternalAbort) {
		t.Fatalf("run: %v", err)
	}
	st = e.Status()
	if st.Status != StatusInterrupted || !st.Stopped || st.Running {
		t.Errorf("final status %+v", st)
	}
	if err := e.Scale(i64(1), nil); err == nil {
		t.Error("scaling after the end worked")
	}
	if err := e.SetPaused(true); err == nil {
		t.Error("pausing after the end worked")
	}
	if !r.setupRan.Load() || !r.teardownRan.Load() {
		t.Error("setup or teardown did not run")
	}
}

// The duration's end interrupts the running iterations: there is no
// graceful stop.
func TestExternallyControlledDurationInterrupts(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 10 * time.Second}
	h := newHarness(t, r, `{"scenarios": {"ext": {"executor": "externally-controlled", "vus": 2, "maxVUs": 2, "duration": "300ms"}}}`)
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	if got := h.eng.IterationsInterrupted(); got != 2 {
		t.Errorf("interrupted %d iterations, want 2", got)
	}
	if st := h.eng.Status(); st.Status != StatusEnded || !st.Stopped || st.Running {
		t.Errorf("final status %+v", st)
	}
}

// maxVUs raised before the scenario's start takes effect at its start.
func TestExternallyControlledScaleBeforeStart(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 10 * time.Millisecond}
	h := newHarness(t, r, `{"scenarios": {"ext": {"executor": "externally-controlled", "vus": 1, "maxVUs": 1, "duration": 0, "startTime": "200ms"}}}`)
	wait := h.start()
	waitUntil(t, "the run is running", func() bool { return h.eng.Status().Status == StatusRunning })
	if err := h.eng.Scale(i64(3), i64(4)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "3 VUs run", func() bool { return h.eng.VUsActive() == 3 })
	if got := h.eng.VUsInitialized(); got != 4 {
		t.Errorf("%d VUs initialised, want 4", got)
	}
	h.eng.Stop(ErrExternalAbort)
	if err := wait(); !errors.Is(err, ErrExternalAbort) {
		t.Fatalf("run: %v", err)
	}
}

func TestPausedStart(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 10 * time.Millisecond}
	h := newHarness(t, r, `{"vus": 2, "duration": "30s"}`, func(p *Params) { p.Paused = true })
	wait := h.start()
	e := h.eng
	waitUntil(t, "paused before the run", func() bool { return e.Status().Status == StatusPausedBeforeRun })
	time.Sleep(50 * time.Millisecond)
	if r.setupRan.Load() || len(r.records()) > 0 {
		t.Fatal("setup or iterations ran while paused before the start")
	}
	if st := e.Status(); !st.Paused || st.Running || st.VUsMax != 2 {
		t.Errorf("status %+v", st)
	}
	if err := e.SetPaused(true); err == nil || err.Error() != "execution is already paused" {
		t.Errorf("pausing twice: %v", err)
	}
	if err := e.Scale(i64(1), nil); err == nil || !strings.Contains(err.Error(), "could not find an externally-controlled executor") {
		t.Errorf("scaling constant-vus: %v", err)
	}
	if err := e.SetPaused(false); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "running", func() bool { return e.VUsActive() == 2 })
	if err := e.SetPaused(false); err != nil {
		t.Errorf("resuming a running constant-vus test (what k6's client sends with every update): %v", err)
	}
	err := e.SetPaused(true)
	if want := "constant-vus executor 'default' doesn't support pause and resume operations after its start"; err == nil || err.Error() != want {
		t.Errorf("pausing constant-vus: %v, want %q", err, want)
	}
	e.Stop(ErrExternalAbort)
	if err := wait(); !errors.Is(err, ErrExternalAbort) {
		t.Fatalf("run: %v", err)
	}
	if !r.setupRan.Load() || len(r.records()) == 0 {
		t.Error("the resumed run did not run")
	}
}

// A stop during the pause before the start ends the run without setup or
// teardown.
func TestStopWhilePausedBeforeStart(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 10 * time.Millisecond}
	h := newHarness(t, r, `{"vus": 1, "duration": "10s"}`, func(p *Params) { p.Paused = true })
	wait := h.start()
	waitUntil(t, "paused", func() bool { return h.eng.Status().Status == StatusPausedBeforeRun })
	h.eng.Stop(ErrExternalAbort)
	if err := wait(); !errors.Is(err, ErrExternalAbort) {
		t.Fatalf("run: %v", err)
	}
	if r.setupRan.Load() || r.teardownRan.Load() || len(r.records()) > 0 {
		t.Error("something ran after a stop in the pause")
	}
}

func TestRunSetupAndTeardownOnDemand(t *testing.T) {
	t.Parallel()
	r := &testRunner{sleep: 10 * time.Millisecond}
	h := newHarness(t, r, `{"vus": 1, "iterations": 1, "noSetup": true, "noTeardown": true}`)
	if err := h.run(); err != nil {
		t.Fatal(err)
	}
	if r.setupRan.Load() || r.teardownRan.Load() {
		t.Fatal("noSetup/noTeardown ran them")
	}
	if _, err := h.eng.RunSetup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.RunTeardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !r.setupRan.Load() || !r.teardownRan.Load() {
		t.Error("RunSetup/RunTeardown did not run them")
	}
	h.eng.SetSetupData([]byte(`{"a":1}`))
	if got := string(h.eng.SetupData()); got != `{"a":1}` {
		t.Errorf("setup data %s", got)
	}
	h.eng.SetSetupData(nil)
	if got := h.eng.SetupData(); got != nil {
		t.Errorf("setup data %s after clearing it", got)
	}
}
