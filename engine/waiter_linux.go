//go:build linux

package engine

import (
	"context"
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// deadlineWaiter waits for the arrival-rate scheduler with microsecond
// precision and without a thread or a P of its own: it arms a timerfd
// (CLOCK_MONOTONIC, absolute, a kernel hrtimer) and reads it through Go's
// poller, so the goroutine parks in netpoll like any socket read and the
// epoll_pwait of an idle runtime returns when the timer fires instead of at
// its own millisecond-rounded timeout. No spinning: the CPU cost is a few
// syscalls per wait.
//
// The read also carries a deadline at the due time, on Go's timers: when
// every P is busy the runtime looks at netpoll less often than at its
// timers, and whichever notices first ends the wait, so it is never later
// than the plain timer. If the timerfd is unavailable (seccomp, old kernel)
// or fails, the waiter falls back to the timer for good.
type deadlineWaiter struct {
	ctx   context.Context
	timer *time.Timer // the fallback; nil while the timerfd works

	f     *os.File
	fd    int
	base  time.Time // a time.Now reading ...
	mono0 int64     // ... and CLOCK_MONOTONIC in ns just after it
	stop  func() bool
	buf   [8]byte
	spec  unix.ItimerSpec
}

// longAgo is a read deadline in the past: it wakes a blocked read.
var longAgo = time.Unix(1, 0)

func newDeadlineWaiter(ctx context.Context) *deadlineWaiter {
	w := &deadlineWaiter{ctx: ctx}
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return w.fallBack()
	}
	w.fd = fd
	w.f = os.NewFile(uintptr(fd), "arrival-rate timerfd")
	// Deadlines work only on descriptors registered with the poller: this
	// checks that the read below parks in netpoll rather than in a thread.
	if err := w.f.SetReadDeadline(time.Time{}); err != nil {
		return w.fallBack()
	}
	// Go's monotonic clock is CLOCK_MONOTONIC: a time.Now and then a
	// clock_gettime map due times onto the timerfd's clock. The second
	// reading comes a little later, so the timerfd fires late by that
	// (well under a microsecond), never early.
	var ts unix.Timespec
	t0 := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return w.fallBack()
	}
	w.base, w.mono0 = t0, ts.Nano()
	f := w.f
	w.stop = context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(longAgo) })
	return w
}

// fallBack switches to the timer (closing the timerfd, if any).
func (w *deadlineWaiter) fallBack() *deadlineWaiter {
	w.close()
	w.f, w.stop = nil, nil
	w.timer = time.NewTimer(time.Hour)
	w.timer.Stop()
	return w
}

// wait returns at due (not before) or, with false, once ctx has ended.
func (w *deadlineWaiter) wait(due time.Time) bool {
	if w.timer != nil {
		return timerWait(w.ctx, w.timer, due)
	}
	w.spec.Value = unix.NsecToTimespec(w.mono0 + int64(due.Sub(w.base)))
	if err := unix.TimerfdSettime(w.fd, unix.TFD_TIMER_ABSTIME, &w.spec, nil); err != nil {
		return w.fallBack().wait(due)
	}
	if err := w.f.SetReadDeadline(due); err != nil {
		return w.fallBack().wait(due)
	}
	// After the deadline is set: a cancellation from now on moves it to the
	// past (AfterFunc), one before shows here.
	if w.ctx.Err() != nil {
		return false
	}
	for {
		_, err := w.f.Read(w.buf[:])
		if w.ctx.Err() != nil {
			return false
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return w.fallBack().wait(due)
		}
		// The timerfd or the deadline, both at due; a read that returns
		// before is an expiry left over from an earlier wait that the
		// deadline ended: read again.
		if time.Until(due) <= 0 {
			return true
		}
	}
}

func (w *deadlineWaiter) close() {
	if w.stop != nil {
		w.stop()
	}
	if w.f != nil {
		_ = w.f.Close()
	}
	if w.timer != nil {
		w.timer.Stop()
	}
}
