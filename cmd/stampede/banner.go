package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/stampede-load/stampede/cmd/stampede/version"
	"github.com/stampede-load/stampede/config"
)

// printBanner prints what is about to run, as k6 does before a test:
// script, outputs, and one line per scenario.
func printBanner(gs *globalState, t *testRun) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n  stampede %s\n\n", version.Version)
	fmt.Fprintf(&b, "     execution: local\n")
	fmt.Fprintf(&b, "        script: %s\n", t.script)
	outs := t.outputs.Descriptions()
	if len(outs) == 0 {
		outs = []string{"-"}
	}
	fmt.Fprintf(&b, "        output: %s\n", strings.Join(outs, ", "))
	if seg := config.String(t.cfg.ExecutionSegment, ""); seg != "" {
		fmt.Fprintf(&b, "       segment: %s (sequence %s)\n", seg, config.String(t.cfg.ExecutionSegmentSequence, "-"))
	}
	fmt.Fprintf(&b, "\n")
	var maxDur time.Duration
	for _, sc := range t.cfg.Scenarios {
		maxDur = max(maxDur, scenarioEnd(sc))
	}
	n := len(t.cfg.Scenarios)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	maxDurText := maxDur.String()
	if maxDur == unlimited {
		maxDurText = "unlimited"
	}
	fmt.Fprintf(&b, "     scenarios: %d scenario%s, %d max VUs, %s max duration (incl. graceful stop):\n",
		n, plural, t.engine.PlannedVUs(), maxDurText)
	for _, sc := range t.cfg.Scenarios {
		fmt.Fprintf(&b, "              * %s: %s\n", sc.Common().Name, describeScenario(sc))
	}
	b.WriteString("\n")
	_, _ = io.WriteString(gs.stdout, b.String())
}

// unlimited is the end of an externally-controlled scenario of duration 0:
// it runs until the test is stopped.
const unlimited = time.Duration(math.MaxInt64)

// scenarioEnd is when a scenario ends at the latest: startTime, its
// duration and gracefulStop (and gracefulRampDown, which never extends it
// past gracefulStop in practice but k6 counts the larger).
func scenarioEnd(sc config.Scenario) time.Duration {
	c := sc.Common()
	if s, ok := sc.(*config.ExternallyControlledConfig); ok && s.Duration == 0 {
		return unlimited
	}
	d := c.StartTime.D() + c.GracefulStop.D()
	switch s := sc.(type) {
	case *config.SharedIterationsConfig:
		d += s.MaxDuration.D()
	case *config.PerVUIterationsConfig:
		d += s.MaxDuration.D()
	case *config.ConstantVUsConfig:
		d += s.Duration.D()
	case *config.RampingVUsConfig:
		d += config.TotalDuration(s.Stages)
	case *config.ConstantArrivalRateConfig:
		d += s.Duration.D()
	case *config.RampingArrivalRateConfig:
		d += config.TotalDuration(s.Stages)
	case *config.ExternallyControlledConfig:
		d += s.Duration.D()
	}
	return d
}

// describeScenario renders k6's one-line description of a scenario.
func describeScenario(sc config.Scenario) string {
	c := sc.Common()
	var d string
	switch s := sc.(type) {
	case *config.SharedIterationsConfig:
		d = fmt.Sprintf("%d iterations shared among %d VUs (maxDuration: %s, gracefulStop: %s)", s.Iterations, s.VUs, s.MaxDuration, c.GracefulStop)
	case *config.PerVUIterationsConfig:
		d = fmt.Sprintf("%d iterations for each of %d VUs (maxDuration: %s, gracefulStop: %s)", s.Iterations, s.VUs, s.MaxDuration, c.GracefulStop)
	case *config.ConstantVUsConfig:
		d = fmt.Sprintf("%d looping VUs for %s (gracefulStop: %s)", s.VUs, s.Duration, c.GracefulStop)
	case *config.RampingVUsConfig:
		d = fmt.Sprintf("Up to %d looping VUs for %s over %d stages (gracefulRampDown: %s, gracefulStop: %s)",
			max(s.StartVUs, config.MaxTarget(s.Stages)), config.Duration(config.TotalDuration(s.Stages)), len(s.Stages), s.GracefulRampDown, c.GracefulStop)
	case *config.ConstantArrivalRateConfig:
		d = fmt.Sprintf("%.2f iterations/s for %s (maxVUs: %s, gracefulStop: %s)",
			float64(s.Rate)/s.TimeUnit.D().Seconds(), s.Duration, vuRange(s.PreAllocatedVUs, s.MaxVUs), c.GracefulStop)
	case *config.RampingArrivalRateConfig:
		d = fmt.Sprintf("Up to %.2f iterations/s for %s over %d stages (maxVUs: %s, gracefulStop: %s)",
			float64(max(s.StartRate, config.MaxTarget(s.Stages)))/s.TimeUnit.D().Seconds(), config.Duration(config.TotalDuration(s.Stages)),
			len(s.Stages), vuRange(s.PreAllocatedVUs, s.MaxVUs), c.GracefulStop)
	case *config.ExternallyControlledConfig:
		dur := s.Duration.String()
		if s.Duration == 0 {
			dur = "an unlimited"
		}
		d = fmt.Sprintf("Externally controlled execution with %d VUs, %d max VUs, %s duration", s.VUs, s.MaxVUs, dur)
	}
	var extra []string
	if c.Exec != config.DefaultExec {
		extra = append(extra, "exec: "+c.Exec)
	}
	if c.StartTime > 0 {
		extra = append(extra, "startTime: "+c.StartTime.String())
	}
	if len(extra) > 0 {
		d += ", " + strings.Join(extra, ", ")
	}
	return d
}

func vuRange(pre, max int64) string {
	if pre == max {
		return fmt.Sprint(max)
	}
	return fmt.Sprintf("%d-%d", pre, max)
}
