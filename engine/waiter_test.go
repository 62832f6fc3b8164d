package engine

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

// The waiter never returns before the due time (it may return later: no
// upper bound is checked here, the machine may be busy).
func TestDeadlineWaiterNotEarly(t *testing.T) {
	t.Parallel()
	w := newDeadlineWaiter(context.Background())
	defer w.close()
	for i := 0; i < 200; i++ {
		due := time.Now().Add(time.Duration(i%20) * 100 * time.Microsecond)
		if !w.wait(due) {
			t.Fatal("wait returned false without a cancellation")
		}
		if early := time.Until(due); early > 0 {
			t.Fatalf("wait %d returned %s early", i, early)
		}
	}
}

// A cancellation ends a long wait, and a wait after it returns at once.
func TestDeadlineWaiterCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	w := newDeadlineWaiter(ctx)
	defer w.close()
	done := make(chan bool, 1)
	go func() { done <- w.wait(time.Now().Add(time.Hour)) }()
	time.Sleep(10 * time.Millisecond) // usually parked by then; either way must end
	cancel()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("a cancelled wait reported that it reached its due time")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancellation did not end the wait")
	}
	if w.wait(time.Now().Add(time.Hour)) {
		t.Fatal("a wait after the cancellation reported success")
	}
}

// Closed waiters release their descriptor (the Linux one holds a timerfd).
func TestDeadlineWaiterClose(t *testing.T) {
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(ents)
	}
	before := fds()
	for i := 0; i < 300; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		w := newDeadlineWaiter(ctx)
		w.wait(time.Now().Add(50 * time.Microsecond))
		w.close()
		cancel()
	}
	runtime.GC()
	// Other tests' descriptors come and go: a leak would show as ~300.
	if after := fds(); after-before > 100 {
		t.Errorf("%d descriptors open after closing 300 waiters, %d before", after, before)
	}
}
