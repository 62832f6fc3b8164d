package summary

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/stampede-load/stampede/metrics"
)

// minColonColumn is the column of the ':' after a metric name in k6's v1
// summary (4 spaces of indentation plus 35 for name and dots). Longer names
// push it right for the whole summary, keeping every value aligned.
const minColonColumn = 39

// Categories of the TOTAL RESULTS part, in k6's order (user metrics first).
const (
	catCustom    = "CUSTOM"
	catHTTP      = "HTTP"
	catExecution = "EXECUTION"
	catNetwork   = "NETWORK"
)

var categoryOrder = []string{catCustom, catHTTP, catExecution, catNetwork}

// builtinCategory places k6's built-in metrics; full says whether the metric
// is shown only with --summary-mode=full, thresholdsOnly that it is shown
// only when it has thresholds (group_duration, absent from k6's v1 summary).
// The checks metric has its own block.
var builtinCategory = map[string]struct {
	cat            string
	full           bool
	thresholdsOnly bool
}{
	metrics.HTTPReqsName:              {catHTTP, false, false},
	metrics.HTTPReqFailedName:         {catHTTP, false, false},
	metrics.HTTPReqDurationName:       {catHTTP, false, false},
	metrics.HTTPReqBlockedName:        {catHTTP, true, false},
	metrics.HTTPReqConnectingName:     {catHTTP, true, false},
	metrics.HTTPReqTLSHandshakingName: {catHTTP, true, false},
	metrics.HTTPReqSendingName:        {catHTTP, true, false},
	metrics.HTTPReqWaitingName:        {catHTTP, true, false},
	metrics.HTTPReqReceivingName:      {catHTTP, true, false},
	metrics.IterationsName:            {catExecution, false, false},
	metrics.IterationDurationName:     {catExecution, false, false},
	metrics.DroppedIterationsName:     {catExecution, false, false},
	metrics.VUsName:                   {catExecution, false, false},
	metrics.VUsMaxName:                {catExecution, false, false},
	metrics.DataSentName:              {catNetwork, false, false},
	metrics.DataReceivedName:          {catNetwork, false, false},
	metrics.ChecksName:                {"", false, false},
	metrics.GroupDurationName:         {catExecution, true, true},
}

// palette are the ANSI decorations of a coloured summary.
type palette struct{ on bool }

func (p palette) wrap(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
func (p palette) green(s string) string { return p.wrap("32", s) }
func (p palette) red(s string) string   { return p.wrap("31", s) }
func (p palette) cyan(s string) string  { return p.wrap("36", s) }
func (p palette) faint(s string) string { return p.wrap("2", s) }
func (p palette) bold(s string) string  { return p.wrap("1", s) }

// metricLine is one `name....: values` line before alignment.
type metricLine struct {
	indent int
	name   string
	parts  []string
	trend  bool
}

// checkItem is one check of a block's check list.
type checkItem struct {
	name          string
	passes, fails uint64
}

// block is a part of the summary with its own column alignment: TOTAL
// RESULTS, a scenario, or a group inside a scenario.
type block struct {
	header   string // "█ TOTAL RESULTS", "█ SCENARIO: x", "↳ GROUP: y"
	hIndent  int    // indentation of the header
	indent   int    // indentation of the content
	checks   []checkItem
	sections map[string][]metricLine
	children []*block
}

func (b *block) empty() bool {
	n := len(b.checks) + len(b.children)
	for _, ls := range b.sections {
		n += len(ls)
	}
	return n == 0
}

// Text renders k6's v1 end-of-test text summary. color adds ANSI colours; the
// caller decides (stdout is a terminal and --no-color is not set).
func (s *Summary) Text(color bool) string {
	var b strings.Builder
	_ = s.WriteText(&b, color)
	return b.String()
}

// WriteText writes Text(color) to w.
func (s *Summary) WriteText(w io.Writer, color bool) error {
	p := palette{on: color}
	blocks := []*block{s.totalBlock()}
	if s.opts.Mode == ModeFull {
		blocks = append(blocks, s.scenarioBlocks()...)
	}
	colon := minColonColumn
	var walk func(b *block)
	walk = func(b *block) {
		for _, ls := range b.sections {
			for _, l := range ls {
				colon = max(colon, l.indent+utf8.RuneCountInString(l.name)+3)
			}
		}
		for _, c := range b.children {
			walk(c)
		}
	}
	for _, b := range blocks {
		walk(b)
	}

	var out []string
	out = append(out, "")
	out = append(out, s.thresholdLines(p)...)
	for i, b := range blocks {
		if i > 0 || len(out) > 1 {
			out = append(out, "")
		}
		out = append(out, renderBlock(b, colon, s.duration.Seconds(), p)...)
	}
	_, err := io.WriteString(w, strings.Join(out, "\n")+"\n")
	return err
}

// thresholdLines renders the █ THRESHOLDS part (nothing without thresholds).
func (s *Summary) thresholdLines(p palette) []string {
	var keys []string
	for k, mv := range s.metrics {
		if len(mv.thresholds) > 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	out := []string{"  " + p.bold("█ THRESHOLDS"), ""}
	for i, k := range keys {
		if i > 0 {
			out = append(out, "")
		}
		mv := s.metrics[k]
		out = append(out, "    "+k)
		for _, t := range mv.thresholds {
			obs := t.agg.String() + "=" + s.thresholdValue(t, mv.metric)
			if t.ok {
				out = append(out, "    "+p.green("✓ '"+t.source+"'")+" "+obs)
			} else {
				out = append(out, "    "+p.red("✗ '"+t.source+"'")+" "+obs)
			}
		}
	}
	return append(out, "")
}

func (s *Summary) thresholdValue(t thresholdView, m *metrics.Metric) string {
	if m.Type == metrics.Counter && t.agg.Kind == metrics.AggRate {
		return humanizePerSecond(t.observed, m, s.opts.TimeUnit)
	}
	return humanizeValue(t.observed, m, s.opts.TimeUnit)
}

// totalBlock is █ TOTAL RESULTS: every check and every shown metric, with
// the sub-metrics that thresholds use (and expected_response) under theirs.
func (s *Summary) totalBlock() *block {
	b := &block{header: "█ TOTAL RESULTS", hIndent: 2, indent: 4, sections: map[string][]metricLine{}}
	b.checks = mergeChecks(s.checks, func(metrics.CheckSnapshot) bool { return true })
	subs := map[string][]*metricView{}
	for _, mv := range s.metrics {
		if mv.key.Selector != "" && (len(mv.thresholds) > 0 || mv.key.Selector == metrics.ExpectedResponseSelector) {
			subs[mv.key.Name] = append(subs[mv.key.Name], mv)
		}
	}
	for _, name := range sortedKeys(s.metrics) {
		mv := s.metrics[name]
		if mv.key.Selector != "" {
			continue
		}
		cat, ok := s.category(name, hasThresholds(mv, subs[name]))
		if !ok {
			continue
		}
		b.sections[cat] = append(b.sections[cat], s.metricLine(b.indent, name, mv))
		sort.Slice(subs[name], func(i, j int) bool { return subs[name][i].key.String() < subs[name][j].key.String() })
		for _, sub := range subs[name] {
			b.sections[cat] = append(b.sections[cat], s.metricLine(b.indent+2, "{ "+sub.key.Selector+" }", sub))
		}
	}
	return b
}

func hasThresholds(mv *metricView, subs []*metricView) bool {
	if len(mv.thresholds) > 0 {
		return true
	}
	for _, s := range subs {
		if len(s.thresholds) > 0 {
			return true
		}
	}
	return false
}

// category returns the section of a metric, and false when it is not shown
// in this mode. Metrics with thresholds are always shown.
func (s *Summary) category(name string, thresholds bool) (string, bool) {
	bc, builtin := builtinCategory[name]
	if !builtin {
		return catCustom, true
	}
	switch {
	case bc.cat == "":
		return "", false
	case bc.thresholdsOnly:
		return bc.cat, thresholds
	}
	return bc.cat, !bc.full || s.opts.Mode == ModeFull || thresholds
}

// scenarioBlocks are the █ SCENARIO parts of the full summary, each with its
// ↳ GROUP parts nested by group path.
func (s *Summary) scenarioBlocks() []*block {
	var out []*block
	byScenario := map[string]*block{}
	groupBlocks := map[[2]string]*block{}
	for _, bd := range s.breakdowns {
		if bd.group == "" {
			b := &block{header: "█ SCENARIO: " + bd.scenario, hIndent: 2, indent: 4}
			sc := bd.scenario
			b.checks = mergeChecks(s.checks, func(c metrics.CheckSnapshot) bool { return c.Scenario == sc })
			b.sections = s.breakdownSections(bd, b.indent)
			byScenario[bd.scenario] = b
			out = append(out, b)
		}
	}
	for _, bd := range s.breakdowns { // sorted: a parent group comes before its children
		if bd.group == "" {
			continue
		}
		parent := byScenario[bd.scenario]
		if parent == nil {
			continue
		}
		for path := bd.group; ; {
			i := strings.LastIndex(path, "::")
			if i <= 0 {
				break
			}
			path = path[:i]
			if g := groupBlocks[[2]string{bd.scenario, path}]; g != nil {
				parent = g
				break
			}
		}
		name := bd.group
		if i := strings.LastIndex(name, "::"); i >= 0 {
			name = name[i+2:]
		}
		g := &block{header: "↳ GROUP: " + name, hIndent: parent.indent, indent: parent.indent + 2}
		sc, path := bd.scenario, bd.group
		g.checks = mergeChecks(s.checks, func(c metrics.CheckSnapshot) bool { return c.Scenario == sc && c.Group == path })
		g.sections = s.breakdownSections(bd, g.indent)
		groupBlocks[[2]string{bd.scenario, bd.group}] = g
		parent.children = append(parent.children, g)
	}
	// Drop groups with nothing to show (e.g. only group_duration).
	var prune func(b *block)
	prune = func(b *block) {
		kept := b.children[:0]
		for _, c := range b.children {
			prune(c)
			if !c.empty() {
				kept = append(kept, c)
			}
		}
		b.children = kept
	}
	for _, b := range out {
		prune(b)
	}
	return out
}

func (s *Summary) breakdownSections(bd *breakdownView, indent int) map[string][]metricLine {
	secs := map[string][]metricLine{}
	for _, name := range sortedKeys(bd.metrics) {
		cat, ok := s.category(name, false)
		if !ok {
			continue
		}
		secs[cat] = append(secs[cat], s.metricLine(indent, name, bd.metrics[name]))
	}
	return secs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mergeChecks sums the checks that keep says to keep by name, in the order
// they first ran.
func mergeChecks(all []metrics.CheckSnapshot, keep func(metrics.CheckSnapshot) bool) []checkItem {
	var out []checkItem
	idx := map[string]int{}
	for _, c := range all {
		if !keep(c) {
			continue
		}
		i, ok := idx[c.Name]
		if !ok {
			i = len(out)
			idx[c.Name] = i
			out = append(out, checkItem{name: c.Name})
		}
		out[i].passes += c.Passes
		out[i].fails += c.Fails
	}
	return out
}

// metricLine formats one metric's values into columns.
func (s *Summary) metricLine(indent int, name string, mv *metricView) metricLine {
	m, tu, v := mv.metric, s.opts.TimeUnit, mv.values
	l := metricLine{indent: indent, name: name}
	switch m.Type {
	case metrics.Counter:
		l.parts = []string{humanizeValue(v["count"], m, tu), humanizePerSecond(v["rate"], m, tu)}
	case metrics.Gauge:
		l.parts = []string{humanizeValue(v["value"], m, tu), "min=" + humanizeValue(v["min"], m, tu), "max=" + humanizeValue(v["max"], m, tu)}
	case metrics.Rate:
		l.parts = []string{humanizeRate(v["rate"]), jsNumber(v["passes"]) + " out of " + jsNumber(v["passes"]+v["fails"])}
	case metrics.Trend:
		l.trend = true
		for i, a := range s.stats {
			stat := s.opts.TrendStats[i]
			text := humanizeValue(v[stat], m, tu)
			if a.Kind == metrics.AggCount {
				text = jsNumber(v[stat])
			}
			l.parts = append(l.parts, stat+"="+text)
		}
	}
	return l
}

// checkLines renders the checks_total/succeeded/failed lines of a block.
func checkLines(b *block, duration float64) []metricLine {
	var passes, fails uint64
	for _, c := range b.checks {
		passes += c.passes
		fails += c.fails
	}
	total := passes + fails
	rate := 0.0
	if duration > 0 {
		rate = float64(total) / duration
	}
	share := func(n uint64) float64 {
		if total == 0 {
			return 0
		}
		return float64(n) / float64(total)
	}
	return []metricLine{
		{indent: b.indent, name: "checks_total", parts: []string{jsNumber(float64(total)), fixedNoTrailingZeros(rate, 6) + "/s"}},
		{indent: b.indent, name: "checks_succeeded", parts: []string{humanizeRate(share(passes)), fmt.Sprintf("%d out of %d", passes, total)}},
		{indent: b.indent, name: "checks_failed", parts: []string{humanizeRate(share(fails)), fmt.Sprintf("%d out of %d", fails, total)}},
	}
}

// columnWidths returns the widest part of each column over lines.
func columnWidths(lines []metricLine) []int {
	var w []int
	for _, l := range lines {
		for i, p := range l.parts {
			if i >= len(w) {
				w = append(w, 0)
			}
			w[i] = max(w[i], utf8.RuneCountInString(p))
		}
	}
	return w
}

func renderBlock(b *block, colon int, seconds float64, p palette) []string {
	pad := func(n int) string { return strings.Repeat(" ", max(n, 0)) }
	out := []string{pad(b.hIndent) + p.bold(b.header), ""}
	render := func(l metricLine, widths []int) string {
		var sb strings.Builder
		sb.WriteString(pad(l.indent))
		sb.WriteString(l.name)
		sb.WriteString(p.faint(strings.Repeat(".", colon-l.indent-utf8.RuneCountInString(l.name)) + ":"))
		for i, part := range l.parts {
			sb.WriteByte(' ')
			sb.WriteString(p.cyan(part))
			if i < len(l.parts)-1 {
				sb.WriteString(pad(widths[i] - utf8.RuneCountInString(part)))
			}
		}
		return sb.String()
	}
	if len(b.checks) > 0 {
		cl := checkLines(b, seconds)
		w := columnWidths(cl)
		for _, l := range cl {
			out = append(out, render(l, w))
		}
		out = append(out, "")
		for _, c := range b.checks {
			if c.fails == 0 {
				out = append(out, pad(b.indent)+p.green("✓ "+c.name))
				continue
			}
			out = append(out, pad(b.indent)+p.red("✗ "+c.name))
			pct := math.Floor(100 * float64(c.passes) / float64(c.passes+c.fails))
			out = append(out, pad(b.indent+2)+p.red(fmt.Sprintf("↳  %s%% — ✓ %d / ✗ %d", jsNumber(pct), c.passes, c.fails)))
		}
		out = append(out, "")
	}
	var plain, trends []metricLine
	for _, ls := range b.sections {
		for _, l := range ls {
			if l.trend {
				trends = append(trends, l)
			} else {
				plain = append(plain, l)
			}
		}
	}
	pw, tw := columnWidths(plain), columnWidths(trends)
	for _, cat := range categoryOrder {
		ls := b.sections[cat]
		if len(ls) == 0 {
			continue
		}
		out = append(out, pad(b.indent)+cat)
		for _, l := range ls {
			w := pw
			if l.trend {
				w = tw
			}
			out = append(out, render(l, w))
		}
		out = append(out, "")
	}
	for _, c := range b.children {
		out = append(out, renderBlock(c, colon, seconds, p)...)
	}
	// Blocks end with exactly one blank line.
	for len(out) > 2 && out[len(out)-1] == "" && out[len(out)-2] == "" {
		out = out[:len(out)-1]
	}
	return out
}
