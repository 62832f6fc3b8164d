package metrics

import (
	"math/bits"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-load/stampede/config"
)

// ExpectedResponseSelector is the sub-metric of http_req_duration that always
// exists: `http_req_duration{expected_response:true}`.
const ExpectedResponseSelector = "expected_response:true"

// Names of system tags the engine reads to track checks, groups and scenarios.
const (
	tagCheck    = "check"
	tagGroup    = "group"
	tagScenario = "scenario"
)

// EngineOptions configure an Engine.
type EngineOptions struct {
	// Thresholds are the script's thresholds (options.thresholds).
	Thresholds map[string]config.Thresholds
	// NoThresholds disables thresholds entirely (--no-thresholds): they are
	// neither validated nor evaluated and create no sub-metrics.
	NoThresholds bool
	// Breakdown also aggregates every metric per scenario and per group
	// within a scenario, for `--summary-mode=full`. It costs two tag lookups
	// per sample, so leave it off otherwise.
	Breakdown bool
	// Elapsed returns the test run's duration so far; counter rates divide by
	// it and delayAbortEval compares with it. Default: time since NewEngine.
	Elapsed func() time.Duration
	// Shards is the number of independently locked aggregation shards,
	// rounded up to a power of two. Default: 2*GOMAXPROCS, at least 4.
	Shards int
}

// Engine is the metrics engine: it aggregates every sample of a test run into
// constant-memory sinks (one per metric and sub-metric), tracks checks and
// groups, and evaluates thresholds.
//
// Ingest is the hot path and is safe for concurrent use by many VUs: each
// call takes one shard lock for the whole batch (trying the other shards
// before waiting), never a lock per sample and never a channel send. Reads
// (Snapshot, Evaluate) merge the shards; sketches are mergeable, so the merged
// result is the same as one big sink.
type Engine struct {
	reg        *Registry
	elapsed    func() time.Duration
	breakdown  bool
	thresholds []MetricThresholds
	// subDefs are the sub-metrics of each metric name (immutable after NewEngine).
	subDefs map[string][]subDef

	shards []shard
	mask   uint64
	seq    atomic.Uint64
}

// subDef is a sub-metric definition: the samples of its parent whose tags
// contain Tags feed it too.
type subDef struct {
	key  MetricKey
	tags *TagSet
}

type checkKey struct{ scenario, group, name string }

type checkCount struct {
	passes, fails uint64
	first         time.Time
}

type groupKey struct{ scenario, path string }

type metricState struct {
	sink   Sink
	subs   []Sink // parallel to Engine.subDefs[name]
	defs   []subDef
	checks bool // the `checks` metric: count per check
	groups bool // the `group_duration` metric: remember group paths
}

type shard struct {
	mu        sync.Mutex
	metrics   map[*Metric]*metricState
	checks    map[checkKey]*checkCount
	groups    map[groupKey]time.Time
	breakdown map[groupKey]map[*Metric]Sink
	_         [64]byte // keep shards' locks on different cache lines
}

// NewEngine returns an Engine for the metrics of reg. With thresholds (and
// not NoThresholds), it compiles them first: every error wraps
// ErrInvalidThreshold. Call it after the script's init context has run, so
// custom metrics used by thresholds are registered.
func NewEngine(reg *Registry, opts EngineOptions) (*Engine, error) {
	e := &Engine{reg: reg, elapsed: opts.Elapsed, breakdown: opts.Breakdown, subDefs: make(map[string][]subDef)}
	if e.elapsed == nil {
		start := time.Now()
		e.elapsed = func() time.Duration { return time.Since(start) }
	}
	if !opts.NoThresholds && len(opts.Thresholds) > 0 {
		ths, err := CompileThresholds(reg, opts.Thresholds)
		if err != nil {
			return nil, err
		}
		e.thresholds = ths
	}
	e.addSub(MetricKey{Name: HTTPReqDurationName, Selector: ExpectedResponseSelector, Tags: NewTagSet(map[string]string{"expected_response": "true"})})
	for _, mt := range e.thresholds {
		if mt.Key.Selector != "" {
			e.addSub(mt.Key)
		}
	}

	n := opts.Shards
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	n = 1 << bits.Len(uint(n-1))
	e.shards = make([]shard, n)
	e.mask = uint64(n - 1)
	for i := range e.shards {
		sh := &e.shards[i]
		sh.metrics = make(map[*Metric]*metricState)
		sh.checks = make(map[checkKey]*checkCount)
		sh.groups = make(map[groupKey]time.Time)
		if e.breakdown {
			sh.breakdown = make(map[groupKey]map[*Metric]Sink)
		}
	}
	return e, nil
}

func (e *Engine) addSub(k MetricKey) {
	for _, d := range e.subDefs[k.Name] {
		if d.key.String() == k.String() {
			return
		}
	}
	e.subDefs[k.Name] = append(e.subDefs[k.Name], subDef{key: k, tags: k.Tags})
}

// Thresholds returns the compiled thresholds, sorted by key (nil without any).
func (e *Engine) Thresholds() []MetricThresholds { return e.thresholds }

// Registry returns the registry the engine aggregates.
func (e *Engine) Registry() *Registry { return e.reg }

// ReleasesBatches marks the Engine as a BatchReleaser: Ingest aggregates a
// batch's values and keeps nothing of it.
func (e *Engine) ReleasesBatches() {}

// Ingest aggregates a batch. It implements Ingester; it reads the batch and
// does not keep or modify it, so the same batch may also go to outputs (see Tee).
func (e *Engine) Ingest(batch []Sample) {
	if len(batch) == 0 {
		return
	}
	seq := e.seq.Add(1)
	sh := e.lockShard(seq)
	defer sh.mu.Unlock()

	var (
		lastM  *Metric
		lastSt *metricState
	)
	for i := range batch {
		s := &batch[i]
		if s.Metric == nil {
			continue
		}
		st := lastSt
		if s.Metric != lastM {
			st = sh.metrics[s.Metric]
			if st == nil {
				st = e.newMetricState(s.Metric)
				sh.metrics[s.Metric] = st
			}
			lastM, lastSt = s.Metric, st
		}
		st.sink.Add(s.Value, s.Time, seq)
		for j := range st.defs {
			if s.Tags.Contains(st.defs[j].tags) {
				st.subs[j].Add(s.Value, s.Time, seq)
			}
		}
		if st.checks {
			sh.countCheck(s)
		} else if st.groups {
			sh.seeGroup(s)
		}
		if e.breakdown {
			sh.addBreakdown(s, seq)
		}
	}
}

// lockShard locks a free shard if one is free, else waits for the preferred one.
func (e *Engine) lockShard(seq uint64) *shard {
	for i := uint64(0); i <= e.mask; i++ {
		sh := &e.shards[(seq+i)&e.mask]
		if sh.mu.TryLock() {
			return sh
		}
	}
	sh := &e.shards[seq&e.mask]
	sh.mu.Lock()
	return sh
}

func (e *Engine) newMetricState(m *Metric) *metricState {
	st := &metricState{sink: NewSink(m.Type), checks: m.Name == ChecksName, groups: m.Name == GroupDurationName}
	if defs := e.subDefs[m.Name]; len(defs) > 0 {
		st.defs = defs
		st.subs = make([]Sink, len(defs))
		for i := range defs {
			st.subs[i] = NewSink(m.Type)
		}
	}
	return st
}

func (sh *shard) countCheck(s *Sample) {
	name, ok := s.Tags.Get(tagCheck)
	if !ok {
		return
	}
	group, _ := s.Tags.Get(tagGroup)
	scenario, _ := s.Tags.Get(tagScenario)
	k := checkKey{scenario: scenario, group: group, name: name}
	c := sh.checks[k]
	if c == nil {
		c = &checkCount{first: s.Time}
		sh.checks[k] = c
		sh.seeGroupPath(scenario, group, s.Time)
	}
	if s.Time.Before(c.first) {
		c.first = s.Time
	}
	if s.Value != 0 {
		c.passes++
	} else {
		c.fails++
	}
}

func (sh *shard) seeGroup(s *Sample) {
	group, _ := s.Tags.Get(tagGroup)
	scenario, _ := s.Tags.Get(tagScenario)
	sh.seeGroupPath(scenario, group, s.Time)
}

func (sh *shard) seeGroupPath(scenario, path string, t time.Time) {
	if path == "" {
		return
	}
	k := groupKey{scenario: scenario, path: path}
	if first, ok := sh.groups[k]; !ok || t.Before(first) {
		sh.groups[k] = t
	}
}

func (sh *shard) addBreakdown(s *Sample, seq uint64) {
	scenario, ok := s.Tags.Get(tagScenario)
	if !ok || scenario == "" {
		return
	}
	group, _ := s.Tags.Get(tagGroup)
	sh.breakdownSink(groupKey{scenario: scenario}, s.Metric).Add(s.Value, s.Time, seq)
	if group != "" {
		sh.breakdownSink(groupKey{scenario: scenario, path: group}, s.Metric).Add(s.Value, s.Time, seq)
	}
}

func (sh *shard) breakdownSink(k groupKey, m *Metric) Sink {
	ms := sh.breakdown[k]
	if ms == nil {
		ms = make(map[*Metric]Sink)
		sh.breakdown[k] = ms
	}
	s := ms[m]
	if s == nil {
		s = NewSink(m.Type)
		ms[m] = s
	}
	return s
}

// MetricSnapshot is the aggregated state of one metric or sub-metric.
type MetricSnapshot struct {
	// Key is the metric's name and, for a sub-metric, its selector.
	Key    MetricKey
	Metric *Metric
	// Sink holds the merged values; it belongs to the snapshot.
	Sink Sink
	// Thresholds are the results of the thresholds on this key (nil if none).
	Thresholds []ThresholdResult
}

// CheckSnapshot counts the passes and fails of one check in one group (and
// scenario: "" for checks outside any scenario, e.g. in setup).
type CheckSnapshot struct {
	Scenario, Group, Name string
	Passes, Fails         uint64
	// First is when the check first ran; checks are listed in this order.
	First time.Time
}

// GroupSnapshot is one group path seen during the run.
type GroupSnapshot struct {
	Scenario, Path string
	First          time.Time
}

// Breakdown is the per-scenario or per-group aggregation of every metric
// (only with EngineOptions.Breakdown).
type Breakdown struct {
	Scenario string
	Group    string // "" for the whole scenario
	Metrics  map[string]*MetricSnapshot
}

// Snapshot is a point-in-time copy of everything the engine aggregated. It is
// independent of the engine, but not safe for concurrent use (reading a
// trend's percentiles sorts its sketch buffer).
type Snapshot struct {
	// Elapsed is the test run duration the snapshot was taken at; counter
	// rates in thresholds were computed with it.
	Elapsed time.Duration
	// Metrics are keyed by `name` or `name{selector}`. A metric is present
	// when it has samples or thresholds; the expected_response sub-metric of
	// http_req_duration whenever http_req_duration is.
	Metrics map[string]*MetricSnapshot
	// Checks in the order they first ran (then by group and name).
	Checks []CheckSnapshot
	// Groups in the order they were first seen.
	Groups []GroupSnapshot
	// Breakdowns per scenario and per group, sorted by scenario then by first
	// appearance of the group (nil without EngineOptions.Breakdown).
	Breakdowns []*Breakdown
	// Crossed lists the keys with a failed threshold, sorted.
	Crossed []string
}

// Snapshot merges every shard into a Snapshot and evaluates the thresholds
// on it.
func (e *Engine) Snapshot() *Snapshot {
	return e.snapshot(e.elapsed(), false)
}

func (e *Engine) snapshot(elapsed time.Duration, onlyThresholds bool) *Snapshot {
	type agg struct {
		m    *Metric
		sink Sink
		subs []Sink
		defs []subDef
	}
	merged := make(map[*Metric]*agg)
	checks := make(map[checkKey]*checkCount)
	groups := make(map[groupKey]time.Time)
	var bd map[groupKey]map[*Metric]Sink
	if e.breakdown && !onlyThresholds {
		bd = make(map[groupKey]map[*Metric]Sink)
	}
	var wanted map[string]bool
	if onlyThresholds {
		wanted = make(map[string]bool, len(e.thresholds))
		for _, mt := range e.thresholds {
			wanted[mt.Key.Name] = true
		}
	}
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		for m, st := range sh.metrics {
			if wanted != nil && !wanted[m.Name] {
				continue
			}
			a := merged[m]
			if a == nil {
				a = &agg{m: m, sink: st.sink.Clone(), defs: st.defs, subs: make([]Sink, len(st.subs))}
				for j, s := range st.subs {
					a.subs[j] = s.Clone()
				}
				merged[m] = a
				continue
			}
			a.sink.Merge(st.sink)
			for j, s := range st.subs {
				a.subs[j].Merge(s)
			}
		}
		if !onlyThresholds {
			for k, c := range sh.checks {
				t := checks[k]
				if t == nil {
					cp := *c
					checks[k] = &cp
					continue
				}
				t.passes += c.passes
				t.fails += c.fails
				if c.first.Before(t.first) {
					t.first = c.first
				}
			}
			for k, first := range sh.groups {
				if t, ok := groups[k]; !ok || first.Before(t) {
					groups[k] = first
				}
			}
			for k, ms := range sh.breakdown {
				dst := bd[k]
				if dst == nil {
					dst = make(map[*Metric]Sink, len(ms))
					bd[k] = dst
				}
				for m, s := range ms {
					if d := dst[m]; d != nil {
						d.Merge(s)
					} else {
						dst[m] = s.Clone()
					}
				}
			}
		}
		sh.mu.Unlock()
	}

	snap := &Snapshot{Elapsed: elapsed, Metrics: make(map[string]*MetricSnapshot, len(merged)*2)}
	for m, a := range merged {
		snap.Metrics[m.Name] = &MetricSnapshot{Key: MetricKey{Name: m.Name}, Metric: m, Sink: a.sink}
		for j, d := range a.defs {
			snap.Metrics[d.key.String()] = &MetricSnapshot{Key: d.key, Metric: m, Sink: a.subs[j]}
		}
	}
	crossed := make(map[string]bool)
	for _, mt := range e.thresholds {
		key := mt.Key.String()
		ms := snap.Metrics[key]
		if ms == nil { // no samples yet: evaluate on an empty sink
			ms = &MetricSnapshot{Key: mt.Key, Metric: mt.Metric, Sink: NewSink(mt.Metric.Type)}
			snap.Metrics[key] = ms
		}
		ms.Thresholds = evaluateThresholds(mt.Thresholds, ms.Sink, elapsed)
		for _, r := range ms.Thresholds {
			if !r.OK {
				crossed[key] = true
			}
		}
	}
	for k := range crossed {
		snap.Crossed = append(snap.Crossed, k)
	}
	sort.Strings(snap.Crossed)
	if onlyThresholds {
		return snap
	}

	for k, c := range checks {
		snap.Checks = append(snap.Checks, CheckSnapshot{Scenario: k.scenario, Group: k.group, Name: k.name, Passes: c.passes, Fails: c.fails, First: c.first})
	}
	sort.Slice(snap.Checks, func(i, j int) bool {
		a, b := snap.Checks[i], snap.Checks[j]
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Scenario < b.Scenario
	})
	for k, first := range groups {
		snap.Groups = append(snap.Groups, GroupSnapshot{Scenario: k.scenario, Path: k.path, First: first})
	}
	sort.Slice(snap.Groups, func(i, j int) bool {
		a, b := snap.Groups[i], snap.Groups[j]
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Scenario < b.Scenario
	})
	if bd != nil {
		snap.Breakdowns = buildBreakdowns(bd, groups)
	}
	return snap
}

func buildBreakdowns(bd map[groupKey]map[*Metric]Sink, groups map[groupKey]time.Time) []*Breakdown {
	out := make([]*Breakdown, 0, len(bd))
	for k, ms := range bd {
		b := &Breakdown{Scenario: k.scenario, Group: k.path, Metrics: make(map[string]*MetricSnapshot, len(ms))}
		for m, s := range ms {
			b.Metrics[m.Name] = &MetricSnapshot{Key: MetricKey{Name: m.Name}, Metric: m, Sink: s}
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Scenario != b.Scenario {
			return a.Scenario < b.Scenario
		}
		if (a.Group == "") != (b.Group == "") {
			return a.Group == ""
		}
		fa, fb := groups[groupKey{a.Scenario, a.Group}], groups[groupKey{b.Scenario, b.Group}]
		if !fa.Equal(fb) {
			return fa.Before(fb)
		}
		return a.Group < b.Group
	})
	return out
}

// Evaluate evaluates the thresholds on the current aggregates. It returns the
// keys of the (sub-)metrics with a failed threshold, sorted, and whether the
// run must stop now: a failed threshold has abortOnFail and its
// delayAbortEval has passed. final is the evaluation at the end of the run,
// which never asks to abort. It matches engine.ThresholdEvaluator; the engine
// calls it every 2 s during the run and once at the end.
func (e *Engine) Evaluate(final bool) (crossed []string, abort bool) {
	if len(e.thresholds) == 0 {
		return nil, false
	}
	elapsed := e.elapsed()
	snap := e.snapshot(elapsed, true)
	if !final {
		for _, key := range snap.Crossed {
			for _, r := range snap.Metrics[key].Thresholds {
				if !r.OK && r.AbortOnFail && elapsed >= r.DelayAbortEval {
					abort = true
				}
			}
		}
	}
	return snap.Crossed, abort
}

// Tee returns an Ingester that hands every batch to each of dst in order. The
// destinations must treat the batch as read-only (Engine.Ingest and the output
// manager do); the last may keep it.
func Tee(dst ...Ingester) Ingester {
	return IngesterFunc(func(batch []Sample) {
		for _, d := range dst {
			d.Ingest(batch)
		}
	})
}
