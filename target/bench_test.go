//go:build unix

package target

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// cpuTime returns the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loopback starts s on a real 127.0.0.1 listener and returns a keep-alive
// client sized for the benchmark's goroutines.
func loopback(b *testing.B, s *Server) *http.Client {
	if _, err := s.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// send performs one request, drains the answer and returns its status.
func send(hc *http.Client, method, url, token string, body []byte, headers ...string) (int, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, nil
}

// measure runs body under b.RunParallel (parallelism goroutines per CPU) and
// reports requests per second and CPU time per request (client included:
// both sides share the process).
func measure(b *testing.B, reqsPerOp int, parallelism int, body func(pb *testing.PB)) {
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(body)
	elapsed := time.Since(t0)
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	reqs := float64(reqsPerOp * b.N)
	b.ReportMetric(reqs/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(cpu.Microseconds())/reqs, "cpu-µs/req")
	b.ReportMetric(0, "ns/op") // per-op time is meaningless across goroutines; req/s says it
}

// BenchmarkJoinLeave measures POST /queue/join (shared queue) followed by
// POST /queue/leave over loopback with keep-alive connections, with the
// matching worker pairing concurrent joiners into sessions that the leaves
// end. One op is two requests.
func BenchmarkJoinLeave(b *testing.B) {
	s := newServer(b, Config{})
	hc := loopback(b, s)
	join, leave := s.URL()+"/queue/join", s.URL()+"/queue/leave"
	joinBody := []byte(`{"region":"bench","mode":"shared"}`)
	var failures atomic.Int64
	measure(b, 2, 8, func(pb *testing.PB) {
		u := s.st.createUser()
		s.st.credit(u, 1<<40)
		for pb.Next() {
			if code, err := send(hc, "POST", join, u.token, joinBody); err != nil || code != 200 {
				failures.Add(1)
			}
			if code, err := send(hc, "POST", leave, u.token, nil); err != nil || code != 200 {
				failures.Add(1)
			}
		}
	})
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d failed requests", n)
	}
	b.ReportMetric(float64(s.Stats().SessionsStarted)/float64(b.N), "sessions/op")
}

// BenchmarkWebhook measures signed POST /webhooks/stripe deliveries, each a
// new event id crediting one token, over loopback with keep-alive
// connections. Signing is done by the client inside the loop.
func BenchmarkWebhook(b *testing.B) {
	s := newServer(b, Config{})
	hc := loopback(b, s)
	url := s.URL() + "/webhooks/stripe"
	secret := s.WebhookSecret().Reveal()
	var gid, failures atomic.Int64
	measure(b, 1, 8, func(pb *testing.PB) {
		g := gid.Add(1)
		u := s.st.createUser()
		i := 0
		for pb.Next() {
			i++
			p := checkoutEvent(fmt.Sprintf("evt_bench_%d_%d", g, i), u.id, "1")
			now := time.Now()
			sig := "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=" + hex.EncodeToString(webhook.ComputeSignature(now, p, secret))
			if code, err := send(hc, "POST", url, "", p, "Stripe-Signature", sig); err != nil || code != 200 {
				failures.Add(1)
			}
		}
	})
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d failed requests", n)
	}
	if st := s.Stats(); st.Webhooks.Credited != int64(b.N) {
		b.Fatalf("credited %d events, want %d", st.Webhooks.Credited, b.N)
	}
}

// discardWriter is a reusable http.ResponseWriter that keeps only the code,
// so that BenchmarkHandler counts the server's allocations alone.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// reusableRequest is one request whose body can be reset between calls.
type reusableRequest struct {
	req *http.Request
	rd  *bytes.Reader
}

func newReusable(method, path, token string, headers ...string) *reusableRequest {
	rd := bytes.NewReader(nil)
	req := httptest.NewRequest(method, path, nil)
	req.Body = io.NopCloser(rd)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return &reusableRequest{req: req, rd: rd}
}

// serve runs the request with body through s and returns the status code.
func (r *reusableRequest) serve(s *Server, w *discardWriter, body []byte) int {
	r.rd.Reset(body)
	r.req.ContentLength = int64(len(body))
	clear(w.h)
	w.code = 200
	s.ServeHTTP(w, r.req)
	return w.code
}

// BenchmarkHandler measures the handler alone (no network, no client, a
// reused request and writer), to show the server's own CPU and allocations
// per request.
func BenchmarkHandler(b *testing.B) {
	s := newServer(b, Config{})
	u := s.st.createUser()
	s.st.credit(u, 1<<40)
	w := &discardWriter{h: http.Header{}}
	b.Run("join+leave", func(b *testing.B) {
		b.ReportAllocs()
		join := newReusable("POST", "/queue/join", u.token)
		leave := newReusable("POST", "/queue/leave", u.token)
		body := []byte(`{"region":"bench","mode":"isolated"}`)
		for b.Loop() {
			if join.serve(s, w, body) != 200 || leave.serve(s, w, nil) != 200 {
				b.Fatal("join/leave failed")
			}
		}
	})
	b.Run("me", func(b *testing.B) {
		b.ReportAllocs()
		me := newReusable("GET", "/me", u.token)
		for b.Loop() {
			if me.serve(s, w, nil) != 200 {
				b.Fatal("me failed")
			}
		}
	})
	b.Run("status", func(b *testing.B) {
		b.ReportAllocs()
		st := newReusable("GET", "/queue/status", u.token)
		for b.Loop() {
			if st.serve(s, w, nil) != 200 {
				b.Fatal("status failed")
			}
		}
	})
	b.Run("webhook", func(b *testing.B) {
		// Signature made once for a fixed timestamp; each op credits a new
		// event id, so the payload differs: sign outside the timer.
		b.ReportAllocs()
		secret := s.WebhookSecret()
		const batch = 4096
		payloads := make([][]byte, batch)
		sigs := make([]string, batch)
		n := 0
		refill := func() {
			for j := range payloads {
				n++
				payloads[j] = checkoutEvent("evt_h_"+strconv.Itoa(n), u.id, "1")
				sigs[j] = sign(payloads[j], time.Now(), secret)
			}
		}
		wh := newReusable("POST", "/webhooks/stripe", "")
		i := batch
		for b.Loop() {
			if i == batch {
				b.StopTimer()
				refill()
				i = 0
				b.StartTimer()
			}
			wh.req.Header.Set("Stripe-Signature", sigs[i])
			if wh.serve(s, w, payloads[i]) != 200 {
				b.Fatal("webhook failed")
			}
			i++
		}
	})
}
