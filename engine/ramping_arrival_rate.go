package engine

import (
	"math"
	"time"

	"github.com/stampede-load/stampede/config"
)

// rampingArrivalRate makes the iteration rate follow its stages: linear
// ramps from startRate to each stage's target (iterations per timeUnit).
// Iteration k starts when the area under the rate curve reaches k+1, so the
// starts follow the curve exactly and do not drift.
type rampingArrivalRate struct {
	arrivalRate
	cfg *config.RampingArrivalRateConfig
}

func newRampingArrivalRate(e *Engine, c *config.RampingArrivalRateConfig) *rampingArrivalRate {
	length, _ := e.tuple.Segment().Length().Float64()
	return &rampingArrivalRate{
		arrivalRate: arrivalRate{
			scenarioBase: newScenarioBase(e, c),
			sched:        newRampSchedule(c.StartRate, c.TimeUnit.D(), c.Stages),
			duration:     config.TotalDuration(c.Stages),
			preAlloc:     e.tuple.Scale(c.PreAllocatedVUs),
			maxVUs:       e.tuple.Scale(c.MaxVUs),
			segLength:    length,
		},
		cfg: c,
	}
}

// rampSegment is one stage in seconds and iterations per second.
type rampSegment struct {
	start, dur   float64 // seconds from the scenario's start
	from, to     float64 // rate at the start and the end
	area0, area1 float64 // iterations started before the stage, and after it
}

// rampSchedule is a piecewise-linear rate curve and its running integral.
type rampSchedule struct {
	segs []rampSegment
	cur  int // segment of the last at() call
}

// areaEpsilon absorbs floating-point error when an iteration falls exactly on
// a stage boundary or at the very end.
const areaEpsilon = 1e-9

func newRampSchedule(startRate int64, unit time.Duration, stages []config.Stage) *rampSchedule {
	perSec := 1 / unit.Seconds()
	s := &rampSchedule{}
	prev := float64(startRate) * perSec
	var t, area float64
	for _, st := range stages {
		d := st.Duration.D().Seconds()
		to := float64(st.Target) * perSec
		seg := rampSegment{start: t, dur: d, from: prev, to: to, area0: area}
		area += (prev + to) / 2 * d
		seg.area1 = area
		s.segs = append(s.segs, seg)
		prev, t = to, t+d
	}
	return s
}

func (s *rampSchedule) total() int64 {
	if len(s.segs) == 0 {
		return 0
	}
	a := s.segs[len(s.segs)-1].area1
	if a >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(math.Floor(a + areaEpsilon))
}

// at solves area(t) = k+1 within the stage that holds it.
func (s *rampSchedule) at(k int64) time.Duration {
	x := float64(k + 1)
	for s.cur < len(s.segs)-1 && s.segs[s.cur].area1+areaEpsilon < x {
		s.cur++
	}
	seg := s.segs[s.cur]
	c := x - seg.area0
	if c < 0 {
		c = 0
	}
	var t float64
	a := (seg.to - seg.from) / (2 * seg.dur)
	switch {
	case seg.dur <= 0:
		t = 0
	case math.Abs(a) < 1e-12:
		if seg.from > 0 {
			t = c / seg.from
		}
	default:
		// a t² + from t - c = 0, in the form stable for small a.
		disc := seg.from*seg.from + 4*a*c
		if disc < 0 {
			disc = 0
		}
		t = 2 * c / (seg.from + math.Sqrt(disc))
	}
	if t > seg.dur {
		t = seg.dur
	}
	return time.Duration((seg.start + t) * float64(time.Second))
}

func (s *rampSchedule) rate(elapsed time.Duration) float64 {
	e := elapsed.Seconds()
	for _, seg := range s.segs {
		if e < seg.start+seg.dur {
			if seg.dur <= 0 {
				return seg.to
			}
			return seg.from + (seg.to-seg.from)*(e-seg.start)/seg.dur
		}
	}
	if n := len(s.segs); n > 0 {
		return s.segs[n-1].to
	}
	return 0
}
