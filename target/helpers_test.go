package target

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// testSecret is the webhook secret of test servers.
const testSecret Secret = "whsec_test_secret_for_unit_tests"

// fakeClock is a settable clock for Config.Clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newServer returns a Server shut down at the end of the test.
func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = testSecret
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

// manualServer returns a Server with a fake clock whose worker never ticks
// on its own: the test drives it with s.w.tick().
func manualServer(t testing.TB) (*Server, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	s := newServer(t, Config{Clock: clk.Now, MatchInterval: time.Hour, SessionHold: 30 * time.Second})
	return s, clk
}

// client talks to a Server, over an httptest server or straight to the
// handler.
type client struct {
	t    testing.TB
	s    *Server
	base string       // httptest server URL; "" means call the handler
	hc   *http.Client // for base
}

// direct returns a client that calls s's handler in-process.
func direct(t testing.TB, s *Server) *client { return &client{t: t, s: s} }

// overHTTP returns a client of an httptest server wrapping s.
func overHTTP(t testing.TB, s *Server) *client {
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	tr := ts.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	t.Cleanup(tr.CloseIdleConnections)
	return &client{t: t, s: s, base: ts.URL, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// newDirectRequest builds a server-side request for calling a handler
// in-process; cheaper than httptest.NewRequest, which parses a wire
// request (it matters for the 100,000-request tests under -race).
func newDirectRequest(method, path string, body []byte) *http.Request {
	req := &http.Request{
		Method:     method,
		URL:        &url.URL{Path: path},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header, 4),
		Body:       http.NoBody,
		Host:       "target.test",
		RemoteAddr: "192.0.2.1:1234",
		RequestURI: path,
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	return req
}

// resp is a decoded answer.
type resp struct {
	code   int
	header http.Header
	raw    []byte
	body   map[string]any
}

// str returns a string field of the body ("" if absent).
func (r resp) str(k string) string { s, _ := r.body[k].(string); return s }

// num returns a number field of the body (-1 if absent).
func (r resp) num(k string) int64 {
	f, ok := r.body[k].(float64)
	if !ok {
		return -1
	}
	return int64(f)
}

func (r resp) String() string { return fmt.Sprintf("%d %s", r.code, r.raw) }

// do sends a request; headers are name, value pairs.
func (c *client) do(method, path, token string, body []byte, headers ...string) resp {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var req *http.Request
	if c.base == "" {
		req = newDirectRequest(method, path, body)
	} else {
		var err error
		req, err = http.NewRequest(method, c.base+path, rd)
		if err != nil {
			c.t.Fatalf("new request: %v", err)
		}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	var r resp
	if c.base == "" {
		rec := httptest.NewRecorder()
		c.s.ServeHTTP(rec, req)
		r = resp{code: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	} else {
		hr, err := c.hc.Do(req)
		if err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
		raw, err := io.ReadAll(hr.Body)
		_ = hr.Body.Close()
		if err != nil {
			c.t.Fatalf("%s %s: read: %v", method, path, err)
		}
		r = resp{code: hr.StatusCode, header: hr.Header, raw: raw}
	}
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") && len(r.raw) > 0 {
		if err := json.Unmarshal(r.raw, &r.body); err != nil {
			c.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, r.raw)
		}
	}
	return r
}

// newUser creates a user and returns its id and token.
func (c *client) newUser() (id, token string) {
	c.t.Helper()
	r := c.do("POST", "/auth/anonymous", "", nil)
	if r.code != 201 {
		c.t.Fatalf("POST /auth/anonymous: %v", r)
	}
	return r.str("userId"), r.str("token")
}

// buy credits n tokens to user id through a signed webhook.
func (c *client) buy(id string, n int) {
	c.t.Helper()
	payload := checkoutEvent(fmt.Sprintf("evt_buy_%s_%d_%d", id, n, time.Now().UnixNano()), id, fmt.Sprint(n))
	r := c.webhook(payload, c.s.now())
	if r.code != 200 || r.num("credited") != int64(n) {
		c.t.Fatalf("buy %d for %s: %v", n, id, r)
	}
}

// webhook delivers payload signed with the test secret at time ts.
func (c *client) webhook(payload []byte, ts time.Time) resp {
	c.t.Helper()
	return c.do("POST", "/webhooks/stripe", "", payload, "Stripe-Signature", sign(payload, ts, testSecret))
}

// sign returns a Stripe-Signature header for payload, made by stripe-go.
func sign(payload []byte, ts time.Time, secret Secret) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload: payload, Secret: secret.Reveal(), Timestamp: ts,
	}).Header
}

// checkoutEvent is a checkout.session.completed event crediting tokens.
func checkoutEvent(id, userID, tokens string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2019-01-01","type":"checkout.session.completed",`+
		`"data":{"object":{"id":"cs_test","object":"checkout.session","client_reference_id":%q,"metadata":{"tokens":%q}}}}`,
		id, userID, tokens))
}

// paymentEvent is a payment_intent.succeeded event crediting tokens.
func paymentEvent(id, userID, tokens string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","type":"payment_intent.succeeded",`+
		`"data":{"object":{"id":"pi_test","object":"payment_intent","metadata":{"user_id":%q,"tokens":%q}}}}`,
		id, userID, tokens))
}

// userSnap is one user's state in a snapshot.
type userSnap struct {
	tokens, credited, debited int64
	status                    userStatus
	session                   string
}

// snapshot is the whole observable state, for "unchanged" checks.
type snapshot struct {
	stats    Stats
	users    map[string]userSnap
	sessions map[string]bool // id -> ended
	events   int
}

// takeSnapshot captures s's state (not atomic with concurrent requests).
func takeSnapshot(s *Server) snapshot {
	snap := snapshot{stats: s.Stats(), users: map[string]userSnap{}, sessions: map[string]bool{}}
	snap.stats.Webhooks = WebhookStats{} // counters of rejected calls may move
	for i := range s.st.byID {
		sh := &s.st.byID[i]
		sh.mu.RLock()
		for id, u := range sh.m {
			u.mu.Lock()
			us := userSnap{tokens: u.tokens, credited: u.credited, debited: u.debited, status: u.status}
			if u.session != nil {
				us.session = u.session.id
			}
			u.mu.Unlock()
			snap.users[id] = us
		}
		sh.mu.RUnlock()
	}
	for i := range s.st.sessions {
		sh := &s.st.sessions[i]
		sh.mu.RLock()
		for id, ses := range sh.m {
			ses.users[0].mu.Lock()
			snap.sessions[id] = ses.ended
			ses.users[0].mu.Unlock()
		}
		sh.mu.RUnlock()
	}
	for i := range s.st.events {
		sh := &s.st.events[i]
		sh.mu.Lock()
		snap.events += len(sh.cur) + len(sh.prev)
		sh.mu.Unlock()
	}
	return snap
}

// checkInvariants fails the test if any spec invariant is broken in s's
// current state. Call when the server is quiescent.
func checkInvariants(t testing.TB, s *Server) {
	t.Helper()
	var active int64
	var debited int64
	for i := range s.st.byID {
		sh := &s.st.byID[i]
		sh.mu.RLock()
		for id, u := range sh.m {
			u.mu.Lock()
			if u.tokens != u.credited-u.debited || u.tokens < 0 {
				t.Errorf("user %s: balance %d, credited %d, debited %d", id, u.tokens, u.credited, u.debited)
			}
			debited += u.debited
			switch u.status {
			case statusWaiting:
				if u.entry == nil || u.session != nil || !u.entry.alive.Load() {
					t.Errorf("user %s waiting with entry %v session %v", id, u.entry, u.session)
				}
			case statusInSession:
				if u.session == nil || u.entry != nil || u.session.ended || !u.session.has(u) {
					t.Errorf("user %s in_session inconsistently", id)
				}
			default:
				if u.session != nil || u.entry != nil {
					t.Errorf("user %s idle with entry/session", id)
				}
			}
			u.mu.Unlock()
		}
		sh.mu.RUnlock()
	}
	for i := range s.st.sessions {
		sh := &s.st.sessions[i]
		sh.mu.RLock()
		for _, ses := range sh.m {
			a, b := ses.users[0], ses.users[1]
			lock2(a, b)
			if !ses.ended {
				active++
				if a.session != ses || b.session != ses {
					t.Errorf("active session %s: participants not in it", ses.id)
				}
			}
			unlock2(a, b)
		}
		sh.mu.RUnlock()
	}
	st := s.Stats()
	if st.SessionsActive != active {
		t.Errorf("Stats.SessionsActive = %d, sessions active in the index = %d", st.SessionsActive, active)
	}
	if st.TokensDebited != debited || debited != 2*st.SessionsStarted {
		t.Errorf("debited: stats %d, users %d, sessions started %d (want 2 per session)", st.TokensDebited, debited, st.SessionsStarted)
	}
}

// eventually polls cond every 5ms until it holds or d passes.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
