package target

import (
	"testing"
	"time"
)

// joinAll makes each token join the default shared queue, in order.
func joinAll(t *testing.T, c *client, body string, toks ...string) {
	t.Helper()
	for _, tok := range toks {
		if r := c.do("POST", "/queue/join", tok, []byte(body)); r.code != 200 {
			t.Fatalf("join: %v", r)
		}
	}
}

// funded creates n users with tokens each and returns ids and tokens.
func funded(c *client, n, tokens int) (ids, toks []string) {
	for range n {
		id, tok := c.newUser()
		if tokens > 0 {
			c.buy(id, tokens)
		}
		ids, toks = append(ids, id), append(toks, tok)
	}
	return ids, toks
}

func TestMatchingFIFO(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)
	ids, toks := funded(c, 5, 1)
	joinAll(t, c, `{}`, toks[:3]...)
	s.w.tick()
	peer := func(i int) string { return c.do("GET", "/queue/status", toks[i], nil).str("peerId") }
	if peer(0) != ids[1] || peer(1) != ids[0] {
		t.Fatalf("first two joiners not paired: %s %s", peer(0), peer(1))
	}
	if r := c.do("GET", "/queue/status", toks[2], nil); r.str("status") != "waiting" || r.num("position") != 1 {
		t.Fatalf("odd one out: %v", r)
	}
	if r := c.do("POST", "/queue/join", toks[3], nil); r.num("position") != 2 {
		t.Fatalf("late joiner: %v", r)
	}
	joinAll(t, c, `{"region":"elsewhere"}`, toks[4])
	s.w.tick()
	if peer(2) != ids[3] {
		t.Fatalf("the user who waited longest was not matched with the next joiner")
	}
	if r := c.do("GET", "/queue/status", toks[4], nil); r.str("status") != "waiting" {
		t.Fatalf("a user in another region was matched: %v", r)
	}
	checkInvariants(t, s)
}

func TestMatchDropsUserWithoutTokens(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)
	ids, toks := funded(c, 3, 1)
	joinAll(t, c, `{}`, toks...)
	// Take the first user's token away as a refund would (the API has no
	// other way to lose tokens while waiting).
	u := s.st.userByID(ids[0])
	u.mu.Lock()
	u.tokens--
	u.credited--
	u.mu.Unlock()
	s.w.tick()
	if r := c.do("GET", "/queue/status", toks[0], nil); r.str("status") != "idle" {
		t.Fatalf("user without tokens still queued: %v", r)
	}
	if r := c.do("GET", "/queue/status", toks[1], nil); r.str("peerId") != ids[2] {
		t.Fatalf("the others were not matched: %v", r)
	}
	if st := s.Stats(); st.Waiting != 0 || st.SessionsStarted != 1 {
		t.Fatalf("stats %+v", st)
	}
	checkInvariants(t, s)
}

func TestSessionAutoEnd(t *testing.T) {
	tests := []struct {
		name       string
		joinA      string
		joinB      string
		wantLength time.Duration
	}{
		{"server default", `{}`, `{}`, 30 * time.Second},
		{"sessionSeconds from one join", `{"sessionSeconds":5}`, `{}`, 5 * time.Second},
		{"sessionSeconds from the other join", `{}`, `{"sessionSeconds":7}`, 7 * time.Second},
		{"both ask: the longer wins", `{"sessionSeconds":3}`, `{"sessionSeconds":9}`, 9 * time.Second},
		{"longer than the default", `{"sessionSeconds":3600}`, `{}`, time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := manualServer(t)
			c := direct(t, s)
			_, toks := funded(c, 2, 1)
			joinAll(t, c, tc.joinA, toks[0])
			joinAll(t, c, tc.joinB, toks[1])
			start := clk.Now()
			s.w.tick()
			sid := c.do("GET", "/queue/status", toks[0], nil).str("sessionId")
			clk.Advance(tc.wantLength - time.Millisecond)
			s.w.tick()
			if r := c.do("GET", "/sessions/"+sid, toks[0], nil); r.str("state") != "active" {
				t.Fatalf("ended early: %v", r)
			}
			clk.Advance(time.Millisecond)
			s.w.tick()
			r := c.do("GET", "/sessions/"+sid, toks[1], nil)
			if r.str("state") != "ended" || r.str("endsAt") != start.Add(tc.wantLength).Format(time.RFC3339Nano) {
				t.Fatalf("after the hold: %v", r)
			}
			for _, tok := range toks {
				if me := c.do("GET", "/me", tok, nil); me.str("status") != "idle" {
					t.Fatalf("user not idle after the session: %v", me)
				}
			}
			if st := s.Stats(); st.SessionsActive != 0 || st.SessionsStarted != 1 {
				t.Fatalf("stats %+v", st)
			}
			// Ended sessions stay readable for a while, then are forgotten.
			clk.Advance(sessionRetention - time.Second)
			s.w.tick()
			if r := c.do("GET", "/sessions/"+sid, toks[0], nil); r.code != 200 {
				t.Fatalf("forgotten too early: %v", r)
			}
			clk.Advance(time.Second)
			s.w.tick()
			wantErr(t, c.do("GET", "/sessions/"+sid, toks[0], nil), 404, "not_found")
			checkInvariants(t, s)
		})
	}
}

func TestSessionAutoEndRealTime(t *testing.T) {
	s := newServer(t, Config{SessionHold: 50 * time.Millisecond, MatchInterval: 5 * time.Millisecond})
	c := overHTTP(t, s)
	_, toks := funded(c, 2, 2)
	joinAll(t, c, `{}`, toks...)
	eventually(t, 5*time.Second, "a session", func() bool { return s.Stats().SessionsStarted == 1 })
	eventually(t, 5*time.Second, "the session to end", func() bool { return s.Stats().SessionsActive == 0 })
	for _, tok := range toks {
		if r := c.do("GET", "/queue/status", tok, nil); r.str("status") != "idle" {
			t.Fatalf("after auto-end: %v", r)
		}
	}
	// They can play again.
	joinAll(t, c, `{}`, toks...)
	eventually(t, 5*time.Second, "a second session", func() bool { return s.Stats().SessionsStarted == 2 })
}

func TestLeaveEndsSessionForBoth(t *testing.T) {
	s, clk := manualServer(t)
	c := direct(t, s)
	_, toks := funded(c, 2, 3)
	joinAll(t, c, `{}`, toks...)
	s.w.tick()
	sid := c.do("GET", "/queue/status", toks[0], nil).str("sessionId")
	clk.Advance(time.Second)
	if r := c.do("POST", "/queue/leave", toks[1], nil); r.code != 200 || r.str("status") != "idle" {
		t.Fatalf("leave in session: %v", r)
	}
	for _, tok := range toks {
		if r := c.do("GET", "/queue/status", tok, nil); r.str("status") != "idle" {
			t.Fatalf("after leave: %v", r)
		}
		if r := c.do("GET", "/sessions/"+sid, tok, nil); r.str("state") != "ended" {
			t.Fatalf("session after leave: %v", r)
		}
	}
	// The expiry timer of the ended session is harmless.
	clk.Advance(time.Minute)
	s.w.tick()
	if st := s.Stats(); st.SessionsActive != 0 || st.TokensDebited != 2 {
		t.Fatalf("stats %+v", st)
	}
	// Both may queue again and are matched into a new session.
	joinAll(t, c, `{}`, toks...)
	s.w.tick()
	if r := c.do("GET", "/queue/status", toks[0], nil); r.str("status") != "matched" || r.str("sessionId") == sid {
		t.Fatalf("rematch: %v", r)
	}
	checkInvariants(t, s)
}
