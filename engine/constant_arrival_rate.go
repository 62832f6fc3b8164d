package engine

import (
	"math"
	"math/bits"
	"time"

	"github.com/stampede-load/stampede/config"
)

// constantArrivalRate starts rate iterations per timeUnit, evenly spaced from
// the scenario's start (the first at once), for duration.
type constantArrivalRate struct {
	arrivalRate
	cfg *config.ConstantArrivalRateConfig
}

func newConstantArrivalRate(e *Engine, c *config.ConstantArrivalRateConfig) *constantArrivalRate {
	length, _ := e.tuple.Segment().Length().Float64()
	return &constantArrivalRate{
		arrivalRate: arrivalRate{
			scenarioBase: newScenarioBase(e, c),
			sched:        constantSchedule{perUnit: c.Rate, unit: c.TimeUnit.D(), dur: c.Duration.D()},
			duration:     c.Duration.D(),
			preAlloc:     e.tuple.Scale(c.PreAllocatedVUs),
			maxVUs:       e.tuple.Scale(c.MaxVUs),
			segLength:    length,
		},
		cfg: c,
	}
}

// constantSchedule: iteration k starts at k*unit/rate, for every start
// before dur. Integer arithmetic (128-bit intermediates) keeps it exact.
type constantSchedule struct {
	perUnit int64
	unit    time.Duration
	dur     time.Duration
}

func (c constantSchedule) total() int64 {
	if c.perUnit <= 0 || c.unit <= 0 || c.dur <= 0 {
		return 0
	}
	// ceil(dur*rate/unit): the starts k*unit/rate that fall before dur.
	hi, lo := bits.Mul64(uint64(c.dur), uint64(c.perUnit))
	if hi >= uint64(c.unit) {
		return math.MaxInt64
	}
	q, rem := bits.Div64(hi, lo, uint64(c.unit))
	if rem > 0 {
		q++
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

func (c constantSchedule) at(k int64) time.Duration {
	hi, lo := bits.Mul64(uint64(k), uint64(c.unit))
	if hi >= uint64(c.perUnit) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c.perUnit))
	return time.Duration(q)
}

func (c constantSchedule) rate(time.Duration) float64 {
	return float64(c.perUnit) / c.unit.Seconds()
}
