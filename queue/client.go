package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-load/stampede/metrics"
)

// Defaults of Config.
const (
	DefaultRegion  = "australiaCentral"
	DefaultMode    = "shared"
	DefaultTimeout = 60 * time.Second // k6/http's default request timeout
	// MaxRegionLength is the longest region the API accepts.
	MaxRegionLength = 64
)

// Defaults of WaitOptions.
const (
	DefaultMatchTimeout = 60 * time.Second
	DefaultPollInterval = 250 * time.Millisecond
)

// Paths are the API's routes, relative to the base URL. Empty fields take
// the defaults of the staging API (DefaultPaths).
type Paths struct {
	Anonymous string // POST, creates an anonymous user
	Me        string // GET, the user and its token balance
	Join      string // POST, joins the queue
	Leave     string // POST, leaves the queue (or the session)
	Status    string // GET, the user's queue status
}

// DefaultPaths are the staging API's routes.
var DefaultPaths = Paths{
	Anonymous: "/auth/anonymous",
	Me:        "/me",
	Join:      "/queue/join",
	Leave:     "/queue/leave",
	Status:    "/queue/status",
}

// Retry says how a join answered with 429 or 503 is retried: up to
// MaxAttempts sends, sleeping a random time in [0, min(Cap, Base*2^n))
// before retry n+1 ("full jitter"); a Retry-After header, capped at Cap, is
// honoured when longer.
type Retry struct {
	MaxAttempts int
	Base        time.Duration
	Cap         time.Duration
}

// DefaultRetry is the retry policy when Config.Retry is zero.
var DefaultRetry = Retry{MaxAttempts: 5, Base: 100 * time.Millisecond, Cap: 2 * time.Second}

// ErrInvalidConfig is wrapped by every error New returns for a bad Config.
var ErrInvalidConfig = errors.New("invalid queue client config")

// Config configures a Client. BaseURL is required.
type Config struct {
	// BaseURL is the staging API's base URL (http or https).
	BaseURL string
	// Region and Mode are sent with every join and tag every sample
	// (DefaultRegion, DefaultMode when empty). Mode is "isolated" or "shared".
	Region string
	Mode   string
	// Paths override the API's routes, field by field.
	Paths Paths
	// Timeout bounds each request (DefaultTimeout when zero).
	Timeout time.Duration
	// Retry is the join's retry policy (DefaultRetry when zero).
	Retry Retry

	// Doer sends the requests (NetHTTP{} when nil).
	Doer Doer
	// Metrics and Sink receive the client's samples; without either no
	// sample is recorded.
	Metrics *Metrics
	Sink    Sink

	// Now, Sleep and Rand are seams for tests (time.Now, a context-aware
	// sleep and math/rand/v2's Float64 when nil).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Rand  func() float64
}

// Validate reports every problem of c at once; each wraps ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if c.BaseURL == "" {
		bad("baseUrl is required (the staging API's base URL, e.g. https://staging.example.com)")
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("baseUrl %q must be an http or https URL with a host, e.g. https://staging.example.com", redactURL(c.BaseURL))
	}
	if len(c.Region) > MaxRegionLength {
		bad("region is %d characters long; at most %d are allowed", len(c.Region), MaxRegionLength)
	}
	if c.Mode != "" && c.Mode != "isolated" && c.Mode != "shared" {
		bad("mode %q is not allowed; use isolated or shared", c.Mode)
	}
	for _, p := range []struct{ name, v string }{
		{"anonymous", c.Paths.Anonymous}, {"me", c.Paths.Me}, {"join", c.Paths.Join},
		{"leave", c.Paths.Leave}, {"status", c.Paths.Status},
	} {
		if p.v != "" && !strings.HasPrefix(p.v, "/") {
			bad("paths.%s %q must start with /", p.name, p.v)
		}
	}
	if c.Timeout < 0 {
		bad("timeout %s must not be negative", c.Timeout)
	}
	if c.Retry != (Retry{}) && (c.Retry.MaxAttempts < 1 || c.Retry.Base < 0 || c.Retry.Cap < c.Retry.Base) {
		bad("retry %+v needs maxAttempts >= 1 and 0 <= base <= cap", c.Retry)
	}
	if (c.Metrics == nil) != (c.Sink == nil) {
		bad("metrics and sink go together: set both or neither")
	}
	return errors.Join(errs...)
}

// Client talks to one staging API. It is safe for concurrent use; in
// k6/x/queue each VU has its own.
type Client struct {
	base    string
	region  string
	mode    string
	paths   Paths
	timeout time.Duration
	retry   Retry
	doer    Doer
	m       *Metrics
	sink    Sink
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	rand    func() float64

	mu     sync.Mutex
	joined []joinedUser // users in the queue and their join acknowledgement

	tagMu    sync.Mutex
	tagBase  *metrics.TagSet            // the sink's tags tagsByOp was built on
	tagsByOp map[string]*metrics.TagSet // op ("" for latencies) -> sample tags

	// What the client's requests share (see Request: a Doer does not
	// modify them): the region and mode tags and the URL and name of each
	// endpoint, shared with every client of the same configuration; the
	// header of the last user's requests.
	*shared
	userHdr atomic.Pointer[userHeader]
}

// shared is what clients with the same base URL, paths, region and mode
// have in common, made once per process for each configuration (10,000
// VUs' clients share one).
type shared struct {
	reqTags   map[string]string
	endpoints []endpoint
}

var (
	sharedMu sync.Mutex
	sharedBy = map[string]*shared{}
)

// sharedFor returns the shared part of c's requests.
func sharedFor(c *Client) *shared {
	key := strings.Join([]string{c.base, c.region, c.mode, c.paths.Anonymous, c.paths.Join, c.paths.Leave, c.paths.Status, c.paths.Me}, "\x00")
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sh, ok := sharedBy[key]; ok {
		return sh
	}
	sh := &shared{reqTags: map[string]string{"region": c.region, "mode": c.mode}}
	for _, e := range []struct{ method, path string }{
		{http.MethodPost, c.paths.Anonymous}, {http.MethodPost, c.paths.Join}, {http.MethodPost, c.paths.Leave},
		{http.MethodGet, c.paths.Status}, {http.MethodGet, c.paths.Me},
	} {
		sh.endpoints = append(sh.endpoints, endpoint{e.method, e.path, c.base + e.path, e.method + " " + e.path})
	}
	if len(sharedBy) >= 64 { // a test run's few configurations; never many
		clear(sharedBy)
	}
	sharedBy[key] = sh
	return sh
}

// anonHeader is the header of requests without a user (read-only).
var anonHeader = http.Header{"Content-Type": {"application/json"}}

// endpoint is a request line the client sends, with its URL and metric name.
type endpoint struct{ method, path, url, name string }

// userHeader is the header of a user's requests (Content-Type and the bearer token).
type userHeader struct {
	token Token
	h     http.Header
}

// New returns a Client for cfg, or an error wrapping ErrInvalidConfig.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{
		base:    strings.TrimRight(cfg.BaseURL, "/"),
		region:  cfg.Region,
		mode:    cfg.Mode,
		paths:   cfg.Paths,
		timeout: cfg.Timeout,
		retry:   cfg.Retry,
		doer:    cfg.Doer,
		m:       cfg.Metrics,
		sink:    cfg.Sink,
		now:     cfg.Now,
		sleep:   cfg.Sleep,
		rand:    cfg.Rand,
	}
	if c.region == "" {
		c.region = DefaultRegion
	}
	if c.mode == "" {
		c.mode = DefaultMode
	}
	fill := func(dst *string, def string) {
		if *dst == "" {
			*dst = def
		}
	}
	fill(&c.paths.Anonymous, DefaultPaths.Anonymous)
	fill(&c.paths.Me, DefaultPaths.Me)
	fill(&c.paths.Join, DefaultPaths.Join)
	fill(&c.paths.Leave, DefaultPaths.Leave)
	fill(&c.paths.Status, DefaultPaths.Status)
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.retry == (Retry{}) {
		c.retry = DefaultRetry
	}
	if c.doer == nil {
		c.doer = NetHTTP{}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.rand == nil {
		c.rand = rand.Float64
	}
	c.shared = sharedFor(c)
	return c, nil
}

// endpoint returns the URL and metric name of method and path.
func (c *Client) endpoint(method, path string) (url, name string) {
	for i := range c.endpoints {
		if e := &c.endpoints[i]; e.path == path && e.method == method {
			return e.url, e.name
		}
	}
	return c.base + path, method + " " + path
}

// header returns the header of a request as u (nil: no user).
func (c *Client) header(u *User) http.Header {
	if u == nil {
		return anonHeader
	}
	if uh := c.userHdr.Load(); uh != nil && uh.token == u.Token {
		return uh.h
	}
	uh := &userHeader{token: u.Token, h: http.Header{
		"Content-Type":  {"application/json"},
		"Authorization": {"Bearer " + u.Token.Reveal()},
	}}
	c.userHdr.Store(uh)
	return uh.h
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Region returns the client's region.
func (c *Client) Region() string { return c.region }

// Mode returns the client's mode.
func (c *Client) Mode() string { return c.mode }

// BaseURL returns the base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// Paths returns the routes in use (defaults filled in).
func (c *Client) Paths() Paths { return c.paths }

// Timeout returns the per-request timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Token is a bearer token. It prints, logs and marshals as <redacted>;
// Reveal (or string(t)) returns the token itself.
type Token string

const redacted = "<redacted>"

// Reveal returns the token.
func (t Token) Reveal() string { return string(t) }

// String returns "<redacted>".
func (Token) String() string { return redacted }

// GoString returns "<redacted>".
func (Token) GoString() string { return redacted }

// Format prints "<redacted>" for every verb.
func (Token) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes log/slog print "<redacted>".
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText encodes "<redacted>" (so JSON and text encoders never see the token).
func (Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// User is an anonymous user of the API.
type User struct {
	UserID string
	Token  Token
}

// Body is a decoded JSON object of the API, keys in the order they came.
type Body struct {
	Keys   []string
	Values map[string]any
}

// String returns a field as a string ("" when absent or not a string).
func (b Body) String(key string) string {
	s, _ := b.Values[key].(string)
	return s
}

// Number returns a numeric field and whether it is one.
func (b Body) Number(key string) (float64, bool) {
	f, ok := b.Values[key].(float64)
	return f, ok
}

// Result is a successful operation's answer: the API's JSON object (whose
// "status" field is the queue or user state, e.g. "waiting" or "matched").
type Result struct {
	HTTPStatus int
	Body       Body
}

// State returns the body's "status" field: "idle", "waiting", "matched" or
// "in_session".
func (r Result) State() string { return r.Body.String("status") }

// OpError is a failed operation. It carries no token.
type OpError struct {
	Op string // "anonymous", "join", "leave", "status", "wait_for_match" or "balance"
	// Status is the HTTP status of the last answer, 0 when none arrived.
	Status int
	// Code is the API's machine code ("insufficient_tokens", ...), or one of
	// "unexpected_status", "malformed_response", "timeout" (no match in
	// time), "not_waiting" (neither waiting nor matched), "canceled", or the
	// network failure's message when Status is 0.
	Code string
	// Message is the API's human text, if any.
	Message string
}

// Error describes the failure.
func (e *OpError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "queue: %s failed", e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, " with HTTP %d", e.Status)
	}
	fmt.Fprintf(&b, ": %s", e.Code)
	if e.Message != "" {
		fmt.Fprintf(&b, " (%s)", e.Message)
	}
	return b.String()
}

// ErrNoUser is returned (wrapped) when an operation gets a User without a token.
var ErrNoUser = errors.New("the user has no token: pass the user AnonymousUser returned")

// Operation names, as the error_rate op tag and OpError.Op show them.
const (
	OpAnonymous    = "anonymous"
	OpJoin         = "join"
	OpLeave        = "leave"
	OpStatus       = "status"
	OpWaitForMatch = "wait_for_match"
	OpBalance      = "balance"
)

// AnonymousUser creates a user (POST /auth/anonymous, 201 {userId, token}).
func (c *Client) AnonymousUser(ctx context.Context) (User, Result, error) {
	res, err := c.send(ctx, http.MethodPost, c.paths.Anonymous, nil, nil)
	if err != nil {
		return User{}, Result{}, err
	}
	body, perr := decodeObject(res.Body)
	ok := res.Status == http.StatusCreated && perr == nil &&
		isString(body.Values["userId"]) && isString(body.Values["token"])
	c.recordOp(ctx, OpAnonymous, ok)
	if !ok {
		return User{}, Result{}, failure(OpAnonymous, res, http.StatusCreated, nil)
	}
	return User{UserID: body.String("userId"), Token: Token(body.String("token"))}, Result{HTTPStatus: res.Status, Body: body}, nil
}

// JoinOptions are the optional fields of a join.
type JoinOptions struct {
	// SessionSeconds sets the hold time of the session this join leads to
	// (1..3600, a staging-only knob); 0 leaves the server's default.
	SessionSeconds int
}

// joinBody is the body of a join request. (A function of its own: the map
// would sit in Join's frame, on the stack under every join's request.)
//
//go:noinline
func (c *Client) joinBody(opts JoinOptions) []byte {
	payload := map[string]any{"region": c.region, "mode": c.mode}
	if opts.SessionSeconds != 0 {
		payload["sessionSeconds"] = opts.SessionSeconds
	}
	b, _ := json.Marshal(payload) // a map of strings and ints always encodes
	return b
}

// Join puts u in the queue of the client's region and mode
// (POST /queue/join). 429 and 503 answers are retried (Retry);
// queue_join_latency measures from the first send to the acknowledgement.
func (c *Client) Join(ctx context.Context, u User, opts JoinOptions) (Result, error) {
	if err := needUser(OpJoin, u); err != nil {
		return Result{}, err
	}
	reqBody := c.joinBody(opts)
	start := c.now()
	var res *Response
	for attempt := 0; ; attempt++ {
		var err error
		res, err = c.send(ctx, http.MethodPost, c.paths.Join, &u, reqBody)
		if err != nil {
			return Result{}, err
		}
		if !retryable(res.Status) || attempt+1 >= c.retry.MaxAttempts {
			break
		}
		if err := c.sleep(ctx, c.backoff(attempt, res.Header)); err != nil {
			return Result{}, canceled(OpJoin)
		}
	}
	body, perr := decodeObject(res.Body)
	ok := res.Status == http.StatusOK && perr == nil
	c.recordOp(ctx, OpJoin, ok)
	if !ok {
		return Result{}, failure(OpJoin, res, http.StatusOK, &u)
	}
	acked := c.now()
	c.record(ctx, c.m.metric(OpJoin), ms(acked.Sub(start)), "")
	c.setJoined(u.UserID, acked)
	return Result{HTTPStatus: res.Status, Body: body}, nil
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// backoff returns the sleep before retry attempt+1.
func (c *Client) backoff(attempt int, h http.Header) time.Duration {
	ceiling := c.retry.Base << attempt
	if ceiling > c.retry.Cap || ceiling <= 0 {
		ceiling = c.retry.Cap
	}
	d := time.Duration(c.rand() * float64(ceiling))
	if ra := h.Get("Retry-After"); ra != "" {
		if secs, err := strconv.ParseFloat(ra, 64); err == nil && secs > 0 {
			if after := time.Duration(secs * float64(time.Second)); after > d {
				d = min(after, c.retry.Cap)
			}
		}
	}
	return d
}

// joinedUser is a user in the queue: when its join was acknowledged.
type joinedUser struct {
	id string
	at time.Time
}

// setJoined records that user id's join was acknowledged at at. A client
// usually serves one user (a VU's), so a short list, not a map.
func (c *Client) setJoined(id string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.joined {
		if c.joined[i].id == id {
			c.joined[i].at = at
			return
		}
	}
	c.joined = append(c.joined, joinedUser{id, at})
}

// takeJoined forgets user id's join and returns when it was acknowledged.
func (c *Client) takeJoined(id string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.joined {
		if c.joined[i].id == id {
			at := c.joined[i].at
			c.joined = slices.Delete(c.joined, i, i+1)
			return at, true
		}
	}
	return time.Time{}, false
}

// Leave takes u out of the queue, or ends its session (POST /queue/leave,
// idempotent). queue_leave_latency measures it.
func (c *Client) Leave(ctx context.Context, u User) (Result, error) {
	if err := needUser(OpLeave, u); err != nil {
		return Result{}, err
	}
	start := c.now()
	res, err := c.send(ctx, http.MethodPost, c.paths.Leave, &u, nil)
	if err != nil {
		return Result{}, err
	}
	c.takeJoined(u.UserID)
	body, perr := decodeObject(res.Body)
	ok := res.Status == http.StatusOK && perr == nil
	c.recordOp(ctx, OpLeave, ok)
	if !ok {
		return Result{}, failure(OpLeave, res, http.StatusOK, &u)
	}
	c.record(ctx, c.m.metric(OpLeave), ms(c.now().Sub(start)), "")
	return Result{HTTPStatus: res.Status, Body: body}, nil
}

// Status returns u's queue status (GET /queue/status): State() is "idle",
// "waiting" or "matched", with position, sessionId and peerId when known.
func (c *Client) Status(ctx context.Context, u User) (Result, error) {
	if err := needUser(OpStatus, u); err != nil {
		return Result{}, err
	}
	res, err := c.send(ctx, http.MethodGet, c.paths.Status, &u, nil)
	if err != nil {
		return Result{}, err
	}
	body, perr := decodeObject(res.Body)
	ok := res.Status == http.StatusOK && perr == nil
	c.recordOp(ctx, OpStatus, ok)
	if !ok {
		return Result{}, failure(OpStatus, res, http.StatusOK, &u)
	}
	return Result{HTTPStatus: res.Status, Body: body}, nil
}

// WaitOptions bound WaitForMatch.
type WaitOptions struct {
	Timeout      time.Duration // DefaultMatchTimeout when zero
	PollInterval time.Duration // DefaultPollInterval when zero
}

// WaitForMatch polls u's status every PollInterval until it is "matched"
// (the Result then has sessionId and peerId) or Timeout passes (Code
// "timeout"). A status other than waiting or matched fails at once (Code
// "not_waiting"), as does a failed poll. queue_match_latency records the time
// from the join's acknowledgement by this Client to the poll that saw the
// match. The whole wait is one operation in error_rate.
func (c *Client) WaitForMatch(ctx context.Context, u User, opts WaitOptions) (Result, error) {
	if err := needUser(OpWaitForMatch, u); err != nil {
		return Result{}, err
	}
	timeout, poll := opts.Timeout, opts.PollInterval
	if timeout <= 0 {
		timeout = DefaultMatchTimeout
	}
	if poll <= 0 {
		poll = DefaultPollInterval
	}
	deadline := c.now().Add(timeout)
	fail := func(e *OpError) (Result, error) {
		c.recordOp(ctx, OpWaitForMatch, false)
		return Result{}, e
	}
	for {
		res, err := c.send(ctx, http.MethodGet, c.paths.Status, &u, nil)
		if err != nil {
			var oe *OpError
			if errors.As(err, &oe) {
				return Result{}, canceled(OpWaitForMatch)
			}
			return Result{}, err
		}
		body, perr := decodeObject(res.Body)
		if res.Status != http.StatusOK || perr != nil {
			return fail(failure(OpWaitForMatch, res, http.StatusOK, &u))
		}
		switch state := body.String("status"); state {
		case "matched":
			c.recordOp(ctx, OpWaitForMatch, true)
			if joined, ok := c.takeJoined(u.UserID); ok {
				c.record(ctx, c.m.metric(OpWaitForMatch), ms(c.now().Sub(joined)), "")
			}
			return Result{HTTPStatus: res.Status, Body: body}, nil
		case "waiting":
		default:
			return fail(&OpError{Op: OpWaitForMatch, Status: res.Status, Code: "not_waiting",
				Message: fmt.Sprintf("the user's status is %q, neither waiting nor matched", state)})
		}
		left := deadline.Sub(c.now())
		if left <= 0 {
			return fail(&OpError{Op: OpWaitForMatch, Status: res.Status, Code: "timeout",
				Message: fmt.Sprintf("not matched within %s", timeout)})
		}
		if err := c.sleep(ctx, min(poll, left)); err != nil {
			return Result{}, canceled(OpWaitForMatch)
		}
	}
}

// Balance returns u's account (GET /me): userId, tokens, status and sessionId.
func (c *Client) Balance(ctx context.Context, u User) (Result, error) {
	if err := needUser(OpBalance, u); err != nil {
		return Result{}, err
	}
	res, err := c.send(ctx, http.MethodGet, c.paths.Me, &u, nil)
	if err != nil {
		return Result{}, err
	}
	body, perr := decodeObject(res.Body)
	_, isNum := body.Number("tokens")
	ok := res.Status == http.StatusOK && perr == nil && isNum
	c.recordOp(ctx, OpBalance, ok)
	if !ok {
		return Result{}, failure(OpBalance, res, http.StatusOK, &u)
	}
	return Result{HTTPStatus: res.Status, Body: body}, nil
}

func needUser(op string, u User) error {
	if u.Token == "" {
		return fmt.Errorf("queue: %s: %w", op, ErrNoUser)
	}
	return nil
}

// send makes one request through the Doer.
func (c *Client) send(ctx context.Context, method, path string, u *User, body []byte) (*Response, error) {
	url, name := c.endpoint(method, path)
	req := &Request{
		Method:  method,
		URL:     url,
		Name:    name,
		Header:  c.header(u),
		Body:    body,
		Timeout: c.timeout,
		Tags:    c.reqTags,
	}
	res, err := c.doer.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, canceled(op(path, c.paths))
	}
	if res == nil {
		return nil, fmt.Errorf("queue: %s: the Doer returned no response", req.Name)
	}
	return res, nil
}

// canceled is the error of an operation cut short because ctx is done (the
// VU is stopping); it is not counted in error_rate.
func canceled(op string) *OpError {
	return &OpError{Op: op, Code: "canceled", Message: "the test is stopping"}
}

// op names the operation of a path, for canceled errors.
func op(path string, p Paths) string {
	switch path {
	case p.Anonymous:
		return OpAnonymous
	case p.Join:
		return OpJoin
	case p.Leave:
		return OpLeave
	case p.Me:
		return OpBalance
	default:
		return OpStatus
	}
}

// failure builds the OpError of a response that is not the expected
// success. The user's token is scrubbed from whatever the server said.
func failure(op string, res *Response, want int, u *User) *OpError {
	e := &OpError{Op: op, Status: res.Status}
	defer func() {
		if u != nil && u.Token != "" {
			e.Code = strings.ReplaceAll(e.Code, u.Token.Reveal(), redacted)
			e.Message = strings.ReplaceAll(e.Message, u.Token.Reveal(), redacted)
		}
	}()
	if res.Status == 0 {
		e.Code = res.Error
		if e.Code == "" {
			e.Code = "request_failed"
		}
		return e
	}
	if b, err := decodeObject(res.Body); err == nil && b.String("error") != "" {
		e.Code, e.Message = b.String("error"), b.String("message")
		return e
	}
	if res.Status == want {
		e.Code = "malformed_response"
		e.Message = fmt.Sprintf("HTTP %d but the body is not the expected JSON object", res.Status)
	} else {
		e.Code = "unexpected_status"
	}
	return e
}

// decodeObject decodes a JSON object keeping its key order. json.Unmarshal
// checks and decodes it in one pass; the keys' order comes from a scan of
// the (then known valid) top level. This is several times cheaper than
// streaming it token by token, and it runs for every API response.
func decodeObject(b []byte) (Body, error) {
	var values map[string]any
	if err := json.Unmarshal(b, &values); err != nil {
		return Body{}, err
	}
	if values == nil {
		return Body{}, errors.New("not a JSON object")
	}
	return Body{Keys: objectKeys(b, values), Values: values}, nil
}

// objectKeys returns the keys of the valid JSON object b in the order they
// first appear (values holds them all).
func objectKeys(b []byte, values map[string]any) []string {
	keys := make([]string, 0, len(values))
	var seen map[string]bool // for big objects; small ones are searched
	if len(values) > 16 {
		seen = make(map[string]bool, len(values))
	}
	depth, expectKey := 0, false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			end, escaped := stringEnd(b, i)
			if depth == 1 && expectKey {
				k := string(b[i+1 : end])
				if escaped {
					_ = json.Unmarshal(b[i:end+1], &k)
				}
				if seen != nil && !seen[k] || seen == nil && !slices.Contains(keys, k) {
					keys = append(keys, k)
					if seen != nil {
						seen[k] = true
					}
				}
				expectKey = false
			}
			i = end
		case '{', '[':
			depth++
			expectKey = depth == 1
		case '}', ']':
			depth--
		case ',':
			expectKey = depth == 1
		}
	}
	return keys
}

// stringEnd returns the index of the quote closing the JSON string that
// starts at b[start], and whether the string has escapes.
func stringEnd(b []byte, start int) (int, bool) {
	escaped := false
	for j := start + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j, escaped
		}
	}
	return len(b) - 1, escaped
}

func isString(v any) bool { _, ok := v.(string); return ok }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// redactURL hides a password in a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable url>"
	}
	return u.Redacted()
}

// recordOp adds an error_rate sample for op.
func (c *Client) recordOp(ctx context.Context, op string, ok bool) {
	v := 0.0
	if !ok {
		v = 1
	}
	c.record(ctx, c.m.metric(""), v, op)
}
