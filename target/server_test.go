package target

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		wants []string
	}{
		{"zero value", Config{}, nil},
		{"all set", Config{Addr: "127.0.0.1:8080", SessionHold: time.Second, MatchInterval: time.Millisecond, EventRetention: time.Hour}, nil},
		{"bad addr", Config{Addr: "localhost"}, []string{"addr"}},
		{"every problem at once", Config{Addr: "x", SessionHold: -1, MatchInterval: -1, EventRetention: -1},
			[]string{"addr", "session hold", "match interval", "event retention"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.wants) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := New(tc.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New accepted an invalid config: %v", err)
			}
		})
	}
}

func TestNewGeneratesSecret(t *testing.T) {
	s := newServer(t, Config{WebhookSecret: ""})
	if s.WebhookSecret() != testSecret {
		t.Fatal("configured secret not used")
	}
	s2, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Shutdown(context.Background())
	if !strings.HasPrefix(s2.WebhookSecret().Reveal(), "whsec_") {
		t.Fatal("no secret generated")
	}
}

func TestStartShutdown(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(Config{Addr: ":0", Logger: logger, WebhookSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if s.URL() != "" {
		t.Fatal("URL before Start")
	}
	addr, err := s.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") || s.URL() != "http://"+addr {
		t.Fatalf("Start = %q, URL %q", addr, s.URL())
	}
	if _, err := s.Start(t.Context()); !errors.Is(err, ErrAlreadyStarted) {
		t.Fatalf("second Start: %v", err)
	}
	res, err := http.Get(s.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != `{"ok":true}` {
		t.Fatalf("healthz: %d %s", res.StatusCode, body)
	}
	// A webhook with a bad signature is logged at debug level without the
	// secret.
	http.Post(s.URL()+"/webhooks/stripe", "application/json", strings.NewReader(`{}`))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if _, err := s.Start(t.Context()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Shutdown: %v", err)
	}
	if _, err := http.Get(s.URL() + "/healthz"); err == nil {
		t.Fatal("still serving after Shutdown")
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), testSecret.Reveal()) {
		t.Fatal("the secret reached the logs")
	}
	for _, want := range []string{"listening", "webhook rejected", "shut down"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

// lockedWriter serialises writes to a buffer shared with the test.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// slowBody is a request body that delivers its bytes after a delay.
type slowBody struct {
	delay time.Duration
	data  io.Reader
	once  sync.Once
	sent  chan struct{}
}

func (b *slowBody) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.sent); time.Sleep(b.delay) })
	return b.data.Read(p)
}

func TestShutdownCompletesInFlight(t *testing.T) {
	s, err := New(Config{WebhookSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, s: s, base: s.URL(), hc: &http.Client{}}
	_, tok := c.newUser()

	body := &slowBody{delay: 300 * time.Millisecond, data: strings.NewReader(`{"mode":"isolated"}`), sent: make(chan struct{})}
	req, _ := http.NewRequest("POST", s.URL()+"/queue/join", body)
	req.Header.Set("Authorization", "Bearer "+tok)
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		res.Body.Close()
		done <- result{code: res.StatusCode}
	}()
	<-body.sent
	time.Sleep(20 * time.Millisecond) // the request is now in the handler
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	r := <-done
	if r.err != nil || r.code != 200 {
		t.Fatalf("in-flight request: %d %v", r.code, r.err)
	}
	select {
	case <-s.workerDone:
	default:
		t.Fatal("the matching worker still runs after Shutdown")
	}
}

func TestMetrics(t *testing.T) {
	s, clk := manualServer(t)
	c := direct(t, s)
	_, toks := funded(c, 3, 2)
	joinAll(t, c, `{"region":"eu"}`, toks[0], toks[1])
	joinAll(t, c, `{"region":"us","mode":"isolated"}`, toks[2])
	s.w.tick()
	c.webhook(checkoutEvent("evt_m", "usr_nobody", "1"), clk.Now())
	c.do("POST", "/webhooks/stripe", "", []byte("{}"))
	c.do("GET", "/nope", "", nil)

	r := c.do("GET", "/metrics", "", nil)
	if r.code != 200 {
		t.Fatalf("GET /metrics: %d", r.code)
	}
	text := string(r.raw)
	for _, want := range []string{
		"staging_users_total 3",
		`staging_queue_waiting{mode="isolated",region="us"} 1`,
		`staging_queue_waiting{mode="shared",region="eu"} 0`,
		"staging_sessions_active 1",
		"staging_sessions_started_total 1",
		"staging_tokens_credited_total 6",
		"staging_tokens_debited_total 2",
		`staging_webhook_events_total{result="credited"} 3`,
		`staging_webhook_events_total{result="duplicate"} 0`,
		`staging_webhook_events_total{result="ignored"} 1`,
		`staging_webhook_events_total{result="rejected"} 1`,
		`staging_http_requests_total{code="201",route="/auth/anonymous"} 3`,
		`staging_http_requests_total{code="200",route="/queue/join"} 3`,
		`staging_http_requests_total{code="400",route="/webhooks/stripe"} 1`,
		`staging_http_requests_total{code="404",route="unmatched"} 1`,
		`staging_http_request_duration_seconds_bucket{route="/queue/join",le="+Inf"} 3`,
		"go_goroutines",
	} {
		if !strings.Contains(text, want+"\n") && !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}

	// A second server in the same process has its own registry.
	s2 := newServer(t, Config{})
	r2 := direct(t, s2).do("GET", "/metrics", "", nil)
	if !strings.Contains(string(r2.raw), "staging_users_total 0") {
		t.Fatal("the second server's registry is not independent")
	}
}
