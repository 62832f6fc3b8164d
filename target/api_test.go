package target

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wantErr checks an error answer: status, machine code and a message.
func wantErr(t *testing.T, r resp, code int, errCode string) {
	t.Helper()
	if r.code != code || r.str("error") != errCode || r.str("message") == "" {
		t.Fatalf("got %v, want %d {error: %q, message: ...}", r, code, errCode)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

func TestAuthAndMe(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)

	r := c.do("POST", "/auth/anonymous", "", nil)
	if r.code != 201 || !strings.HasPrefix(r.str("userId"), "usr_") || len(r.str("token")) != 64 {
		t.Fatalf("POST /auth/anonymous: %v", r)
	}
	id, tok := r.str("userId"), r.str("token")
	if id2, tok2 := c.newUser(); id2 == id || tok2 == tok {
		t.Fatal("two users got the same id or token")
	}

	tests := []struct {
		name   string
		header string
		code   int
	}{
		{"valid token", "Bearer " + tok, 200},
		{"lowercase scheme", "bearer " + tok, 200},
		{"missing header", "", 401},
		{"unknown token", "Bearer " + strings.Repeat("0", 64), 401},
		{"empty token", "Bearer ", 401},
		{"basic scheme", "Basic " + tok, 401},
		{"token without scheme", tok, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", tc.header}
			}
			r := c.do("GET", "/me", "", nil, hdr...)
			if tc.code == 401 {
				wantErr(t, r, 401, "unauthorized")
				return
			}
			if r.code != 200 || r.str("userId") != id || r.num("tokens") != 0 || r.str("status") != "idle" {
				t.Fatalf("GET /me: %v", r)
			}
			if v, ok := r.body["sessionId"]; !ok || v != nil {
				t.Fatalf("sessionId must be present and null: %v", r)
			}
		})
	}
	if got := s.Stats().Users; got != 2 {
		t.Fatalf("Stats.Users = %d, want 2", got)
	}
}

func TestRoutingErrors(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)
	_, tok := c.newUser()
	tests := []struct {
		name, method, path string
		code               int
		errCode, allow     string
	}{
		{"unknown path", "GET", "/nope", 404, "not_found", ""},
		{"root", "GET", "/", 404, "not_found", ""},
		{"trailing slash", "GET", "/me/", 404, "not_found", ""},
		{"sessions without id", "GET", "/sessions/", 404, "not_found", ""},
		{"session sub-route", "POST", "/sessions/abc/restart", 404, "not_found", ""},
		{"session deep path", "POST", "/sessions/abc/end/now", 404, "not_found", ""},
		{"GET auth", "GET", "/auth/anonymous", 405, "method_not_allowed", "POST"},
		{"POST me", "POST", "/me", 405, "method_not_allowed", "GET, HEAD"},
		{"GET webhook", "GET", "/webhooks/stripe", 405, "method_not_allowed", "POST"},
		{"GET join", "GET", "/queue/join", 405, "method_not_allowed", "POST"},
		{"DELETE leave", "DELETE", "/queue/leave", 405, "method_not_allowed", "POST"},
		{"POST status", "POST", "/queue/status", 405, "method_not_allowed", "GET, HEAD"},
		{"PUT session", "PUT", "/sessions/x", 405, "method_not_allowed", "GET, HEAD"},
		{"GET session end", "GET", "/sessions/x/end", 405, "method_not_allowed", "POST"},
		{"POST healthz", "POST", "/healthz", 405, "method_not_allowed", "GET, HEAD"},
		{"POST metrics", "POST", "/metrics", 405, "method_not_allowed", "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tok, nil)
			wantErr(t, r, tc.code, tc.errCode)
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Fatalf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestUnauthorizedRoutes(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)
	for _, rt := range []struct{ method, path string }{
		{"GET", "/me"}, {"POST", "/queue/join"}, {"POST", "/queue/leave"}, {"GET", "/queue/status"},
		{"GET", "/sessions/ses_x"}, {"POST", "/sessions/ses_x/end"},
	} {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			wantErr(t, c.do(rt.method, rt.path, "", []byte(`{}`)), 401, "unauthorized")
			wantErr(t, c.do(rt.method, rt.path, "nope", []byte(`{}`)), 401, "unauthorized")
		})
	}
}

func TestHealthz(t *testing.T) {
	s, _ := manualServer(t)
	r := direct(t, s).do("GET", "/healthz", "", nil)
	if r.code != 200 || r.body["ok"] != true {
		t.Fatalf("GET /healthz: %v", r)
	}
	if r := direct(t, s).do("HEAD", "/healthz", "", nil); r.code != 200 {
		t.Fatalf("HEAD /healthz: %v", r)
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := manualServer(t)
	c := overHTTP(t, s)
	_, tok := c.newUser()
	big := bytes.Repeat([]byte(" "), MaxBodyBytes+1)
	exact := append([]byte(`{"mode":"isolated"}`), bytes.Repeat([]byte(" "), MaxBodyBytes-19)...)
	before := takeSnapshot(s)
	for _, tc := range []struct {
		name, method, path, token string
		extra                     []string
	}{
		{"auth", "POST", "/auth/anonymous", "", nil},
		{"join", "POST", "/queue/join", tok, nil},
		{"leave", "POST", "/queue/leave", tok, nil},
		{"webhook", "POST", "/webhooks/stripe", "", []string{"Stripe-Signature", sign(big, s.now(), testSecret)}},
		{"session end", "POST", "/sessions/x/end", tok, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, c.do(tc.method, tc.path, tc.token, big, tc.extra...), 413, "payload_too_large")
		})
	}
	t.Run("chunked without Content-Length", func(t *testing.T) {
		// The limit is enforced while reading, not only from the header.
		req, err := http.NewRequest("POST", c.base+"/queue/join", io.MultiReader(bytes.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		hr, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer hr.Body.Close()
		if hr.StatusCode != 413 || req.ContentLength != 0 {
			t.Fatalf("chunked oversize join: %d (request Content-Length %d)", hr.StatusCode, req.ContentLength)
		}
	})
	if after := takeSnapshot(s); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("state changed by rejected requests:\nbefore %v\nafter  %v", before, after)
	}
	if got := s.Stats().Webhooks.Rejected; got != 1 {
		t.Fatalf("webhook rejected = %d, want 1", got)
	}
	t.Run("exactly 1 MiB is accepted", func(t *testing.T) {
		if r := c.do("POST", "/queue/join", tok, exact); r.code != 200 {
			t.Fatalf("join with a 1 MiB body: %v", r)
		}
	})
}

func TestJoinValidation(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)
	id, tok := c.newUser()
	c.buy(id, 5)
	before := takeSnapshot(s)
	tests := []struct {
		name, body, msg string
	}{
		{"bad JSON", `{"region":`, "malformed JSON"},
		{"not JSON", `region=x`, "malformed JSON"},
		{"array body", `[1,2]`, "must be a JSON object"},
		{"string body", `"shared"`, "must be a JSON object"},
		{"trailing data", `{} {}`, "malformed JSON"},
		{"region wrong type", `{"region": 5}`, `field "region" must be a string, not number`},
		{"mode wrong type", `{"mode": true}`, `field "mode" must be a string, not bool`},
		{"sessionSeconds wrong type", `{"sessionSeconds": "10"}`, `field "sessionSeconds" must be an integer, not string`},
		{"sessionSeconds fraction", `{"sessionSeconds": 1.5}`, `"sessionSeconds" must be an integer`},
		{"sessionSeconds zero", `{"sessionSeconds": 0}`, "1 to 3600"},
		{"sessionSeconds negative", `{"sessionSeconds": -5}`, "1 to 3600"},
		{"sessionSeconds too big", `{"sessionSeconds": 3601}`, "1 to 3600"},
		{"sessionSeconds huge", `{"sessionSeconds": 1e30}`, `"sessionSeconds" must be an integer`},
		{"empty region", `{"region": ""}`, "must not be empty"},
		{"long region", `{"region": "` + strings.Repeat("é", 65) + `"}`, "at most 64"},
		{"control char region", `{"region": "a\nb"}`, "control characters"},
		{"unknown mode", `{"mode": "solo"}`, `"isolated" or "shared"`},
		{"mode case", `{"mode": "Shared"}`, `"isolated" or "shared"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/queue/join", tok, []byte(tc.body))
			wantErr(t, r, 400, "invalid_request")
			if !strings.Contains(r.str("message"), tc.msg) {
				t.Fatalf("message %q does not mention %q", r.str("message"), tc.msg)
			}
		})
	}
	if after := takeSnapshot(s); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("state changed by rejected joins:\nbefore %v\nafter  %v", before, after)
	}
}

func TestJoin(t *testing.T) {
	tests := []struct {
		name, body, wantKey string // wantKey: %s is the user id
		tokens              int
		wantPos             int64
	}{
		{"defaults with empty body", ``, "australiaCentral:shared", 1, 1},
		{"defaults with empty object", `{}`, "australiaCentral:shared", 1, 1},
		{"null fields take defaults", `{"region":null,"mode":null,"sessionSeconds":null}`, "australiaCentral:shared", 1, 1},
		{"shared in a region", `{"region":"eu-west-1","mode":"shared"}`, "eu-west-1:shared", 1, 1},
		{"isolated costs nothing", `{"region":"syd","mode":"isolated"}`, "syd:isolated:%s", 0, 1},
		{"unknown fields are ignored", `{"mode":"isolated","future":[1,{"x":2}]}`, "australiaCentral:isolated:%s", 0, 1},
		{"64-char region", `{"region":"` + strings.Repeat("r", 64) + `","mode":"isolated"}`, strings.Repeat("r", 64) + ":isolated:%s", 0, 1},
		{"sessionSeconds bounds", `{"sessionSeconds":3600}`, "australiaCentral:shared", 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := manualServer(t)
			c := direct(t, s)
			id, tok := c.newUser()
			if tc.tokens > 0 {
				c.buy(id, tc.tokens)
			}
			r := c.do("POST", "/queue/join", tok, []byte(tc.body))
			want := tc.wantKey
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, id)
			}
			if r.code != 200 || r.str("status") != "waiting" || r.str("queueKey") != want || r.num("position") != tc.wantPos {
				t.Fatalf("join: %v, want queueKey %q position %d", r, want, tc.wantPos)
			}
			if me := c.do("GET", "/me", tok, nil); me.str("status") != "waiting" || me.num("tokens") != int64(tc.tokens) {
				t.Fatalf("GET /me after join: %v", me)
			}
			if st := c.do("GET", "/queue/status", tok, nil); st.str("status") != "waiting" || st.num("position") != 1 {
				t.Fatalf("GET /queue/status after join: %v", st)
			}
			checkInvariants(t, s)
		})
	}
}

func TestJoinConflicts(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)
	a, atok := c.newUser()
	b, btok := c.newUser()
	_, poor := c.newUser()
	c.buy(a, 2)
	c.buy(b, 2)

	wantErr(t, c.do("POST", "/queue/join", poor, []byte(`{}`)), 402, "insufficient_tokens")
	wantErr(t, c.do("POST", "/queue/join", poor, []byte(`{"mode":"shared","region":"x"}`)), 402, "insufficient_tokens")
	if r := c.do("POST", "/queue/join", poor, []byte(`{"mode":"isolated"}`)); r.code != 200 {
		t.Fatalf("isolated join without tokens: %v", r)
	}
	wantErr(t, c.do("POST", "/queue/join", poor, []byte(`{"mode":"isolated"}`)), 409, "already_queued")
	wantErr(t, c.do("POST", "/queue/join", poor, []byte(`{}`)), 409, "already_queued")

	if r := c.do("POST", "/queue/join", atok, nil); r.num("position") != 1 {
		t.Fatalf("first join: %v", r)
	}
	wantErr(t, c.do("POST", "/queue/join", atok, nil), 409, "already_queued")
	if r := c.do("POST", "/queue/join", btok, nil); r.num("position") != 2 {
		t.Fatalf("second join: %v", r)
	}
	if r := c.do("GET", "/queue/status", btok, nil); r.num("position") != 2 {
		t.Fatalf("status of second: %v", r)
	}
	s.w.tick()
	wantErr(t, c.do("POST", "/queue/join", atok, nil), 409, "in_session")
	wantErr(t, c.do("POST", "/queue/join", btok, []byte(`{"mode":"isolated"}`)), 409, "in_session")
	// The isolated user was never matched.
	if r := c.do("GET", "/queue/status", poor, nil); r.str("status") != "waiting" {
		t.Fatalf("isolated user: %v", r)
	}
	checkInvariants(t, s)
}

func TestLeave(t *testing.T) {
	s, _ := manualServer(t)
	c := direct(t, s)
	a, atok := c.newUser()
	_, btok := c.newUser()
	c.buy(a, 3)

	t.Run("idle leave is idempotent", func(t *testing.T) {
		for range 2 {
			if r := c.do("POST", "/queue/leave", btok, nil); r.code != 200 || r.str("status") != "idle" {
				t.Fatalf("leave: %v", r)
			}
		}
	})
	t.Run("leave while waiting", func(t *testing.T) {
		c.do("POST", "/queue/join", atok, nil)
		if r := c.do("POST", "/queue/leave", atok, nil); r.code != 200 || r.str("status") != "idle" {
			t.Fatalf("leave: %v", r)
		}
		if r := c.do("GET", "/queue/status", atok, nil); r.str("status") != "idle" || r.body["position"] != nil {
			t.Fatalf("status after leave: %v", r)
		}
		if st := s.Stats(); st.Waiting != 0 {
			t.Fatalf("Stats.Waiting = %d after leave", st.Waiting)
		}
		s.w.tick() // the dead entry is cleared, nothing matched
		if st := s.Stats(); st.SessionsStarted != 0 {
			t.Fatal("a user who left was matched")
		}
		if bal, _ := s.UserBalance(a); bal != 3 {
			t.Fatalf("balance %d, want 3 (leaving costs nothing)", bal)
		}
	})
	t.Run("rejoin after leave keeps FIFO", func(t *testing.T) {
		c.do("POST", "/queue/join", atok, nil)
		c.do("POST", "/queue/leave", atok, nil)
		if r := c.do("POST", "/queue/join", atok, nil); r.code != 200 || r.num("position") != 1 {
			t.Fatalf("rejoin: %v", r)
		}
		c.do("POST", "/queue/leave", atok, nil)
	})
	checkInvariants(t, s)
}

func TestMatchAndSessionRoutes(t *testing.T) {
	s, clk := manualServer(t)
	c := direct(t, s)
	a, atok := c.newUser()
	b, btok := c.newUser()
	_, otok := c.newUser()
	c.buy(a, 2)
	c.buy(b, 1)
	c.do("POST", "/queue/join", atok, []byte(`{"region":"r1"}`))
	c.do("POST", "/queue/join", btok, []byte(`{"region":"r1","sessionSeconds":120}`))
	start := clk.Now()
	s.w.tick()

	sa := c.do("GET", "/queue/status", atok, nil)
	sb := c.do("GET", "/queue/status", btok, nil)
	if sa.str("status") != "matched" || sa.str("peerId") != b || sb.str("peerId") != a || sa.str("sessionId") != sb.str("sessionId") {
		t.Fatalf("status after match: %v / %v", sa, sb)
	}
	sid := sa.str("sessionId")
	if me := c.do("GET", "/me", atok, nil); me.str("status") != "in_session" || me.str("sessionId") != sid || me.num("tokens") != 1 {
		t.Fatalf("GET /me in session: %v", me)
	}
	if bal, _ := s.UserBalance(b); bal != 0 {
		t.Fatalf("b balance %d, want 0", bal)
	}

	t.Run("participants read the session", func(t *testing.T) {
		for _, tok := range []string{atok, btok} {
			r := c.do("GET", "/sessions/"+sid, tok, nil)
			users, _ := r.body["users"].([]any)
			if r.code != 200 || r.str("id") != sid || r.str("state") != "active" || len(users) != 2 || users[0] != a || users[1] != b {
				t.Fatalf("GET session: %v", r)
			}
			if r.str("startedAt") != start.Format(time.RFC3339Nano) || r.str("endsAt") != start.Add(120*time.Second).Format(time.RFC3339Nano) {
				t.Fatalf("times: %v (start %s)", r, start)
			}
		}
	})
	t.Run("others get 404", func(t *testing.T) {
		wantErr(t, c.do("GET", "/sessions/"+sid, otok, nil), 404, "not_found")
		wantErr(t, c.do("POST", "/sessions/"+sid+"/end", otok, nil), 404, "not_found")
		wantErr(t, c.do("GET", "/sessions/ses_nope", atok, nil), 404, "not_found")
		wantErr(t, c.do("POST", "/sessions/ses_nope/end", atok, nil), 404, "not_found")
	})
	t.Run("end is idempotent and frees both", func(t *testing.T) {
		clk.Advance(10 * time.Second)
		for range 2 {
			if r := c.do("POST", "/sessions/"+sid+"/end", btok, nil); r.code != 200 || r.str("state") != "ended" {
				t.Fatalf("end: %v", r)
			}
		}
		r := c.do("GET", "/sessions/"+sid, atok, nil)
		if r.str("state") != "ended" || r.str("endsAt") != start.Add(10*time.Second).Format(time.RFC3339Nano) {
			t.Fatalf("ended session: %v", r)
		}
		for _, tok := range []string{atok, btok} {
			if st := c.do("GET", "/queue/status", tok, nil); st.str("status") != "idle" {
				t.Fatalf("status after end: %v", st)
			}
			if me := c.do("GET", "/me", tok, nil); me.str("status") != "idle" || me.body["sessionId"] != nil {
				t.Fatalf("me after end: %v", me)
			}
		}
		if st := s.Stats(); st.SessionsActive != 0 || st.SessionsStarted != 1 || st.TokensDebited != 2 {
			t.Fatalf("stats: %+v", st)
		}
	})
	checkInvariants(t, s)
}
