package target

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// watchBalances checks, until stop is closed, that no balance is ever
// negative or differs from credited - debited. It returns the number of
// violations seen (read after stop is closed and done is received).
func watchBalances(s *Server, stop <-chan struct{}) (violations *atomic.Int64, done <-chan struct{}) {
	violations = new(atomic.Int64)
	d := make(chan struct{})
	go func() {
		defer close(d)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := range s.st.byID {
				sh := &s.st.byID[i]
				sh.mu.RLock()
				for _, u := range sh.m {
					u.mu.Lock()
					if u.tokens < 0 || u.tokens != u.credited-u.debited {
						violations.Add(1)
					}
					u.mu.Unlock()
				}
				sh.mu.RUnlock()
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return violations, d
}

// bodyWriter is a reusable http.ResponseWriter keeping code and body.
type bodyWriter struct {
	h    http.Header
	code int
	body []byte
}

func (w *bodyWriter) Header() http.Header  { return w.h }
func (w *bodyWriter) WriteHeader(code int) { w.code = code }
func (w *bodyWriter) Write(p []byte) (int, error) {
	w.body = append(w.body, p...)
	return len(p), nil
}
func (w *bodyWriter) reset() { clear(w.h); w.code = 200; w.body = w.body[:0] }

func TestConcurrentDuplicateWebhooks(t *testing.T) {
	const (
		goroutines = 100
		events     = 1000
		users      = 50
	)
	s := newServer(t, Config{})
	// In-process: 100,000 requests over loopback take minutes under -race;
	// the handler, store and their locks are the same.
	c := direct(t, s)
	ids := make([]string, users)
	for i := range ids {
		ids[i], _ = c.newUser()
	}
	type delivery struct{ payload, header []byte }
	deliveries := make([]delivery, events)
	want := map[string]int64{}
	var wantTotal int64
	for i := range deliveries {
		uid, n := ids[i%users], i%7+1
		p := checkoutEvent(fmt.Sprintf("evt_conc_%04d", i), uid, fmt.Sprint(n))
		if i%2 == 1 {
			p = paymentEvent(fmt.Sprintf("evt_conc_%04d", i), uid, fmt.Sprint(n))
		}
		deliveries[i] = delivery{p, []byte(sign(p, time.Now(), testSecret))}
		want[uid] += int64(n)
		wantTotal += int64(n)
	}

	stop := make(chan struct{})
	violations, watched := watchBalances(s, stop)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for g := range goroutines {
		wg.Go(func() {
			// A lean loop (no response decoding into maps): this test makes
			// 100,000 requests and must stay fast under -race.
			rng := rand.New(rand.NewPCG(uint64(g), 42))
			w := &bodyWriter{h: http.Header{}}
			for _, i := range rng.Perm(events) {
				d := deliveries[i]
				req := newDirectRequest("POST", "/webhooks/stripe", d.payload)
				req.Header["Stripe-Signature"] = []string{string(d.header)}
				w.reset()
				s.ServeHTTP(w, req)
				if w.code != 200 || !(bytes.HasPrefix(w.body, []byte(`{"received":true,"credited":`)) ||
					bytes.Equal(w.body, []byte(`{"received":true,"duplicate":true}`))) {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-watched

	if bad.Load() != 0 {
		t.Fatalf("%d deliveries answered neither credited nor duplicate", bad.Load())
	}
	if v := violations.Load(); v != 0 {
		t.Fatalf("%d balance invariant violations observed during the run", v)
	}
	st := s.Stats()
	if st.Webhooks.Credited != events || st.Webhooks.Duplicate != (goroutines-1)*events || st.TokensCredited != wantTotal {
		t.Fatalf("stats %+v; want %d credited events, %d duplicates, %d tokens", st, events, (goroutines-1)*events, wantTotal)
	}
	for uid, n := range want {
		if bal, _ := s.UserBalance(uid); bal != n {
			t.Errorf("user %s: balance %d, want %d", uid, bal, n)
		}
	}
	checkInvariants(t, s)
}

func TestConcurrentSharedQueue(t *testing.T) {
	const n = 2000
	s := newServer(t, Config{MatchInterval: time.Millisecond, SessionHold: time.Hour})
	dc := direct(t, s)
	type player struct {
		id, token string
		tokens    int64
	}
	players := make([]player, n)
	for i := range players {
		// Set up through the store: the webhook path is tested elsewhere.
		u := s.st.createUser()
		players[i] = player{id: u.id, token: u.token, tokens: int64(1 + i%3)}
		s.st.credit(u, players[i].tokens)
	}

	// The joins go to the handler in-process: 2,000 loopback connections
	// cost tens of seconds under -race and add nothing to what is checked
	// (the store's locking); the worker ticks every millisecond meanwhile.
	c := dc
	t0 := time.Now()
	stop := make(chan struct{})
	violations, watched := watchBalances(s, stop)
	var wg sync.WaitGroup
	start := make(chan struct{})
	var bad atomic.Int64
	for _, p := range players {
		wg.Go(func() {
			<-start
			r := c.do("POST", "/queue/join", p.token, []byte(`{"region":"load","mode":"shared"}`))
			if r.code != 200 || r.str("queueKey") != "load:shared" || r.num("position") < 1 {
				bad.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	eventually(t, 10*time.Second, "1000 sessions", func() bool {
		st := s.Stats()
		return st.SessionsStarted == n/2 && st.Waiting == 0
	})
	close(stop)
	<-watched
	t.Logf("joins and matching took %s", time.Since(t0))
	if bad.Load() != 0 {
		t.Fatalf("%d joins failed", bad.Load())
	}
	if v := violations.Load(); v != 0 {
		t.Fatalf("%d balance invariant violations observed during matching", v)
	}

	st := s.Stats()
	if st.SessionsStarted != n/2 || st.SessionsActive != n/2 || st.TokensDebited != n {
		t.Fatalf("stats %+v", st)
	}
	sessionOf := map[string]string{}
	members := map[string][]string{}
	for _, p := range players {
		r := dc.do("GET", "/queue/status", p.token, nil)
		if r.str("status") != "matched" {
			t.Fatalf("user %s not matched: %v", p.id, r)
		}
		sid := r.str("sessionId")
		sessionOf[p.id] = sid
		members[sid] = append(members[sid], p.id)
		if bal, _ := s.UserBalance(p.id); bal != p.tokens-1 {
			t.Errorf("user %s: balance %d, want %d (exactly one debit)", p.id, bal, p.tokens-1)
		}
	}
	if len(members) != n/2 {
		t.Fatalf("%d distinct sessions, want %d", len(members), n/2)
	}
	for sid, m := range members {
		if len(m) != 2 || m[0] == m[1] {
			t.Fatalf("session %s has members %v", sid, m)
		}
	}
	for _, p := range players {
		r := dc.do("GET", "/queue/status", p.token, nil)
		if peer := r.str("peerId"); sessionOf[peer] != sessionOf[p.id] {
			t.Fatalf("user %s and peer %s are in different sessions", p.id, peer)
		}
	}
	checkInvariants(t, s)
}

// TestChurn races joins, leaves, session ends and status reads against a
// fast worker, then checks the invariants.
func TestChurn(t *testing.T) {
	const (
		users = 40
		iters = 150
	)
	s := newServer(t, Config{MatchInterval: 200 * time.Microsecond, SessionHold: 2 * time.Millisecond})
	c := direct(t, s)
	toks := make([]string, users)
	for i := range toks {
		var id string
		id, toks[i] = c.newUser()
		c.buy(id, 1000)
	}
	stop := make(chan struct{})
	violations, watched := watchBalances(s, stop)
	var wg sync.WaitGroup
	for i, tok := range toks {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for range iters {
				switch rng.IntN(6) {
				case 0, 1:
					c.do("POST", "/queue/join", tok, []byte(`{"region":"churn"}`))
				case 2:
					c.do("POST", "/queue/leave", tok, nil)
				case 3:
					if r := c.do("GET", "/queue/status", tok, nil); r.str("sessionId") != "" {
						c.do("POST", "/sessions/"+r.str("sessionId")+"/end", tok, nil)
					}
				case 4:
					c.do("GET", "/me", tok, nil)
				case 5:
					c.do("POST", "/queue/join", tok, []byte(`{"region":"churn","mode":"isolated"}`))
				}
			}
			c.do("POST", "/queue/leave", tok, nil)
		})
	}
	wg.Wait()
	close(stop)
	<-watched
	if v := violations.Load(); v != 0 {
		t.Fatalf("%d balance invariant violations", v)
	}
	// Stop the worker so that the state is quiescent, then check it.
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s)
	if st := s.Stats(); st.Waiting != 0 || st.SessionsActive != 0 {
		t.Fatalf("everyone left, yet %+v", st)
	}
	t.Logf("churn: %+v", s.Stats())
}
