package queue

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/stripe"
	"github.com/stampede-load/stampede/target"
)

// testSink collects samples, starting from fixed VU tags.
type testSink struct {
	mu      sync.Mutex
	samples []metrics.Sample
}

func (s *testSink) Tags() *metrics.TagSet {
	return metrics.NewTagSet(map[string]string{"scenario": "default"})
}

func (s *testSink) Add(samples ...metrics.Sample) {
	s.mu.Lock()
	s.samples = append(s.samples, samples...)
	s.mu.Unlock()
}

// of returns the samples of the metric called name.
func (s *testSink) of(name string) []metrics.Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []metrics.Sample
	for _, x := range s.samples {
		if x.Metric.Name == name {
			out = append(out, x)
		}
	}
	return out
}

// errorRate returns the error_rate values per op tag, in order.
func (s *testSink) errorRate() map[string][]float64 {
	out := map[string][]float64{}
	for _, x := range s.of(ErrorRateName) {
		op, _ := x.Tags.Get("op")
		out[op] = append(out[op], x.Value)
	}
	return out
}

func newTestClient(t *testing.T, cfg Config) (*Client, *testSink) {
	t.Helper()
	m, err := RegisterMetrics(metrics.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	sink := &testSink{}
	cfg.Metrics, cfg.Sink = m, sink
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sink
}

// startTarget runs the reference staging API in-process on a loopback port.
func startTarget(t *testing.T) *target.Server {
	t.Helper()
	srv, err := target.New(target.Config{Addr: "127.0.0.1:0", MatchInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv
}

// credit buys tokens for userID with a signed checkout.session.completed webhook.
func credit(t *testing.T, srv *target.Server, userID string, tokens int64) {
	t.Helper()
	ev, err := stripe.CheckoutCompleted(stripe.Purchase{UserID: userID, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := stripe.Sign(payload, stripe.Secret(srv.WebhookSecret().Reveal()), stripe.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/webhooks/stripe", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sig)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != http.StatusOK || body["credited"] != float64(tokens) {
		t.Fatalf("crediting %d tokens: HTTP %d %v", tokens, res.StatusCode, body)
	}
}

// newGateway serves the API at upstream under other paths (routes maps a
// gateway path to the API's path); unknown paths are 404.
func newGateway(t *testing.T, upstream string, routes map[string]string) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		to, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		r.URL.Path = to
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gw.Close)
	return gw.URL
}
