package prom

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/sirupsen/logrus"
)

// DefaultTimeout bounds each request to Prometheus when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// DefaultSnapshotQueries are the metrics Snapshot reads when given no queries:
// the seed metrics of the staging dashboards (Redis and PostgreSQL exporters).
// Note that redis_exporter calls its memory metric redis_memory_used_bytes; the
// seed's redis_used_memory_bytes is kept on purpose so that users whose
// exporter lacks it get the "did you mean" warning.
var DefaultSnapshotQueries = []string{
	"redis_connected_clients",
	"redis_used_memory_bytes",
	"pg_stat_database_xact_commit",
	"pg_stat_database_blks_read",
}

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("invalid prom client config")

// Config configures a Client. The zero value is invalid: URL is required.
type Config struct {
	// URL is Prometheus's base URL, e.g. "http://127.0.0.1:9090" (a path
	// prefix such as "/prometheus" is kept). Required; http or https.
	URL string
	// BearerToken, when set, is sent as "Authorization: Bearer <token>" on
	// every request. It never appears in errors or warnings.
	BearerToken promconfig.Secret
	// Timeout bounds each HTTP request (DefaultTimeout when zero).
	Timeout time.Duration
	// Headers are added to every request. Authorization may be set here
	// instead of BearerToken, not both.
	Headers map[string]string
	// Logger receives the "no series" warnings (nil: they are dropped).
	Logger logrus.FieldLogger
	// Transport is the base round tripper (nil: a transport shared by all
	// Clients, cloned from http.DefaultTransport).
	Transport http.RoundTripper
}

// Validate reports every problem of c at once; each wraps ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.URL == "" {
		bad("url is required (Prometheus's base URL, e.g. http://127.0.0.1:9090)")
	} else if u, err := url.Parse(c.URL); err != nil {
		bad("url %q cannot be parsed: %v", redactURL(c.URL), err)
	} else if u.Scheme != "http" && u.Scheme != "https" {
		bad("url %q must use http or https", u.Redacted())
	} else if u.Host == "" {
		bad("url %q has no host", u.Redacted())
	}
	if c.Timeout < 0 {
		bad("timeout %s must not be negative", c.Timeout)
	}
	for k := range c.Headers {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			bad("header name %q is not a valid HTTP header name", k)
		}
		if c.BearerToken != "" && strings.EqualFold(k, "Authorization") {
			bad("set either bearerToken or the Authorization header, not both")
		}
	}
	return errors.Join(errs...)
}

// Client queries one Prometheus server. It is safe for concurrent use.
type Client struct {
	api      v1.API
	baseURL  string // redacted, for messages
	timeout  time.Duration
	logger   logrus.FieldLogger
	secret   string
	warnedMu sync.Mutex
	warned   map[string]bool
}

var sharedTransport = http.DefaultTransport.(*http.Transport).Clone()

// New returns a Client for cfg, or an error wrapping ErrInvalidConfig.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rt := cfg.Transport
	if rt == nil {
		rt = sharedTransport
	}
	if cfg.BearerToken != "" {
		rt = promconfig.NewAuthorizationCredentialsRoundTripper("Bearer", promconfig.NewInlineSecret(string(cfg.BearerToken)), rt)
	}
	if len(cfg.Headers) > 0 {
		h := make(http.Header, len(cfg.Headers))
		for k, v := range cfg.Headers {
			h.Set(k, v)
		}
		rt = &headerRoundTripper{headers: h, next: rt}
	}
	ac, err := api.NewClient(api.Config{Address: cfg.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	return &Client{
		api:     v1.NewAPI(ac),
		baseURL: redactURL(cfg.URL),
		timeout: timeout,
		logger:  cfg.Logger,
		secret:  string(cfg.BearerToken),
		warned:  make(map[string]bool),
	}, nil
}

// URL returns the Prometheus base URL, with any password redacted.
func (c *Client) URL() string { return c.baseURL }

// Timeout returns the per-request timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// headerRoundTripper adds fixed headers to requests that do not set them.
type headerRoundTripper struct {
	headers http.Header
	next    http.RoundTripper
}

// RoundTrip sends a copy of req with the fixed headers it lacks.
func (h *headerRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, vs := range h.headers {
		if req.Header.Get(k) == "" {
			req.Header[k] = vs
		}
	}
	return h.next.RoundTrip(req)
}

// Sample is one series' value at one instant.
type Sample struct {
	Metric    map[string]string // labels, including __name__ when present
	Value     float64
	Timestamp time.Time
}

// Point is one value of a range query's series.
type Point struct {
	T time.Time
	V float64
}

// Series is one series of a range query.
type Series struct {
	Metric map[string]string
	Points []Point
}

// Query evaluates q at ts (now when ts is zero) and returns one Sample per
// series, sorted by labels; a scalar result is one Sample with no labels.
// A result with no series is not an error: it returns an empty slice and logs
// the "no series" warning (once per query). Errors are *QueryError.
func (c *Client) Query(ctx context.Context, q string, ts time.Time) ([]Sample, error) {
	if ts.IsZero() {
		ts = time.Now()
	}
	val, err := c.query(ctx, "query", q, ts)
	if err != nil {
		return nil, err
	}
	var out []Sample
	switch v := val.(type) {
	case model.Vector:
		out = make([]Sample, 0, len(v))
		for _, s := range v {
			out = append(out, Sample{Metric: labels(s.Metric), Value: float64(s.Value), Timestamp: s.Timestamp.Time()})
		}
	case *model.Scalar:
		out = []Sample{{Metric: map[string]string{}, Value: float64(v.Value), Timestamp: v.Timestamp.Time()}}
	case model.Matrix:
		return nil, c.newError("query", q, ReasonBadQuery, fmt.Errorf("the query returns a range vector; use a range query, or wrap it in a function such as rate(%s)", q))
	default:
		return nil, c.newError("query", q, ReasonBadResponse, fmt.Errorf("unsupported result type %q", val.Type()))
	}
	sort.SliceStable(out, func(i, j int) bool { return labelsLess(out[i].Metric, out[j].Metric) })
	if len(out) == 0 {
		c.warnEmpty(ctx, q)
	}
	return out, nil
}

// labelsLess orders label sets by their sorted (name, value) pairs.
func labelsLess(a, b map[string]string) bool {
	return labelsKey(a) < labelsKey(b)
}

func labelsKey(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k)
		sb.WriteByte(0)
		sb.WriteString(m[k])
		sb.WriteByte(1)
	}
	return sb.String()
}

// QueryRange evaluates q from start to end every step and returns one Series
// per series, sorted by labels. No series logs the "no series" warning.
// Errors are *QueryError.
func (c *Client) QueryRange(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]Series, error) {
	switch {
	case step <= 0:
		return nil, c.newError("query_range", q, ReasonBadQuery, fmt.Errorf("step %s must be positive", step))
	case end.Before(start):
		return nil, c.newError("query_range", q, ReasonBadQuery, fmt.Errorf("end %s is before start %s", end.Format(time.RFC3339), start.Format(time.RFC3339)))
	}
	qctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	val, _, _, err := c.api.QueryRange(qctx, q, v1.Range{Start: start, End: end, Step: step})
	if err != nil {
		return nil, c.wrapError("query_range", q, err)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, c.newError("query_range", q, ReasonBadResponse, fmt.Errorf("unsupported result type %q", val.Type()))
	}
	out := make([]Series, 0, len(m))
	for _, s := range m {
		pts := make([]Point, len(s.Values))
		for i, p := range s.Values {
			pts[i] = Point{T: p.Timestamp.Time(), V: float64(p.Value)}
		}
		out = append(out, Series{Metric: labels(s.Metric), Points: pts})
	}
	sort.SliceStable(out, func(i, j int) bool { return labelsLess(out[i].Metric, out[j].Metric) })
	if len(out) == 0 {
		c.warnEmpty(ctx, q)
	}
	return out, nil
}

// Scalar evaluates q now and returns a single number: the value of a scalar
// result or of a one-series vector. No series gives NaN (and the "no series"
// warning); several series are an error with ReasonNotScalar (aggregate them,
// e.g. with sum()).
func (c *Client) Scalar(ctx context.Context, q string) (float64, error) {
	val, err := c.query(ctx, "scalar", q, time.Now())
	if err != nil {
		return math.NaN(), err
	}
	switch v := val.(type) {
	case *model.Scalar:
		return float64(v.Value), nil
	case model.Vector:
		switch len(v) {
		case 0:
			c.warnEmpty(ctx, q)
			return math.NaN(), nil
		case 1:
			return float64(v[0].Value), nil
		default:
			return math.NaN(), c.newError("scalar", q, ReasonNotScalar, fmt.Errorf("the query returns %d series, not one; aggregate them, e.g. sum(%s)", len(v), q))
		}
	default:
		return math.NaN(), c.newError("scalar", q, ReasonBadQuery, fmt.Errorf("the query returns a %s, not a number", val.Type()))
	}
}

// maxSnapshotConcurrency bounds the queries Snapshot has in flight at once.
const maxSnapshotConcurrency = 8

// Snapshot evaluates every query now and returns name -> value, where the
// value is the sum over the series the query returns (NaN when it returns
// none or fails). queries maps a name to a PromQL expression; nil means
// DefaultSnapshotQueries, each named after itself. The queries run
// concurrently, at most 8 at a time, all evaluated at the same instant.
// Failures are joined into the returned error (each a *QueryError); the map
// is complete even then.
func (c *Client) Snapshot(ctx context.Context, queries map[string]string) (map[string]float64, error) {
	if queries == nil {
		queries = make(map[string]string, len(DefaultSnapshotQueries))
		for _, q := range DefaultSnapshotQueries {
			queries[q] = q
		}
	}
	out := make(map[string]float64, len(queries))
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	now := time.Now()
	sem := make(chan struct{}, maxSnapshotConcurrency)
	for name, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := c.sum(ctx, q, now)
			mu.Lock()
			defer mu.Unlock()
			out[name] = v
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return out, errors.Join(errs...)
}

func (c *Client) sum(ctx context.Context, q string, ts time.Time) (float64, error) {
	val, err := c.query(ctx, "snapshot", q, ts)
	if err != nil {
		return math.NaN(), err
	}
	switch v := val.(type) {
	case *model.Scalar:
		return float64(v.Value), nil
	case model.Vector:
		if len(v) == 0 {
			c.warnEmpty(ctx, q)
			return math.NaN(), nil
		}
		var total float64
		for _, s := range v {
			total += float64(s.Value)
		}
		return total, nil
	default:
		return math.NaN(), c.newError("snapshot", q, ReasonBadQuery, fmt.Errorf("the query returns a %s, not a number or an instant vector", val.Type()))
	}
}

// Diff returns after - before for every name of either map. A name missing
// from one side, or NaN on either, gives NaN.
func Diff(before, after map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(after))
	for k, a := range after {
		b, ok := before[k]
		if !ok {
			out[k] = math.NaN()
			continue
		}
		out[k] = a - b
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out[k] = math.NaN()
		}
	}
	return out
}

func (c *Client) query(ctx context.Context, op, q string, ts time.Time) (model.Value, error) {
	if strings.TrimSpace(q) == "" {
		return nil, c.newError(op, q, ReasonBadQuery, errors.New("the query is empty"))
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	val, _, _, err := c.api.Query(ctx, q, ts)
	if err != nil {
		return nil, c.wrapError(op, q, err)
	}
	return val, nil
}

// MetricNames returns every metric name Prometheus knows
// (/api/v1/label/__name__/values), sorted.
func (c *Client) MetricNames(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	vals, _, _, err := c.api.LabelValues(ctx, model.MetricNameLabel, nil, time.Time{}, time.Time{})
	if err != nil {
		return nil, c.wrapError("label_values", model.MetricNameLabel, err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	sort.Strings(out)
	return out, nil
}

func labels(m model.Metric) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[string(k)] = string(v)
	}
	return out
}

// warnEmpty logs, once per query, why q may have returned no series.
func (c *Client) warnEmpty(ctx context.Context, q string) {
	if c.logger == nil || !c.firstTime("empty\x00"+q) {
		return
	}
	c.logger.Warn(c.EmptyResultHint(ctx, q))
}

// firstTime reports whether key is seen for the first time by this Client.
func (c *Client) firstTime(key string) bool {
	c.warnedMu.Lock()
	defer c.warnedMu.Unlock()
	if c.warned[key] {
		return false
	}
	c.warned[key] = true
	return true
}

// WarnOnce reports whether key is new to this Client, remembering it. Callers
// use it to log one warning per kind of failure instead of one per call.
func (c *Client) WarnOnce(key string) bool { return c.firstTime("user\x00" + key) }

// EmptyResultHint explains why q returned no series: for each metric name in
// q that Prometheus does not know, up to three close known names ("did you
// mean ...?"); otherwise a reminder to check label matchers and time range.
// It asks Prometheus for its metric names; if that fails the hint says so.
func (c *Client) EmptyResultHint(ctx context.Context, q string) string {
	prefix := fmt.Sprintf("prom: query %q returned no series", q)
	names := MetricNamesInQuery(q)
	if len(names) == 0 {
		return prefix
	}
	known, err := c.MetricNames(ctx)
	if err != nil {
		return fmt.Sprintf("%s (metric names could not be listed to suggest alternatives: %v)", prefix, err)
	}
	knownSet := make(map[string]bool, len(known))
	for _, k := range known {
		knownSet[k] = true
	}
	var parts []string
	for _, n := range names {
		if knownSet[n] {
			continue
		}
		if s := SuggestMetricNames(n, known, 3); len(s) > 0 {
			parts = append(parts, fmt.Sprintf("metric %q does not exist in Prometheus at %s; did you mean %s?", n, c.baseURL, strings.Join(s, " or ")))
		} else {
			parts = append(parts, fmt.Sprintf("metric %q does not exist in Prometheus at %s and no similar name was found", n, c.baseURL))
		}
	}
	if len(parts) == 0 {
		return prefix + ": its metrics exist, so check the label matchers and the time range"
	}
	return prefix + ": " + strings.Join(parts, "; ")
}
