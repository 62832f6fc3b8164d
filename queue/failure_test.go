package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Error paths against httptest fakes of the API.

const secretToken = "tok_SECRET_abc123"

var testUser = User{UserID: "usr_1", Token: secretToken}

// fakeClock advances only when the client sleeps, so latencies are exact.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	f.mu.Unlock()
	return ctx.Err()
}

func TestJoinRetries(t *testing.T) {
	tests := []struct {
		name       string
		answers    []func(w http.ResponseWriter) // one per attempt; the last repeats
		wantCalls  int
		wantSleeps []time.Duration
		wantErr    string // OpError code; "" = success
		wantStatus int
	}{
		{
			name: "429 twice then success",
			answers: []func(http.ResponseWriter){
				status(429, `{"error":"rate_limited","message":"slow down"}`),
				status(429, `{"error":"rate_limited","message":"slow down"}`),
				status(200, `{"status":"waiting","queueKey":"k","position":1}`),
			},
			wantCalls:  3,
			wantSleeps: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, // rand 0.5 of 100ms, 200ms
		},
		{
			name: "503 with Retry-After",
			answers: []func(http.ResponseWriter){
				func(w http.ResponseWriter) {
					w.Header().Set("Retry-After", "1")
					status(503, `{"error":"unavailable"}`)(w)
				},
				status(200, `{"status":"waiting"}`),
			},
			wantCalls:  2,
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name: "Retry-After is capped",
			answers: []func(http.ResponseWriter){
				func(w http.ResponseWriter) {
					w.Header().Set("Retry-After", "3600")
					status(429, `{}`)(w)
				},
				status(200, `{"status":"waiting"}`),
			},
			wantCalls:  2,
			wantSleeps: []time.Duration{2 * time.Second},
		},
		{
			name:       "503 until attempts run out",
			answers:    []func(http.ResponseWriter){status(503, `{"error":"unavailable","message":"try later"}`)},
			wantCalls:  5,
			wantSleeps: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond},
			wantErr:    "unavailable",
			wantStatus: 503,
		},
		{
			name:       "500 is not retried",
			answers:    []func(http.ResponseWriter){status(500, `{"error":"internal","message":"boom"}`)},
			wantCalls:  1,
			wantErr:    "internal",
			wantStatus: 500,
		},
		{
			name:       "409 is not retried",
			answers:    []func(http.ResponseWriter){status(409, `{"error":"already_queued"}`)},
			wantCalls:  1,
			wantErr:    "already_queued",
			wantStatus: 409,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/queue/join" || r.Method != http.MethodPost {
					t.Errorf("request %s %s", r.Method, r.URL.Path)
				}
				if got := r.Header.Get("Authorization"); got != "Bearer "+secretToken {
					t.Errorf("Authorization = %q", got)
				}
				body, _ := io.ReadAll(r.Body)
				if string(body) != `{"mode":"shared","region":"australiaCentral","sessionSeconds":5}` {
					t.Errorf("body %s", body)
				}
				n := int(calls.Add(1)) - 1
				tt.answers[min(n, len(tt.answers)-1)](w)
			}))
			defer srv.Close()
			clock := newFakeClock()
			c, sink := newTestClient(t, Config{BaseURL: srv.URL, Now: clock.Now, Sleep: clock.Sleep, Rand: func() float64 { return 0.5 }})
			res, err := c.Join(context.Background(), testUser, JoinOptions{SessionSeconds: 5})
			if int(calls.Load()) != tt.wantCalls {
				t.Errorf("%d requests, want %d", calls.Load(), tt.wantCalls)
			}
			if fmt.Sprint(clock.sleeps) != fmt.Sprint(tt.wantSleeps) {
				t.Errorf("sleeps %v, want %v", clock.sleeps, tt.wantSleeps)
			}
			er := sink.errorRate()[OpJoin]
			if tt.wantErr == "" {
				if err != nil || res.State() != "waiting" {
					t.Fatalf("join = %+v, %v", res, err)
				}
				lat := sink.of(JoinLatencyName)
				var total time.Duration
				for _, d := range tt.wantSleeps {
					total += d
				}
				if len(lat) != 1 || lat[0].Value != ms(total) {
					t.Errorf("join latency %v, want one sample of %vms (the backoff included)", lat, ms(total))
				}
				if len(er) != 1 || er[0] != 0 {
					t.Errorf("error_rate = %v, want [0]", er)
				}
				return
			}
			var oe *OpError
			if !errors.As(err, &oe) || oe.Code != tt.wantErr || oe.Status != tt.wantStatus {
				t.Fatalf("err = %v, want code %s status %d", err, tt.wantErr, tt.wantStatus)
			}
			if len(sink.of(JoinLatencyName)) != 0 {
				t.Errorf("a failed join recorded a latency")
			}
			if len(er) != 1 || er[0] != 1 {
				t.Errorf("error_rate = %v, want [1] (one operation, however many attempts)", er)
			}
		})
	}
}

func status(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func TestOperationFailures(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	type call func(c *Client) error
	ops := map[string]call{
		OpAnonymous: func(c *Client) error { _, _, err := c.AnonymousUser(context.Background()); return err },
		OpJoin:      func(c *Client) error { _, err := c.Join(context.Background(), testUser, JoinOptions{}); return err },
		OpLeave:     func(c *Client) error { _, err := c.Leave(context.Background(), testUser); return err },
		OpStatus:    func(c *Client) error { _, err := c.Status(context.Background(), testUser); return err },
		OpBalance:   func(c *Client) error { _, err := c.Balance(context.Background(), testUser); return err },
		OpWaitForMatch: func(c *Client) error {
			_, err := c.WaitForMatch(context.Background(), testUser, WaitOptions{Timeout: time.Second, PollInterval: 10 * time.Millisecond})
			return err
		},
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc // nil: a closed port
		timeout time.Duration
		status  int
		code    string // exact, or prefix when it ends with "*"
	}{
		{name: "connection refused", status: 0, code: "*connection refused"},
		{
			name: "timeout", timeout: 100 * time.Millisecond, status: 0, code: "request timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
		},
		{
			name: "500 with an API error", status: 500, code: "internal",
			handler: func(w http.ResponseWriter, r *http.Request) { status(500, `{"error":"internal","message":"boom"}`)(w) },
		},
		{
			name: "502 from a proxy, HTML", status: 502, code: "unexpected_status",
			handler: func(w http.ResponseWriter, r *http.Request) { status(502, `<html>bad gateway</html>`)(w) },
		},
		{
			name: "200 with malformed JSON", status: 200, code: "malformed_response",
			handler: func(w http.ResponseWriter, r *http.Request) { status(200, `{"status":"waiting",`)(w) },
		},
		{
			name: "200 with a JSON array", status: 200, code: "malformed_response",
			handler: func(w http.ResponseWriter, r *http.Request) { status(200, `[1,2]`)(w) },
		},
		{
			name: "401 echoing the Authorization header", status: 401, code: "unauthorized",
			handler: func(w http.ResponseWriter, r *http.Request) {
				status(401, fmt.Sprintf(`{"error":"unauthorized","message":"bad %s"}`, r.Header.Get("Authorization")))(w)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := closedURL
			if tt.handler != nil {
				srv := httptest.NewServer(tt.handler)
				defer srv.Close()
				url = srv.URL
			}
			c, sink := newTestClient(t, Config{BaseURL: url, Timeout: tt.timeout})
			for op, call := range ops {
				err := call(c)
				var oe *OpError
				if !errors.As(err, &oe) {
					t.Fatalf("%s: err = %v, want an *OpError", op, err)
				}
				code := oe.Code
				wantCode := tt.code
				if op == OpAnonymous && tt.status == 200 {
					wantCode = "unexpected_status" // it wants 201
				}
				if strings.HasPrefix(wantCode, "*") {
					if !strings.Contains(code, wantCode[1:]) {
						t.Errorf("%s: code %q lacks %q", op, code, wantCode[1:])
					}
				} else if code != wantCode {
					t.Errorf("%s: code %q, want %q", op, code, wantCode)
				}
				if oe.Op != op || oe.Status != tt.status {
					t.Errorf("%s: op %q status %d, want %q %d", op, oe.Op, oe.Status, op, tt.status)
				}
				if strings.Contains(err.Error(), secretToken) {
					t.Errorf("%s: error %q contains the token", op, err)
				}
				if er := sink.errorRate()[op]; len(er) != 1 || er[0] != 1 {
					t.Errorf("%s: error_rate %v, want [1]", op, er)
				}
			}
		})
	}
}

func TestTokenNeverShown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status(403, fmt.Sprintf(`{"error":"forbidden","message":"token %s is banned"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))(w)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	_, err := c.Status(context.Background(), testUser)
	var oe *OpError
	if !errors.As(err, &oe) || oe.Code != "forbidden" || oe.Message != "token <redacted> is banned" {
		t.Fatalf("err = %v, want the server's message with the token scrubbed", err)
	}
	// Users and tokens never print the token.
	var logBuf strings.Builder
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("user", "token", testUser.Token, "user", testUser)
	for name, s := range map[string]string{
		"%v":   fmt.Sprintf("%v", testUser),
		"%+v":  fmt.Sprintf("%+v", testUser),
		"%#v":  fmt.Sprintf("%#v", testUser),
		"%s":   fmt.Sprintf("%s", testUser.Token),
		"%q":   fmt.Sprintf("%q", testUser.Token),
		"slog": logBuf.String(),
	} {
		if strings.Contains(s, secretToken) {
			t.Errorf("%s shows the token: %s", name, s)
		}
		if !strings.Contains(s, "<redacted>") {
			t.Errorf("%s = %s, want <redacted>", name, s)
		}
	}
	if testUser.Token.Reveal() != secretToken {
		t.Errorf("Reveal() = %q", testUser.Token.Reveal())
	}
}

func TestOpErrorText(t *testing.T) {
	tests := []struct {
		err  *OpError
		want string
	}{
		{&OpError{Op: "join", Status: 402, Code: "insufficient_tokens", Message: "buy tokens first"}, "queue: join failed with HTTP 402: insufficient_tokens (buy tokens first)"},
		{&OpError{Op: "status", Code: "request timeout"}, "queue: status failed: request timeout"},
		{&OpError{Op: "wait_for_match", Status: 200, Code: "timeout"}, "queue: wait_for_match failed with HTTP 200: timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q", got)
			}
		})
	}
}

func TestCanceledIsNotAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status(200, `{"status":"waiting"}`)(w)
	}))
	defer srv.Close()
	c, sink := newTestClient(t, Config{BaseURL: srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.WaitForMatch(ctx, testUser, WaitOptions{Timeout: 10 * time.Second, PollInterval: 10 * time.Millisecond})
	var oe *OpError
	if !errors.As(err, &oe) || oe.Code != "canceled" {
		t.Fatalf("err = %v, want canceled", err)
	}
	if er := sink.errorRate(); len(er) != 0 {
		t.Errorf("error_rate samples %v after cancellation, want none", er)
	}
	_, err = c.Join(ctx, testUser, JoinOptions{})
	if !errors.As(err, &oe) || oe.Code != "canceled" || len(sink.of(JoinLatencyName)) != 0 {
		t.Errorf("join after cancel: %v", err)
	}
}

func TestMissingUser(t *testing.T) {
	c, sink := newTestClient(t, Config{BaseURL: "http://127.0.0.1:1"})
	_, err := c.Join(context.Background(), User{UserID: "usr_1"}, JoinOptions{})
	if !errors.Is(err, ErrNoUser) {
		t.Errorf("err = %v, want ErrNoUser", err)
	}
	if len(sink.errorRate()) != 0 {
		t.Errorf("a programming error must not count as an API error")
	}
}

func TestDecodeObject(t *testing.T) {
	tests := []struct {
		in      string
		keys    string
		wantErr bool
	}{
		{`{"b":1,"a":"x","c":null}`, "[b a c]", false},
		{` {"status":"waiting","position":3} `, "[status position]", false},
		{`{"a":1,"a":2}`, "[a]", false},
		{`{}`, "[]", false},
		{`{"o":{"x":1,"y":[{"z":2}]},"s":"a,\"b\":{","n":2}`, "[o s n]", false},
		{`{"a\"b":1,"\u00e9":2,"c":[1,{"d":3}]}`, `[a"b é c]`, false},
		{`{ "k1" : 1 , "k2" : { "k3" : "}" } , "k4" : [ "," ] }`, "[k1 k2 k4]", false},
		{`null`, "", true},
		{`[]`, "", true},
		{`"x"`, "", true},
		{`{"a":1} {"b":2}`, "", true},
		{`{"a":`, "", true},
		{``, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			b, err := decodeObject([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && fmt.Sprint(b.Keys) != tt.keys {
				t.Errorf("keys %v, want %s", b.Keys, tt.keys)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"valid", Config{BaseURL: "http://127.0.0.1:8080"}, nil},
		{"valid everything", Config{BaseURL: "https://x.test/api", Region: "r", Mode: "isolated", Paths: Paths{Join: "/j"}, Timeout: time.Second, Retry: Retry{MaxAttempts: 1}}, nil},
		{"missing base url", Config{}, []string{"baseUrl is required"}},
		{"bad base url, password hidden", Config{BaseURL: "ftp://u:hunter2@x"}, []string{"must be an http or https URL", "u:xxxxx@x"}},
		{"all at once", Config{BaseURL: "http://x", Region: strings.Repeat("r", 65), Mode: "solo", Paths: Paths{Leave: "leave"}, Timeout: -1, Retry: Retry{MaxAttempts: 0, Base: time.Second}},
			[]string{"region is 65 characters long; at most 64", `mode "solo" is not allowed`, `paths.leave "leave" must start with /`, "timeout -1ns must not be negative", "maxAttempts >= 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

// streamKeys is the reference for decodeObject's key order: a token-by-token
// decode of the object.
func streamKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		k := kt.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func TestDecodeObjectKeyOrderMatchesStreaming(t *testing.T) {
	var big strings.Builder
	big.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&big, `"k%02d":{"n%d":[%d,"}"]},`, 39-i, i, i)
	}
	big.WriteString(`"k05":"dup","last":true}`)
	inputs := []string{
		big.String(),
		`{"userId":"usr_1","token":"t.\"x\"","tokens":2,"nested":{"userId":"inner"},"list":[{"a":1},{"b":2}]}`,
		"{\n  \"status\": \"waiting\",\n  \"queueKey\": \"r:shared\",\n  \"position\": 3\n}",
	}
	for i, in := range inputs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			b, err := decodeObject([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			want := streamKeys(t, []byte(in))
			if !slices.Equal(b.Keys, want) {
				t.Errorf("keys %v, want %v", b.Keys, want)
			}
			if len(b.Values) != len(want) {
				t.Errorf("%d values for %d keys", len(b.Values), len(want))
			}
		})
	}
}

// BenchmarkDecodeObject decodes a typical API answer (every response is
// decoded once).
func BenchmarkDecodeObject(b *testing.B) {
	body := []byte(`{"status":"waiting","queueKey":"australiaCentral:isolated:usr_0123456789","position":1}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeObject(body); err != nil {
			b.Fatal(err)
		}
	}
}
