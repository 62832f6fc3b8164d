//go:build !linux

package engine

import (
	"context"
	"time"
)

// deadlineWaiter waits for the arrival-rate scheduler: on this platform
// with Go's timer (see waiter_linux.go for the precise one).
type deadlineWaiter struct {
	ctx   context.Context
	timer *time.Timer
}

func newDeadlineWaiter(ctx context.Context) *deadlineWaiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &deadlineWaiter{ctx: ctx, timer: t}
}

// wait returns at due (never before) or, with false, once ctx has ended.
func (w *deadlineWaiter) wait(due time.Time) bool { return timerWait(w.ctx, w.timer, due) }

func (w *deadlineWaiter) close() { w.timer.Stop() }
