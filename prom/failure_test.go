package prom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"
)

// Tests of authentication and failure paths against httptest fakes of the
// Prometheus HTTP API.

const testToken = "tok-s3cr3t-XYZ"

const vectorBody = `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"x"},"value":[1700000000.5,"1"]}]}}`

func TestBearerTokenAndHeaders(t *testing.T) {
	var gotAuth, gotTenant []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		gotTenant = append(gotTenant, r.Header.Get("X-Scope-OrgID"))
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			// Echo what was received, as a careless proxy might.
			http.Error(w, "unauthorized: got "+r.Header.Get("Authorization"), http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, vectorBody)
	}))
	defer srv.Close()

	t.Run("token and headers are sent", func(t *testing.T) {
		c, err := New(Config{URL: srv.URL, BearerToken: testToken, Headers: map[string]string{"X-Scope-OrgID": "team-a"}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Query(context.Background(), "up", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Value != 1 || res[0].Metric["job"] != "x" {
			t.Errorf("result %+v", res)
		}
		if want := time.Unix(1700000000, 5e8); !res[0].Timestamp.Equal(want) {
			t.Errorf("timestamp %v, want %v", res[0].Timestamp, want)
		}
		if gotTenant[len(gotTenant)-1] != "team-a" {
			t.Errorf("X-Scope-OrgID = %q", gotTenant[len(gotTenant)-1])
		}
	})

	t.Run("wrong token is a clear client error without the token", func(t *testing.T) {
		c, err := New(Config{URL: srv.URL, BearerToken: "wrong-" + testToken})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Query(context.Background(), "up", time.Time{})
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Reason != ReasonClientError || qe.Status != http.StatusUnauthorized {
			t.Fatalf("err = %#v, want a client_error with status 401", err)
		}
		if !strings.Contains(err.Error(), "check bearerToken") {
			t.Errorf("error %q does not point at the credentials", err)
		}
		assertNoToken(t, err, testToken)
		if gotAuth[len(gotAuth)-1] != "Bearer wrong-"+testToken {
			t.Errorf("Authorization = %q", gotAuth[len(gotAuth)-1])
		}
	})
}

// hang answers nothing until the client goes away (at most 5 s). The body is
// read first: the server notices a closed connection only after that.
func hang(r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func assertNoToken(t *testing.T, err error, token string) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), token) {
			t.Errorf("error text %q contains the bearer token", e.Error())
		}
		if s := fmt.Sprintf("%+v %#v", e, e); strings.Contains(s, token) {
			t.Errorf("formatted error %q contains the bearer token", s)
		}
	}
}

func TestFailures(t *testing.T) {
	echoAuth := func(w http.ResponseWriter, r *http.Request) string { return r.Header.Get("Authorization") }
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name    string
		handler http.HandlerFunc // nil: use closedURL
		timeout time.Duration
		reason  Reason
		status  int
		inText  string
	}{
		{name: "down", reason: ReasonUnreachable, inText: "connection refused"},
		{
			name: "slow", timeout: 150 * time.Millisecond, reason: ReasonTimeout, inText: "timeout after 150ms",
			handler: func(w http.ResponseWriter, r *http.Request) {
				hang(r)
			},
		},
		{
			name: "500 plain text echoing the token", reason: ReasonServerError, status: 500, inText: "HTTP 500): server_error: server error: 500: boom: Bearer <redacted>",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "boom: "+echoAuth(w, r), http.StatusInternalServerError)
			},
		},
		{
			name: "503 echoing the token", reason: ReasonServerError, status: 503, inText: "overloaded, caller Bearer <redacted>",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, `{"status":"error","errorType":"unavailable","error":"overloaded, caller %s"}`, echoAuth(w, r))
			},
		},
		{
			name: "422 API execution error", reason: ReasonServerError, inText: "execution: query processing would load too many samples",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusUnprocessableEntity)
				fmt.Fprint(w, `{"status":"error","errorType":"execution","error":"query processing would load too many samples"}`)
			},
		},
		{
			name: "404 wrong path", reason: ReasonClientError, status: 404, inText: "check the url",
			handler: http.NotFound,
		},
		{
			name: "malformed JSON", reason: ReasonBadResponse,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[{`)
			},
		},
		{
			name: "HTML from a proxy", reason: ReasonBadResponse,
			handler: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<html>login</html>`)
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
			logger, hook := logtest.NewNullLogger()
			c, err := New(Config{URL: url, BearerToken: testToken, Timeout: tt.timeout, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			calls := map[string]func() error{
				"query": func() error { _, err := c.Query(ctx, "up", time.Time{}); return err },
				"query_range": func() error {
					_, err := c.QueryRange(ctx, "up", time.Now().Add(-time.Minute), time.Now(), time.Second)
					return err
				},
				"scalar": func() error {
					v, err := c.Scalar(ctx, "up")
					if !math.IsNaN(v) {
						t.Errorf("scalar value %v on failure, want NaN", v)
					}
					return err
				},
				"snapshot": func() error { _, err := c.Snapshot(ctx, map[string]string{"u": "up"}); return err },
			}
			for op, call := range calls {
				err := call()
				var qe *QueryError
				if !errors.As(err, &qe) {
					t.Fatalf("%s: err = %v, want a *QueryError", op, err)
				}
				if qe.Op != op || qe.Reason != tt.reason || qe.Status != tt.status {
					t.Errorf("%s: op %q reason %q status %d, want %q %q %d (%v)", op, qe.Op, qe.Reason, qe.Status, op, tt.reason, tt.status, err)
				}
				if !strings.Contains(err.Error(), tt.inText) || !strings.Contains(err.Error(), `"up"`) {
					t.Errorf("%s: error %q lacks %q or the query", op, err, tt.inText)
				}
				assertNoToken(t, err, testToken)
			}
			if len(hook.AllEntries()) != 0 {
				t.Errorf("failures must be returned, not logged: %v", hook.AllEntries())
			}
		})
	}
}

func TestTimeoutIsAContextError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hang(r) }))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(context.Background(), "up", time.Time{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, DeadlineExceeded) = false", err)
	}
}

func TestCallerCancellation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hang(r) }))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = c.Query(ctx, "up", time.Time{})
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Reason != ReasonCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want reason canceled", err)
	}
}

func TestHintWhenMetricNamesFail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/label/") {
			http.Error(w, "nope", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	}))
	defer srv.Close()
	logger, hook := logtest.NewNullLogger()
	c, err := New(Config{URL: srv.URL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Query(context.Background(), "nothing_here", time.Time{})
	if err != nil || len(res) != 0 {
		t.Fatalf("got %v, %v", res, err)
	}
	w := warnings(hook)
	if len(w) != 1 || !strings.Contains(w[0], "metric names could not be listed") {
		t.Errorf("warnings = %q", w)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings; nil = valid
	}{
		{"valid", Config{URL: "http://127.0.0.1:9090"}, nil},
		{"valid with prefix and https", Config{URL: "https://example.test/prometheus", Timeout: time.Second}, nil},
		{"missing url", Config{}, []string{"url is required"}},
		{"bad scheme", Config{URL: "ftp://x"}, []string{"must use http or https"}},
		{"no host", Config{URL: "http://"}, []string{"has no host"}},
		{"password hidden", Config{URL: "ftp://u:pa55word@x"}, []string{"u:xxxxx@x"}},
		{"everything wrong at once", Config{URL: "", Timeout: -time.Second, BearerToken: "t", Headers: map[string]string{"Authorization": "Basic x", "bad name": "v"}},
			[]string{"url is required", "timeout -1s must not be negative", "not both", `header name "bad name"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
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
			if strings.Contains(err.Error(), "pa55word") {
				t.Errorf("error %q shows the URL's password", err)
			}
		})
	}
}
