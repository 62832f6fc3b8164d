package engine

import (
	"context"
	"testing"
	"time"
)

// A scenario waiting a long time for its next start ends on cancellation.
func TestArrivalRateCancelDuringLongWait(t *testing.T) {
	t.Parallel()
	r := &testRunner{}
	h := newHarness(t, r, `{"scenarios": {"car": {"executor": "constant-arrival-rate", "rate": 1, "timeUnit": "1h",
		"duration": "3h", "preAllocatedVUs": 2}}}`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(ctx) }()
	for deadline := time.Now().Add(30 * time.Second); len(r.records()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the first iteration did not start")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after the cancellation")
	}
	if n := len(r.records()); n != 1 {
		t.Errorf("%d iterations started, want 1", n)
	}
	r.check(t)
}
