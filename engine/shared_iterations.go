package engine

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/stampede-load/stampede/config"
)

// sharedIterations runs a fixed number of iterations shared by its VUs:
// each VU takes the next iteration as soon as it is free. Iterations not
// started when maxDuration ends are dropped (dropped_iterations).
type sharedIterations struct {
	scenarioBase
	cfg        *config.SharedIterationsConfig
	vus, iters int64 // this instance's share
	next       atomic.Int64
}

func newSharedIterations(e *Engine, c *config.SharedIterationsConfig) *sharedIterations {
	return &sharedIterations{
		scenarioBase: newScenarioBase(e, c), cfg: c,
		vus: e.tuple.Scale(c.VUs), iters: e.tuple.Scale(c.Iterations),
	}
}

func (s *sharedIterations) neededVUs() int64           { return s.vus }
func (s *sharedIterations) maxDuration() time.Duration { return s.cfg.MaxDuration.D() }

func (s *sharedIterations) run(ctx context.Context, stop <-chan struct{}) {
	if s.vus == 0 || s.iters == 0 {
		return
	}
	ok := s.runVUs(ctx, stop, s.vus, s.cfg.MaxDuration.D(), func(_ int, r *vuRun, ctl *stopControl) {
		for ctl.soft.Err() == nil {
			n := s.next.Add(1) - 1
			if n >= s.iters {
				return
			}
			s.iterStarted.Add(1)
			if !r.iterate(n, s.e.tuple.GlobalIndex(n)) {
				return
			}
		}
	})
	if !ok {
		return
	}
	s.addDropped(s.iters - s.iterStarted.Load())
}

func (s *sharedIterations) progress() ScenarioProgress {
	done := s.completed.Load() + s.interrupted.Load()
	p := s.progressBase()
	p.Fraction = 1
	if s.iters > 0 && !s.finished.Load() {
		p.Fraction = clamp01(float64(done) / float64(s.iters))
	}
	p.Iterations, p.TotalIterations = done, s.iters
	p.Total = s.cfg.MaxDuration.D()
	p.Detail = fmt.Sprintf("%d/%d shared iters", done, s.iters)
	return p
}
