package queuejs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/stripe"
	"github.com/stampede-load/stampede/target"
)

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

func credit(t *testing.T, srv *target.Server, userID string, tokens int64) {
	t.Helper()
	ev, err := stripe.CheckoutCompleted(stripe.Purchase{UserID: userID, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(ev)
	sig, err := stripe.Sign(payload, stripe.Secret(srv.WebhookSecret().Reveal()), stripe.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/webhooks/stripe", bytes.NewReader(payload))
	req.Header.Set("Stripe-Signature", sig)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("credit: HTTP %d", res.StatusCode)
	}
}

// vu returns a test VU in the running state (requests allowed).
func vu(t *testing.T, opts ...modulestest.Option) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.New(t, opts...)
	rt.MoveToVUContext(rt.NewState())
	return rt
}

func run(t *testing.T, rt *modulestest.Runtime, src string) string {
	t.Helper()
	v, err := rt.RunScript(src)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, src)
	}
	return v.String()
}

func tag(s metrics.Sample, k string) string {
	v, _ := s.Tags.Get(k)
	return v
}

func TestRoundTripAgainstTarget(t *testing.T) {
	srv := startTarget(t)
	rt := vu(t)
	got := run(t, rt, fmt.Sprintf(`
		var queue = require('k6/x/queue');
		var q = new queue.Client({ baseUrl: %q, region: 'europeWest', mode: 'isolated' });
		var user = q.anonymousUser();
		var joined = q.join(user);
		var again = q.join(user);
		var st = q.status(user);
		var me = q.balance(user);
		var left = q.leave(user);
		JSON.stringify({
			user: [user.ok, Object.keys(user), /^usr_/.test(user.userId), typeof user.token],
			joined: joined, again: again,
			st: [st.ok, st.status], me: [me.ok, me.tokens, me.status, me.userId === user.userId],
			left: left, props: [q.baseUrl, q.region, q.mode, Object.keys(q), q instanceof queue.Client],
		});`, srv.URL()))
	var res map[string]any
	if err := json.Unmarshal([]byte(got), &res); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"user":   `[true,["ok","userId","token"],true,"string"]`,
		"again":  `{"error":"already_queued","message":"user is already waiting in a queue","ok":false,"status":409}`,
		"st":     `[true,"waiting"]`,
		"me":     `[true,0,"waiting",true]`,
		"left":   `{"ok":true,"status":"idle"}`,
		"props":  fmt.Sprintf(`[%q,"europeWest","isolated",["baseUrl","region","mode"],true]`, srv.URL()),
		"joined": `{"ok":true,"position":1,"queueKey":"europeWest:isolated:USER","status":"waiting"}`,
	}
	userID := ""
	if m, ok := res["joined"].(map[string]any); ok {
		userID = strings.TrimPrefix(fmt.Sprint(m["queueKey"]), "europeWest:isolated:")
	}
	for k, w := range want {
		b, _ := json.Marshal(res[k])
		w = strings.ReplaceAll(w, "USER", userID)
		if k == "again" {
			// The target's human message may change; compare the contract fields.
			m := res[k].(map[string]any)
			if m["ok"] != false || m["status"] != float64(409) || m["error"] != "already_queued" || m["message"] == "" {
				t.Errorf("again = %s", b)
			}
			continue
		}
		if string(b) != w {
			t.Errorf("%s = %s, want %s", k, b, w)
		}
	}
	if o := rt.Sobek().Get("joined").ToObject(rt.Sobek()); strings.Join(o.Keys(), ",") != "ok,status,queueKey,position" {
		t.Errorf("join result keys %v, want ok first then the API's order", o.Keys())
	}

	// Every request recorded k6/http's samples, named and tagged.
	reqs := rt.SamplesOf(metrics.HTTPReqsName)
	names := map[string]int{}
	for _, s := range reqs {
		names[tag(s, "name")]++
		if tag(s, "region") != "europeWest" || tag(s, "mode") != "isolated" {
			t.Errorf("http_reqs tags %v", s.Tags.Map())
		}
	}
	wantNames := map[string]int{"POST /auth/anonymous": 1, "POST /queue/join": 2, "GET /queue/status": 1, "GET /me": 1, "POST /queue/leave": 1}
	if fmt.Sprint(names) != fmt.Sprint(wantNames) {
		t.Errorf("http_reqs by name %v, want %v", names, wantNames)
	}
	if n := len(rt.SamplesOf(metrics.HTTPReqDurationName)); n != 6 {
		t.Errorf("%d http_req_duration samples, want 6", n)
	}
	if j := rt.SamplesOf("queue_join_latency"); len(j) != 1 || tag(j[0], "region") != "europeWest" || j[0].Value <= 0 {
		t.Errorf("queue_join_latency %v", j)
	}
	if l := rt.SamplesOf("queue_leave_latency"); len(l) != 1 {
		t.Errorf("queue_leave_latency %v", l)
	}
	var errs []string
	for _, s := range rt.SamplesOf("error_rate") {
		errs = append(errs, fmt.Sprintf("%s=%v", tag(s, "op"), s.Value))
	}
	if strings.Join(errs, " ") != "anonymous=0 join=0 join=1 status=0 balance=0 leave=0" {
		t.Errorf("error_rate samples %v", errs)
	}
	for _, e := range rt.Logs() {
		if strings.Contains(e.Message, "Bearer") {
			t.Errorf("log entry mentions the bearer token: %q", e.Message)
		}
	}
}

func TestSharedMatchAgainstTarget(t *testing.T) {
	srv := startTarget(t)
	rt := vu(t)
	ids := run(t, rt, fmt.Sprintf(`
		var q = new (require('k6/x/queue').Client)({ baseUrl: %q });
		var a = q.anonymousUser(), b = q.anonymousUser();
		a.userId + ' ' + b.userId;`, srv.URL()))
	for _, id := range strings.Fields(ids) {
		credit(t, srv, id, 3)
	}
	got := run(t, rt, `
		q.join(a, { sessionSeconds: 30 }); q.join(b, { sessionSeconds: 30 });
		var ma = q.waitForMatch(a, { timeout: '5s', pollInterval: 10 });
		var mb = q.waitForMatch(b, { timeout: 5000, pollInterval: '10ms' });
		JSON.stringify([ma.ok, ma.status, ma.peerId === b.userId, mb.peerId === a.userId, ma.sessionId === mb.sessionId, q.balance(a).tokens, q.balance(a).status]);`)
	if got != `[true,"matched",true,true,true,2,"in_session"]` {
		t.Errorf("got %s", got)
	}
	m := rt.SamplesOf("queue_match_latency")
	if len(m) != 2 || tag(m[0], "mode") != "shared" || tag(m[0], "region") != "australiaCentral" {
		t.Errorf("queue_match_latency %v", m)
	}
	// Leaving ends the session for both; waiting again fails as data.
	got = run(t, rt, `q.leave(a); JSON.stringify(q.waitForMatch(b, { timeout: '1s' }))`)
	if !strings.Contains(got, `"ok":false,"status":200,"error":"not_waiting"`) {
		t.Errorf("waitForMatch while idle = %s", got)
	}
}

func TestErrorPathsAreData(t *testing.T) {
	var joins atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/queue/join": // 429 once, then accepted
			if joins.Add(1) == 1 {
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"error":"rate_limited"}`)
				return
			}
			fmt.Fprint(w, `{"status":"waiting","queueKey":"k","position":2}`)
		case "/queue/status": // malformed JSON
			fmt.Fprint(w, `{"status":`)
		case "/me": // a 500
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":"internal","message":"db down"}`)
		case "/queue/leave": // too slow for the client's timeout
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rt := vu(t)
	got := run(t, rt, fmt.Sprintf(`
		var q = new (require('k6/x/queue').Client)({ baseUrl: %q, timeout: '200ms' });
		var u = { userId: 'usr_1', token: 'tok_SECRET' };
		JSON.stringify([q.join(u), q.status(u), q.balance(u), q.leave(u), q.anonymousUser()]);`, srv.URL))
	want := `[{"ok":true,"status":"waiting","queueKey":"k","position":2},` +
		`{"ok":false,"status":200,"error":"malformed_response","message":"HTTP 200 but the body is not the expected JSON object"},` +
		`{"ok":false,"status":500,"error":"internal","message":"db down"},` +
		`{"ok":false,"status":0,"error":"request timeout"},` +
		`{"ok":false,"status":404,"error":"unexpected_status"}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if n := joins.Load(); n != 2 {
		t.Errorf("%d join requests, want 2 (one retry of the 429)", n)
	}
	// The retried 429 shows in http_req_failed; the join counts once, as a success.
	var failed []string
	for _, s := range rt.SamplesOf(metrics.HTTPReqFailedName) {
		failed = append(failed, fmt.Sprintf("%s=%v", tag(s, "name"), s.Value))
	}
	if !strings.HasPrefix(strings.Join(failed, " "), "POST /queue/join=1 POST /queue/join=0") {
		t.Errorf("http_req_failed %v", failed)
	}
	var errs []string
	for _, s := range rt.SamplesOf("error_rate") {
		errs = append(errs, fmt.Sprintf("%s=%v", tag(s, "op"), s.Value))
	}
	if strings.Join(errs, " ") != "join=0 status=1 balance=1 leave=1 anonymous=1" {
		t.Errorf("error_rate %v", errs)
	}
}

func TestDiscardResponseBodiesStillParses(t *testing.T) {
	srv := startTarget(t)
	yes := true
	rt := vu(t, modulestest.WithOptions(&config.Options{DiscardResponseBodies: &yes, Throw: &yes}))
	got := run(t, rt, fmt.Sprintf(`
		var q = new (require('k6/x/queue').Client)({ baseUrl: %q, mode: 'isolated' });
		var u = q.anonymousUser();
		JSON.stringify([u.ok, q.join(u).status, q.leave(u).status]);`, srv.URL()))
	if got != `[true,"waiting","idle"]` {
		t.Errorf("got %s", got)
	}
	// With throw set, a network failure is still data, not an exception.
	got = run(t, rt, `JSON.stringify(new (require('k6/x/queue').Client)({ baseUrl: 'http://127.0.0.1:1' }).status(u))`)
	if !strings.Contains(got, `"ok":false,"status":0`) {
		t.Errorf("got %s", got)
	}
}

func TestMisuseThrows(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"no config", `new Client()`, "queue: invalid client config: baseUrl is required"},
		{"all problems at once", `new Client({ baseUrl: 'ftp://x', mode: 'solo', region: 'r'.repeat(65), paths: { join: 'join', nope: '/x' }, timeout: -5, extra: 1 })`,
			`baseUrl "ftp://x" must be an http or https URL`},
		{"all problems listed", `new Client({ baseUrl: 'ftp://x', mode: 'solo', paths: { join: 'join', nope: '/x' }, timeout: -5, extra: 1 })`,
			`mode "solo" is not allowed; use isolated or shared; paths.join "join" must start with /; option "extra" is unknown`},
		{"unknown path and bad timeout", `new Client({ baseUrl: 'http://x', paths: { nope: '/x' }, timeout: 'soon' })`,
			`timeout: invalid duration "soon"`},
		{"user without token", `new Client({ baseUrl: 'http://x' }).join({ userId: 'usr_1' })`, "join(user): user must be the object anonymousUser() returned"},
		{"not a user", `new Client({ baseUrl: 'http://x' }).status('usr_1')`, "status(user): user must be"},
		{"fractional sessionSeconds", `new Client({ baseUrl: 'http://x' }).join({ token: 't' }, { sessionSeconds: 1.5 })`, "whole number of seconds"},
		{"bad poll interval", `new Client({ baseUrl: 'http://x' }).waitForMatch({ token: 't' }, { pollInterval: 'often' })`, "waitForMatch pollInterval"},
		{"method off its client", `const { leave } = new Client({ baseUrl: 'http://x' }); leave({ token: 't' })`, "Client.leave must be called on a Client object"},
		{"read-only property", `(function () { 'use strict'; new Client({ baseUrl: 'http://x' }).baseUrl = 'http://y'; })()`, "TypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := vu(t)
			_, err := rt.RunScript(`var Client = require('k6/x/queue').Client; ` + tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestInitContextRequestThrows(t *testing.T) {
	rt := modulestest.New(t)
	_, err := rt.RunScript(`new (require('k6/x/queue').Client)({ baseUrl: 'http://127.0.0.1:1' }).anonymousUser()`)
	if err == nil || !strings.Contains(err.Error(), "init context") {
		t.Fatalf("err = %v, want the init-context error", err)
	}
}

func TestModuleExports(t *testing.T) {
	rt := modulestest.New(t)
	v, err := rt.RunModule("", `
		import queue, { Client, DEFAULT_REGION, DEFAULT_MODE, DEFAULT_PATHS } from 'k6/x/queue';
		export const out = JSON.stringify([queue.Client === Client, DEFAULT_REGION, DEFAULT_MODE, DEFAULT_PATHS]);`)
	if err != nil {
		t.Fatal(err)
	}
	got := v.ToObject(rt.Sobek()).Get("out").String()
	want := `[true,"australiaCentral","shared",{"anonymous":"/auth/anonymous","me":"/me","join":"/queue/join","leave":"/queue/leave","status":"/queue/status"}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestErrorRateTypeClash(t *testing.T) {
	rt := modulestest.New(t)
	if _, err := rt.Registry.NewMetric("error_rate", metrics.Trend); err != nil {
		t.Fatal(err)
	}
	_, err := rt.RunScript(`new (require('k6/x/queue').Client)({ baseUrl: 'http://x' })`)
	if err == nil || !strings.Contains(err.Error(), "error_rate") {
		t.Fatalf("err = %v, want a clear metric type clash", err)
	}
}
