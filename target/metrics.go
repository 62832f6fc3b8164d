package target

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// route identifies an API route, for dispatch and the route metric label.
type route uint8

const (
	routeUnmatched route = iota
	routeAuth
	routeMe
	routeWebhook
	routeJoin
	routeLeave
	routeStatus
	routeSession
	routeSessionEnd
	routeHealthz
	routeMetrics
	numRoutes
)

// routeNames are the route label values (the spec's path patterns).
var routeNames = [numRoutes]string{
	routeUnmatched:  "unmatched",
	routeAuth:       "/auth/anonymous",
	routeMe:         "/me",
	routeWebhook:    "/webhooks/stripe",
	routeJoin:       "/queue/join",
	routeLeave:      "/queue/leave",
	routeStatus:     "/queue/status",
	routeSession:    "/sessions/{id}",
	routeSessionEnd: "/sessions/{id}/end",
	routeHealthz:    "/healthz",
	routeMetrics:    "/metrics",
}

// counterRef boxes a prometheus.Counter for an atomic.Pointer.
type counterRef struct{ c prometheus.Counter }

// routeInstruments caches one route's children of the request metrics so the
// request path does no label hashing or map lookups.
type routeInstruments struct {
	duration prometheus.Observer
	codes    [500]atomic.Pointer[counterRef] // by status code - 100
}

// serverMetrics is a Server's Prometheus registry and request metrics.
type serverMetrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	routes   [numRoutes]routeInstruments
}

// newMetrics builds a dedicated registry exposing st's state (the global
// registry is never touched: several Servers may share a process).
func newMetrics(st *store) *serverMetrics {
	reg := prometheus.NewRegistry()
	m := &serverMetrics{reg: reg}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "staging_http_requests_total",
		Help: "HTTP requests served, by route pattern and status code.",
	}, []string{"route", "code"})
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "staging_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by route pattern, in seconds.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	for r := range numRoutes {
		m.routes[r].duration = durations.WithLabelValues(routeNames[r])
	}
	counter := func(name, help string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v.Load()) })
	}
	reg.MustRegister(
		m.requests, durations,
		counter("staging_users_total", "Anonymous users created.", &st.c.users),
		counter("staging_sessions_started_total", "Sessions started by the matching worker.", &st.c.sessionsStarted),
		counter("staging_tokens_credited_total", "Tokens credited by Stripe webhooks.", &st.c.credited),
		counter("staging_tokens_debited_total", "Tokens debited by session starts (two per session).", &st.c.debited),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "staging_sessions_active",
			Help: "Sessions currently active.",
		}, func() float64 { return float64(st.c.sessionsActive.Load()) }),
		&queueCollector{st: st, desc: prometheus.NewDesc("staging_queue_waiting",
			"Users currently waiting, by queue region and mode.", []string{"region", "mode"}, nil)},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for r := range numWebhookResults {
		v := &st.c.webhook[r]
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "staging_webhook_events_total",
			Help:        "Stripe webhook deliveries, by result (credited, duplicate, ignored, rejected).",
			ConstLabels: prometheus.Labels{"result": r.String()},
		}, func() float64 { return float64(v.Load()) }))
	}
	return m
}

// observe records one served request.
func (m *serverMetrics) observe(r route, code int, d time.Duration) {
	rm := &m.routes[r]
	rm.duration.Observe(d.Seconds())
	if code < 100 || code > 599 {
		m.requests.WithLabelValues(routeNames[r], strconv.Itoa(code)).Inc()
		return
	}
	slot := &rm.codes[code-100]
	ref := slot.Load()
	if ref == nil {
		ref = &counterRef{c: m.requests.WithLabelValues(routeNames[r], strconv.Itoa(code))}
		if !slot.CompareAndSwap(nil, ref) {
			ref = slot.Load()
		}
	}
	ref.c.Inc()
}

// queueCollector exports staging_queue_waiting from the live queues.
type queueCollector struct {
	st   *store
	desc *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	c.st.forEachQueue(func(q *queue) {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(q.waiting.Load()), q.region, q.mode)
	})
}
