package queue

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Tests against the reference staging API (package target), in-process.

func TestTargetIsolatedRoundTrip(t *testing.T) {
	srv := startTarget(t)
	c, sink := newTestClient(t, Config{BaseURL: srv.URL(), Region: "europeWest", Mode: "isolated"})
	ctx := context.Background()

	u, res, err := c.AnonymousUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.UserID, "usr_") || u.Token == "" || res.HTTPStatus != http.StatusCreated {
		t.Fatalf("user %q token set %v status %d", u.UserID, u.Token != "", res.HTTPStatus)
	}

	joined, err := c.Join(ctx, u, JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if joined.State() != "waiting" || joined.Body.String("queueKey") != "europeWest:isolated:"+u.UserID {
		t.Errorf("join = %+v", joined.Body)
	}
	if _, ok := joined.Body.Number("position"); !ok {
		t.Errorf("join has no position: %+v", joined.Body)
	}
	if got := joined.Body.Keys; len(got) < 3 || got[0] != "status" {
		t.Errorf("keys %q, want the API's order starting with status", got)
	}

	st, err := c.Status(ctx, u)
	if err != nil || st.State() != "waiting" {
		t.Fatalf("status = %+v, %v", st.Body, err)
	}

	// Joining twice is refused: errors are data.
	_, err = c.Join(ctx, u, JoinOptions{})
	var oe *OpError
	if !errors.As(err, &oe) || oe.Status != http.StatusConflict || oe.Code != "already_queued" || oe.Op != OpJoin {
		t.Fatalf("second join: %v, want 409 already_queued", err)
	}

	me, err := c.Balance(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if tok, _ := me.Body.Number("tokens"); tok != 0 || me.State() != "waiting" || me.Body.String("userId") != u.UserID {
		t.Errorf("balance = %+v", me.Body)
	}

	left, err := c.Leave(ctx, u)
	if err != nil || left.State() != "idle" {
		t.Fatalf("leave = %+v, %v", left.Body, err)
	}
	// Leaving is idempotent.
	if _, err := c.Leave(ctx, u); err != nil {
		t.Fatalf("second leave: %v", err)
	}

	// An isolated queue never matches: waitForMatch times out.
	if _, err := c.Join(ctx, u, JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitForMatch(ctx, u, WaitOptions{Timeout: 150 * time.Millisecond, PollInterval: 20 * time.Millisecond})
	if !errors.As(err, &oe) || oe.Code != "timeout" || oe.Op != OpWaitForMatch || oe.Status != http.StatusOK {
		t.Fatalf("waitForMatch: %v, want a timeout", err)
	}

	// Metrics: tagged with region and mode (and the VU's tags).
	joins := sink.of(JoinLatencyName)
	if len(joins) != 2 {
		t.Fatalf("%d join latency samples, want 2 (the refused join records none)", len(joins))
	}
	for _, s := range append(joins, sink.of(LeaveLatencyName)...) {
		if s.Value <= 0 || s.Value > 5000 {
			t.Errorf("%s = %vms", s.Metric.Name, s.Value)
		}
		for k, v := range map[string]string{"region": "europeWest", "mode": "isolated", "scenario": "default"} {
			if got, _ := s.Tags.Get(k); got != v {
				t.Errorf("%s tag %s = %q, want %q", s.Metric.Name, k, got, v)
			}
		}
	}
	if n := len(sink.of(LeaveLatencyName)); n != 2 {
		t.Errorf("%d leave latency samples, want 2", n)
	}
	if n := len(sink.of(MatchLatencyName)); n != 0 {
		t.Errorf("%d match latency samples, want none", n)
	}
	want := map[string][]float64{
		OpAnonymous: {0}, OpJoin: {0, 1, 0}, OpStatus: {0}, OpBalance: {0},
		OpLeave: {0, 0}, OpWaitForMatch: {1},
	}
	got := sink.errorRate()
	for op, w := range want {
		if len(got[op]) != len(w) {
			t.Errorf("error_rate{op:%s} = %v, want %v", op, got[op], w)
			continue
		}
		for i := range w {
			if got[op][i] != w[i] {
				t.Errorf("error_rate{op:%s} = %v, want %v", op, got[op], w)
			}
		}
	}
}

func TestTargetSharedMatch(t *testing.T) {
	srv := startTarget(t)
	c, sink := newTestClient(t, Config{BaseURL: srv.URL(), Mode: "shared"})
	ctx := context.Background()

	a, _, err := c.AnonymousUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := c.AnonymousUser(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// No token: the shared queue refuses.
	_, err = c.Join(ctx, a, JoinOptions{})
	var oe *OpError
	if !errors.As(err, &oe) || oe.Status != http.StatusPaymentRequired || oe.Code != "insufficient_tokens" || oe.Message == "" {
		t.Fatalf("join without tokens: %v, want 402 insufficient_tokens with a message", err)
	}

	credit(t, srv, a.UserID, 2)
	credit(t, srv, b.UserID, 2)
	if _, err := c.Join(ctx, a, JoinOptions{SessionSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Join(ctx, b, JoinOptions{SessionSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	ma, err := c.WaitForMatch(ctx, a, WaitOptions{Timeout: 5 * time.Second, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := c.WaitForMatch(ctx, b, WaitOptions{Timeout: 5 * time.Second, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if ma.State() != "matched" || ma.Body.String("peerId") != b.UserID || mb.Body.String("peerId") != a.UserID ||
		ma.Body.String("sessionId") == "" || ma.Body.String("sessionId") != mb.Body.String("sessionId") {
		t.Fatalf("matches: %+v / %+v", ma.Body, mb.Body)
	}
	ml := sink.of(MatchLatencyName)
	if len(ml) != 2 {
		t.Fatalf("%d match latency samples, want 2", len(ml))
	}
	for _, s := range ml {
		if s.Value < 0 || s.Value > 5000 {
			t.Errorf("match latency %vms", s.Value)
		}
		if mode, _ := s.Tags.Get("mode"); mode != "shared" {
			t.Errorf("mode tag %q", mode)
		}
		if region, _ := s.Tags.Get("region"); region != DefaultRegion {
			t.Errorf("region tag %q", region)
		}
	}

	// Each participant paid one token.
	for _, u := range []User{a, b} {
		me, err := c.Balance(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if tok, _ := me.Body.Number("tokens"); tok != 1 || me.State() != "in_session" {
			t.Errorf("balance of %s = %+v, want 1 token, in_session", u.UserID, me.Body)
		}
	}

	// Waiting while already matched returns at once; leaving ends the session for both.
	if _, err := c.Leave(ctx, a); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(ctx, b)
	if err != nil || st.State() != "idle" {
		t.Fatalf("status of the peer after leave: %+v, %v", st.Body, err)
	}
	_, err = c.WaitForMatch(ctx, b, WaitOptions{Timeout: time.Second})
	if !errors.As(err, &oe) || oe.Code != "not_waiting" {
		t.Fatalf("waitForMatch while idle: %v, want not_waiting", err)
	}
}

func TestTargetCustomPaths(t *testing.T) {
	srv := startTarget(t)
	// A gateway that serves the API under /api/v2 with other route names.
	routes := map[string]string{
		"/api/v2/users/anonymous": "/auth/anonymous",
		"/api/v2/account":         "/me",
		"/api/v2/mm/enqueue":      "/queue/join",
		"/api/v2/mm/dequeue":      "/queue/leave",
		"/api/v2/mm/state":        "/queue/status",
	}
	gw := newGateway(t, srv.URL(), routes)
	c, _ := newTestClient(t, Config{
		BaseURL: gw + "/api/v2/",
		Mode:    "isolated",
		Paths:   Paths{Anonymous: "/users/anonymous", Me: "/account", Join: "/mm/enqueue", Leave: "/mm/dequeue", Status: "/mm/state"},
	})
	ctx := context.Background()
	u, _, err := c.AnonymousUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Join(ctx, u, JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Status(ctx, u); err != nil || st.State() != "waiting" {
		t.Fatalf("status %+v %v", st.Body, err)
	}
	if _, err := c.Balance(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Leave(ctx, u); err != nil {
		t.Fatal(err)
	}
}

func TestTargetInvalidToken(t *testing.T) {
	srv := startTarget(t)
	c, sink := newTestClient(t, Config{BaseURL: srv.URL()})
	const token = "not-a-real-token-123"
	_, err := c.Status(context.Background(), User{UserID: "usr_x", Token: token})
	var oe *OpError
	if !errors.As(err, &oe) || oe.Status != http.StatusUnauthorized || oe.Code != "unauthorized" {
		t.Fatalf("err = %v, want 401 unauthorized", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error %q contains the token", err)
	}
	if got := sink.errorRate()[OpStatus]; len(got) != 1 || got[0] != 1 {
		t.Errorf("error_rate{op:status} = %v", got)
	}
}
