package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/stampede-load/stampede/config"
)

// externallyControlled loops as many VUs as the REST API last asked for
// (Engine.Scale), up to maxVUs, until its duration ends (never when it is
// 0); it can be paused and resumed. Fewer VUs, or a pause, let the VUs
// finish their iteration; the duration's end (or the run's stop)
// interrupts them, as it has no graceful stop.
type externallyControlled struct {
	scenarioBase
	cfg     *config.ExternallyControlledConfig
	planned int64 // VUs Init made for it (maxVUs at the start, this instance's share)

	mu      sync.Mutex
	vus     int64 // run-wide numbers, as given
	maxVUs  int64
	paused  bool
	slots   []*rampSlot // this instance's VUs, once started
	ctl     *stopControl
	wg      sync.WaitGroup
	running bool // between the start and the duration's end
}

func newExternallyControlled(e *Engine, c *config.ExternallyControlledConfig) *externallyControlled {
	return &externallyControlled{
		scenarioBase: newScenarioBase(e, c), cfg: c, planned: e.tuple.Scale(c.MaxVUs),
		vus: c.VUs, maxVUs: c.MaxVUs,
	}
}

func (s *externallyControlled) neededVUs() int64 { return s.planned }

// maxDuration is the duration; with 0 the scenario runs until the test
// stops, so no other scenario can count on its VUs.
func (s *externallyControlled) maxDuration() time.Duration {
	if d := s.cfg.Duration.D(); d > 0 {
		return d
	}
	return time.Duration(math.MaxInt64 / 4)
}

func (s *externallyControlled) run(ctx context.Context, stop <-chan struct{}) {
	vus, err := s.e.pool.getN(ctx, s.planned)
	if err != nil {
		return
	}
	start := s.start()
	ctl := newStopControl(ctx)
	ctl.arm(stop, start, s.cfg.Duration.D(), 0)

	s.mu.Lock()
	s.ctl = ctl
	for _, vu := range vus {
		s.slots = append(s.slots, &rampSlot{vu: vu})
	}
	s.running = true
	err = s.grow() // maxVUs raised before the start
	s.apply()
	s.mu.Unlock()
	if err != nil {
		s.logger.WithError(err).Error("initialising the VUs asked for before the start")
	}

	<-ctl.soft.Done()
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
	s.wg.Wait()
	ctl.finish()
	for _, slot := range s.slots {
		s.e.pool.put(slot.vu)
	}
}

// apply enables the first vus slots (none while paused) and lets the others
// finish their iteration. Call with mu held, while running.
func (s *externallyControlled) apply() {
	target := s.e.tuple.Scale(s.vus)
	if s.paused {
		target = 0
	}
	for i, slot := range s.slots {
		if int64(i) < target {
			s.enable(slot, s.ctl, &s.wg)
		} else {
			s.disable(slot, -1)
		}
	}
}

// grow initialises VUs until the scenario has its share of maxVUs. Call
// with mu held, while running.
func (s *externallyControlled) grow() error {
	for int64(len(s.slots)) < s.e.tuple.Scale(s.maxVUs) {
		vu, err := s.e.newVU(s.ctl.hard)
		if err != nil {
			return err
		}
		s.slots = append(s.slots, &rampSlot{vu: vu})
	}
	return nil
}

// scale implements scalable.
func (s *externallyControlled) scale(vus, maxVUs *int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	newVUs, newMax := s.vus, s.maxVUs
	if vus != nil {
		newVUs = *vus
	}
	if maxVUs != nil {
		newMax = *maxVUs
	}
	switch {
	case newVUs < 0:
		return fmt.Errorf("vus %d: the number of VUs can't be negative", newVUs)
	case newMax < s.maxVUs:
		return fmt.Errorf("vus-max %d: decreasing the max VUs (now %d) is not supported", newMax, s.maxVUs)
	case newVUs > newMax:
		return fmt.Errorf("vus %d: the number of VUs can't be more than vus-max (%d)", newVUs, newMax)
	}
	if !s.running && s.startedAt.Load() != 0 {
		return errors.New("the externally-controlled scenario has ended")
	}
	old := s.maxVUs
	s.maxVUs = newMax
	if s.running {
		if err := s.grow(); err != nil {
			s.maxVUs = old
			return fmt.Errorf("vus-max %d: %w", newMax, err)
		}
	}
	s.vus = newVUs
	if s.running {
		s.apply()
	}
	return nil
}

// setPaused implements pausable.
func (s *externallyControlled) setPaused(paused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paused = paused
	if s.running {
		s.apply()
	}
}

func (s *externallyControlled) progress() ScenarioProgress {
	p := s.progressBase()
	s.mu.Lock()
	p.MaxVUs = s.e.tuple.Scale(s.maxVUs)
	if s.paused {
		p.Detail = "paused"
	}
	s.mu.Unlock()
	p.Fraction = s.timeProgress(s.cfg.Duration.D())
	p.Iterations = s.completed.Load() + s.interrupted.Load()
	p.Total = s.cfg.Duration.D()
	return p
}
