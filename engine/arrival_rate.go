package engine

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// schedule is an arrival-rate executor's plan: run-wide iteration k starts at
// at(k) after the scenario's start. Start times come from the scenario clock
// (never from the previous start), so they do not drift.
type schedule interface {
	// total is the number of run-wide iterations of the scenario.
	total() int64
	// at returns when iteration k starts; calls come with increasing k.
	at(k int64) time.Duration
	// rate is the run-wide target rate at elapsed, in iterations per second.
	rate(elapsed time.Duration) float64
}

// iterTicket hands one iteration to an idle VU (no allocation: it travels by
// value over an unbuffered channel).
type iterTicket struct {
	inInstance, inTest int64
}

// arrivalRate is the machinery of both arrival-rate executors: one
// scheduling goroutine starts this instance's iterations at their times by
// handing them to idle VUs; with no idle VU the iteration is dropped
// (dropped_iterations) and, below maxVUs, one more VU is added in the
// background; at maxVUs k6's "Insufficient VUs" warning is logged once.
type arrivalRate struct {
	scenarioBase
	sched            schedule
	duration         time.Duration
	preAlloc, maxVUs int64        // this instance's share
	segLength        float64      // this instance's share of the rate
	held             atomic.Int64 // VUs the scenario has or is adding
	idle             atomic.Int64 // VUs waiting for an iteration
	warnOnce         sync.Once
}

func (s *arrivalRate) neededVUs() int64           { return s.preAlloc }
func (s *arrivalRate) maxDuration() time.Duration { return s.duration }

func (s *arrivalRate) run(ctx context.Context, stop <-chan struct{}) {
	if s.maxVUs == 0 {
		return
	}
	vus, err := s.e.pool.getN(ctx, s.preAlloc)
	if err != nil {
		return
	}
	ctl := newStopControl(ctx)
	iterCh := make(chan iterTicket)
	var vuWG, ready sync.WaitGroup
	startVU := func(vu InitializedVU, ready *sync.WaitGroup) {
		vuWG.Add(1)
		go s.vuLoop(vu, iterCh, ctl, &vuWG, ready)
	}
	s.held.Store(int64(len(vus)))
	ready.Add(len(vus))
	for _, vu := range vus {
		startVU(vu, &ready)
	}
	// The clock starts once the pre-allocated VUs wait for iterations, so
	// the first ones are not dropped.
	ready.Wait()
	start := s.start()
	// The plan ends the scenario (its last start may fall exactly at the end
	// of the duration); the duration is not a second deadline.
	ctl.arm(stop, start, 0, s.common.GracefulStop.D())

	// VUs added mid-test: taken from the pool when another scenario left
	// some there, initialised otherwise.
	extra := s.maxVUs - s.preAlloc
	reqCh := make(chan struct{}, max(extra, 0))
	var adders sync.WaitGroup
	workers := min(extra, int64(runtime.GOMAXPROCS(0)))
	for w := int64(0); w < workers; w++ {
		adders.Add(1)
		go func() {
			defer adders.Done()
			for range reqCh {
				if ctl.soft.Err() != nil {
					continue
				}
				vu, ok := s.e.pool.tryGet()
				if !ok {
					var err error
					if vu, err = s.e.newVU(ctl.hard); err != nil {
						if ctl.hard.Err() == nil {
							s.e.abortRun(err)
						}
						continue
					}
				}
				startVU(vu, nil)
			}
		}()
	}

	s.schedule(start, iterCh, reqCh, ctl)
	ctl.cancelSoft()
	close(reqCh)
	adders.Wait()
	vuWG.Wait()
	ctl.finish()
}

// minWait is the shortest wait before a start that schedule sleeps for.
const minWait = 100 * time.Microsecond

// schedule starts this instance's iterations on time until the plan or the
// scenario ends. It waits with a deadlineWaiter (precise to microseconds on
// Linux, where Go's timers round sleeps up to whole milliseconds); starts
// already due (after a stall) go out at once, one after the other. A start
// due in less than minWait goes out at once too: a precise wake-up costs
// about as much CPU as that, so at very high rates the starts go out in
// small bursts instead of one wake-up each.
func (s *arrivalRate) schedule(start time.Time, iterCh chan<- iterTicket, reqCh chan<- struct{}, ctl *stopControl) {
	w := newDeadlineWaiter(ctl.soft)
	defer w.close()
	total := s.sched.total()
	tuple := s.e.tuple
	for j := int64(0); ; j++ {
		k := tuple.GlobalIndex(j)
		if k >= total {
			return
		}
		due := start.Add(s.sched.at(k))
		if time.Until(due) > minWait {
			if !w.wait(due) {
				return
			}
		} else if ctl.soft.Err() != nil {
			return
		}
		if s.idle.Load() == 0 {
			// A VU that just finished may be about to wait again: give the
			// other goroutines one chance to run before dropping.
			runtime.Gosched()
		}
		if s.idle.Load() > 0 {
			// An idle VU waits (or is about to) on iterCh: hand it over.
			s.idle.Add(-1)
			select {
			case iterCh <- iterTicket{inInstance: s.iterStarted.Load(), inTest: k}:
				s.iterStarted.Add(1)
			case <-ctl.soft.Done():
				return
			}
		} else {
			s.addDropped(1)
			if s.held.Load() < s.maxVUs {
				s.held.Add(1)
				reqCh <- struct{}{}
			} else {
				s.warnOnce.Do(func() {
					s.logger.Warnf("Insufficient VUs, reached %d active VUs and cannot initialize more", s.maxVUs)
				})
			}
		}
	}
}

// vuLoop runs the iterations handed to one VU until the scenario's soft
// stop. idle counts the VUs waiting for an iteration and not yet given one:
// the VU adds itself before waiting, the scheduler takes one off when it
// hands an iteration over.
func (s *arrivalRate) vuLoop(vu InitializedVU, iterCh <-chan iterTicket, ctl *stopControl, wg, ready *sync.WaitGroup) {
	defer wg.Done()
	r := s.activate(ctl.hard, vu)
	defer r.release()
	for {
		s.idle.Add(1)
		if ready != nil {
			ready.Done()
			ready = nil
		}
		select {
		case t := <-iterCh:
			if !r.iterate(t.inInstance, t.inTest) {
				return
			}
		case <-ctl.soft.Done():
			return
		}
	}
}

func (s *arrivalRate) progress() ScenarioProgress {
	p := s.progressBase()
	p.MaxVUs = s.maxVUs
	p.Fraction = s.timeProgress(s.duration)
	p.Iterations = s.completed.Load() + s.interrupted.Load()
	p.Total = s.duration
	p.Rate = s.sched.rate(min(p.Elapsed, s.duration)) * s.segLength
	p.Detail = fmt.Sprintf("%.2f iters/s", p.Rate)
	return p
}
