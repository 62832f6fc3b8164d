package engine

import (
	"context"
	"sync"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine/segment"
)

// rampingVUs makes the number of looping VUs follow its stages: linear ramps
// from startVUs to each stage's target. A VU that is ramped down starts no new
// iteration; its running one gets gracefulRampDown to finish, and if the
// target rises again before it stopped, it simply goes on.
type rampingVUs struct {
	scenarioBase
	cfg   *config.RampingVUsConfig
	steps []vuStep // this instance's VU count over time
	max   int64
	total time.Duration
}

// vuStep is "from At on, run VUs VUs".
type vuStep struct {
	At  time.Duration
	VUs int64
}

func newRampingVUs(e *Engine, c *config.RampingVUsConfig) *rampingVUs {
	steps := scaleSteps(rampSteps(c.StartVUs, c.Stages), e.tuple)
	var max int64
	for _, s := range steps {
		if s.VUs > max {
			max = s.VUs
		}
	}
	return &rampingVUs{
		scenarioBase: newScenarioBase(e, c), cfg: c, steps: steps, max: max,
		total: config.TotalDuration(c.Stages),
	}
}

// rampSteps lists the run-wide VU count over time: start at t=0, then during
// a stage of duration d from a to b VUs the count moves by one at each
// multiple of d/|b-a|, reaching b at the stage's end. A zero-length stage
// jumps at once.
func rampSteps(start int64, stages []config.Stage) []vuStep {
	steps := []vuStep{{0, start}}
	cur, at := start, time.Duration(0)
	for _, st := range stages {
		d := st.Duration.D()
		diff := st.Target - cur
		switch {
		case diff == 0:
		case d <= 0:
			steps = append(steps, vuStep{at, st.Target})
		default:
			n := diff
			sign := int64(1)
			if n < 0 {
				n, sign = -n, -1
			}
			for i := int64(1); i <= n; i++ {
				steps = append(steps, vuStep{at + time.Duration(float64(d)*float64(i)/float64(n)), cur + sign*i})
			}
		}
		cur = st.Target
		at += d
	}
	return steps
}

// scaleSteps maps run-wide VU counts to this instance's share and drops the
// steps that do not change it. Steps at the same time keep the last value.
func scaleSteps(steps []vuStep, t *segment.Tuple) []vuStep {
	out := make([]vuStep, 0, len(steps))
	for _, s := range steps {
		v := t.Scale(s.VUs)
		if n := len(out); n > 0 {
			if out[n-1].At == s.At {
				out[n-1].VUs = v
				if n > 1 && out[n-2].VUs == v {
					out = out[:n-1]
				}
				continue
			}
			if out[n-1].VUs == v {
				continue
			}
		}
		out = append(out, vuStep{s.At, v})
	}
	return out
}

func (s *rampingVUs) neededVUs() int64           { return s.max }
func (s *rampingVUs) maxDuration() time.Duration { return s.total }

// rampSlot is one VU of the scenario and whether it should loop.
type rampSlot struct {
	mu      sync.Mutex
	vu      InitializedVU
	enabled bool
	running bool               // a goroutine runs the slot
	cancel  context.CancelFunc // ends the current activation
	timer   *time.Timer        // pending gracefulRampDown
}

func (s *rampingVUs) run(ctx context.Context, stop <-chan struct{}) {
	if s.max == 0 {
		return
	}
	vus, err := s.e.pool.getN(ctx, s.max)
	if err != nil {
		return
	}
	start := s.start()
	ctl := newStopControl(ctx)
	ctl.arm(stop, start, s.total, s.common.GracefulStop.D())
	if s.total <= 0 {
		ctl.cancelSoft() // only zero-length stages: nothing to run
	}
	slots := make([]*rampSlot, len(vus))
	for i, vu := range vus {
		slots[i] = &rampSlot{vu: vu}
	}
	var wg sync.WaitGroup
	grace := s.cfg.GracefulRampDown.D()

	timer := time.NewTimer(0)
	<-timer.C
	for _, st := range s.steps {
		if d := time.Until(start.Add(st.At)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctl.soft.Done():
			}
		}
		if ctl.soft.Err() != nil {
			break
		}
		for i, slot := range slots {
			if int64(i) < st.VUs {
				s.enable(slot, ctl, &wg)
			} else {
				s.disable(slot, grace)
			}
		}
	}
	timer.Stop()
	<-ctl.soft.Done()
	wg.Wait()
	ctl.finish()
	for _, slot := range slots {
		s.e.pool.put(slot.vu)
	}
}

// enable makes the slot's VU loop (again), starting its goroutine if it has
// none.
func (b *scenarioBase) enable(slot *rampSlot, ctl *stopControl, wg *sync.WaitGroup) {
	slot.mu.Lock()
	defer slot.mu.Unlock()
	slot.enabled = true
	if slot.timer != nil {
		slot.timer.Stop()
		slot.timer = nil
	}
	if !slot.running {
		slot.running = true
		wg.Add(1)
		go b.loop(slot, ctl, wg)
	}
}

// disable lets the slot's VU finish its iteration and start no other; after
// grace the iteration is interrupted (never when grace < 0).
func (b *scenarioBase) disable(slot *rampSlot, grace time.Duration) {
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if !slot.enabled {
		return
	}
	slot.enabled = false
	if grace >= 0 && slot.running && slot.timer == nil {
		slot.timer = time.AfterFunc(grace, func() {
			slot.mu.Lock()
			if !slot.enabled && slot.cancel != nil {
				slot.cancel()
			}
			slot.mu.Unlock()
		})
	}
}

// loop activates the slot's VU and runs iterations while it is enabled; if
// it is enabled again while stopping, it starts over.
func (b *scenarioBase) loop(slot *rampSlot, ctl *stopControl, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		r := b.activate(ctl.hard, slot.vu)
		slot.mu.Lock()
		slot.cancel = r.cancel
		slot.mu.Unlock()
		for {
			slot.mu.Lock()
			ok := slot.enabled
			slot.mu.Unlock()
			if !ok || r.ctx.Err() != nil || ctl.soft.Err() != nil {
				break
			}
			n := b.iterStarted.Add(1) - 1
			if !r.iterate(n, b.e.tuple.GlobalIndex(n)) {
				break
			}
		}
		r.deactivate()
		slot.mu.Lock()
		slot.cancel = nil
		if slot.timer != nil {
			slot.timer.Stop()
			slot.timer = nil
		}
		if slot.enabled && ctl.soft.Err() == nil && !r.panicked {
			slot.mu.Unlock()
			continue
		}
		slot.running = false
		slot.mu.Unlock()
		return
	}
}

func (s *rampingVUs) progress() ScenarioProgress {
	p := s.progressBase()
	p.Fraction = s.timeProgress(s.total)
	p.Iterations = s.completed.Load() + s.interrupted.Load()
	p.Total = s.total
	return p
}
