package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/stampede-load/stampede/engine"
)

// progress shows the run's progress on stdout: on a terminal, one line per
// scenario (bar, VUs, iterations or rate, elapsed/total) redrawn in place;
// otherwise plain lines every plainProgressEvery; nothing with -q. While it
// redraws in place, log lines are written above the progress block.
type progress struct {
	gs    *globalState
	eng   *engine.Engine
	quiet bool
	tty   bool

	mu    sync.Mutex
	lines int // lines of the block currently on screen (TTY)
	done  chan struct{}
	wg    sync.WaitGroup

	prevLogOut io.Writer
}

func newProgress(gs *globalState, eng *engine.Engine, quiet bool) *progress {
	return &progress{gs: gs, eng: eng, quiet: quiet, tty: gs.stdoutTTY, done: make(chan struct{})}
}

func (p *progress) start() {
	if p.quiet {
		return
	}
	every := p.gs.plainProgressEvery
	if p.tty {
		every = p.gs.ttyProgressEvery
		p.prevLogOut = p.gs.logger.Out
		p.gs.logger.SetOutput(&aboveProgress{p: p, w: p.prevLogOut})
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.render(false)
			case <-p.done:
				return
			}
		}
	}()
}

// stop draws the final state and ends the display.
func (p *progress) stop() {
	if p.quiet {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.render(true)
	if p.tty {
		p.gs.logger.SetOutput(p.prevLogOut)
	}
}

func (p *progress) render(final bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lines := progressLines(p.eng, final)
	var b strings.Builder
	if p.tty {
		p.clearLocked(&b)
		for _, l := range lines {
			b.WriteString(l)
			b.WriteString("\x1b[K\n")
		}
		p.lines = len(lines)
		if final {
			p.lines = 0 // keep the last state on screen
			b.WriteString("\n")
		}
	} else {
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		b.WriteByte('\n')
	}
	_, _ = io.WriteString(p.gs.stdout, b.String())
}

// clearLocked moves the cursor to the top of the drawn block, clearing it.
func (p *progress) clearLocked(b *strings.Builder) {
	for i := 0; i < p.lines; i++ {
		b.WriteString("\x1b[1A\x1b[2K")
	}
	p.lines = 0
}

// aboveProgress writes log lines above the progress block: it clears the
// block first; the next tick redraws it below.
type aboveProgress struct {
	p *progress
	w io.Writer
}

func (a *aboveProgress) Write(b []byte) (int, error) {
	a.p.mu.Lock()
	defer a.p.mu.Unlock()
	if a.p.lines > 0 {
		var sb strings.Builder
		a.p.clearLocked(&sb)
		_, _ = io.WriteString(a.p.gs.stdout, sb.String())
	}
	return a.w.Write(b)
}

const barWidth = 40

// progressLines renders the header and one line per scenario, k6 style:
//
//	running (0m12.3s), 10/10 VUs, 123 complete and 0 interrupted iterations
//	default   [=====>                                  ] 10 VUs  0m12.3s/30s
func progressLines(eng *engine.Engine, final bool) []string {
	scs := eng.Progress()
	state := "running"
	if final {
		state = "finished"
	}
	lines := []string{fmt.Sprintf("%s (%s), %d/%d VUs, %d complete and %d interrupted iterations",
		state, fmtElapsed(eng.CurrentTestRunDuration()), eng.VUsActive(), eng.VUsInitialized(),
		eng.IterationsCompleted(), eng.IterationsInterrupted())}
	width := 0
	for _, s := range scs {
		width = max(width, len(s.Name))
	}
	for _, s := range scs {
		mark := " "
		if s.Finished {
			mark = "✓"
		}
		filled := int(s.Fraction * barWidth)
		bar := strings.Repeat("=", filled)
		if filled < barWidth {
			if filled > 0 {
				bar = bar[:filled-1] + ">"
			}
			bar += strings.Repeat("-", barWidth-filled)
		}
		vus := fmt.Sprintf("%d VUs", s.VUs)
		if s.MaxVUs > 0 && (s.Executor == "constant-arrival-rate" || s.Executor == "ramping-arrival-rate" || s.Executor == "ramping-vus" || s.Executor == "externally-controlled") {
			vus = fmt.Sprintf("%d/%d VUs", s.VUs, s.MaxVUs)
		}
		line := fmt.Sprintf("%-*s %s [%s] %s  %s/%s", width, s.Name, mark, bar, vus, fmtElapsed(s.Elapsed), fmtTotal(s.Total))
		if s.Detail != "" {
			line += "  " + s.Detail
		}
		lines = append(lines, line)
	}
	return lines
}

// fmtElapsed renders k6's "0m12.3s".
func fmtElapsed(d time.Duration) string {
	d = d.Truncate(100 * time.Millisecond)
	m := d / time.Minute
	s := float64(d%time.Minute) / float64(time.Second)
	return fmt.Sprintf("%dm%04.1fs", m, s)
}

func fmtTotal(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return d.String()
}
