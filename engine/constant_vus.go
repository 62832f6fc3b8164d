package engine

import (
	"context"
	"time"

	"github.com/stampede-load/stampede/config"
)

// constantVUs loops a fixed number of VUs over their exec function for a
// duration.
type constantVUs struct {
	scenarioBase
	cfg *config.ConstantVUsConfig
	vus int64
}

func newConstantVUs(e *Engine, c *config.ConstantVUsConfig) *constantVUs {
	return &constantVUs{scenarioBase: newScenarioBase(e, c), cfg: c, vus: e.tuple.Scale(c.VUs)}
}

func (s *constantVUs) neededVUs() int64           { return s.vus }
func (s *constantVUs) maxDuration() time.Duration { return s.cfg.Duration.D() }

func (s *constantVUs) run(ctx context.Context, stop <-chan struct{}) {
	if s.vus == 0 {
		return
	}
	s.runVUs(ctx, stop, s.vus, s.cfg.Duration.D(), func(_ int, r *vuRun, ctl *stopControl) {
		for ctl.soft.Err() == nil {
			n := s.iterStarted.Add(1) - 1
			if !r.iterate(n, s.e.tuple.GlobalIndex(n)) {
				return
			}
		}
	})
}

func (s *constantVUs) progress() ScenarioProgress {
	p := s.progressBase()
	p.Fraction = s.timeProgress(s.cfg.Duration.D())
	p.Iterations = s.completed.Load() + s.interrupted.Load()
	p.Total = s.cfg.Duration.D()
	return p
}
