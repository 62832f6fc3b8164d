package engine

import (
	"sort"
	"time"
)

// plannedVUs returns the most VUs the scenarios hold at the same time: each
// scenario holds neededVUs from its startTime until its maxDuration plus
// gracefulStop have passed. A scenario starting exactly when another may end
// counts as overlapping, so no scenario waits for VUs.
func plannedVUs(execs []executor) int64 {
	type event struct {
		at    time.Duration
		delta int64
	}
	events := make([]event, 0, 2*len(execs))
	for _, ex := range execs {
		n := ex.neededVUs()
		if n == 0 {
			continue
		}
		c := ex.base().common
		start := c.StartTime.D()
		events = append(events, event{start, n}, event{start + ex.maxDuration() + c.GracefulStop.D(), -n})
	}
	sort.Slice(events, func(i, j int) bool {
		if events[i].at != events[j].at {
			return events[i].at < events[j].at
		}
		return events[i].delta > events[j].delta // starts before ends
	})
	var cur, peak int64
	for _, ev := range events {
		cur += ev.delta
		if cur > peak {
			peak = cur
		}
	}
	return peak
}
