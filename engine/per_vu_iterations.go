package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/stampede-load/stampede/config"
)

// perVUIterations makes each of its VUs run the same number of iterations.
// Iterations not started when maxDuration ends are dropped.
type perVUIterations struct {
	scenarioBase
	cfg *config.PerVUIterationsConfig
	vus int64 // this instance's share of VUs
}

func newPerVUIterations(e *Engine, c *config.PerVUIterationsConfig) *perVUIterations {
	return &perVUIterations{scenarioBase: newScenarioBase(e, c), cfg: c, vus: e.tuple.Scale(c.VUs)}
}

func (s *perVUIterations) neededVUs() int64           { return s.vus }
func (s *perVUIterations) maxDuration() time.Duration { return s.cfg.MaxDuration.D() }

func (s *perVUIterations) run(ctx context.Context, stop <-chan struct{}) {
	if s.vus == 0 {
		return
	}
	iters := s.cfg.Iterations
	ok := s.runVUs(ctx, stop, s.vus, s.cfg.MaxDuration.D(), func(i int, r *vuRun, ctl *stopControl) {
		// The VU's slot in the whole run makes iterationInTest unique across
		// instances: slot*iterations + the VU's own iteration number.
		slot := s.e.tuple.GlobalIndex(int64(i))
		for k := int64(0); k < iters && ctl.soft.Err() == nil; k++ {
			n := s.iterStarted.Add(1) - 1
			if !r.iterate(n, slot*iters+k) {
				return
			}
		}
	})
	if !ok {
		return
	}
	s.addDropped(s.vus*iters - s.iterStarted.Load())
}

func (s *perVUIterations) progress() ScenarioProgress {
	total := s.vus * s.cfg.Iterations
	done := s.completed.Load() + s.interrupted.Load()
	p := s.progressBase()
	p.Fraction = 1
	if total > 0 && !s.finished.Load() {
		p.Fraction = clamp01(float64(done) / float64(total))
	}
	p.Iterations, p.TotalIterations = done, total
	p.Total = s.cfg.MaxDuration.D()
	p.Detail = fmt.Sprintf("%d/%d iters, %d per VU", done, total, s.cfg.Iterations)
	return p
}
