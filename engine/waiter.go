package engine

import (
	"context"
	"time"
)

// timerWait waits on t until due or until ctx ends (then it returns false).
// It is the portable wait: Go's timers are as precise as the runtime's
// sleep, which on Linux blocks in epoll_pwait with whole milliseconds (a
// wait under 1 ms sleeps 1 ms), so arrival-rate starts 0.5 ms apart came
// ~0.6 ms late at the median. The Linux waiter (waiter_linux.go) avoids that.
func timerWait(ctx context.Context, t *time.Timer, due time.Time) bool {
	t.Reset(time.Until(due))
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}
