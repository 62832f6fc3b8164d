package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stampede-load/stampede/api"
	"github.com/stampede-load/stampede/engine"
)

// The engine is the API's controller in a run.
var _ api.Controller = (*engine.Engine)(nil)

// recorder is a Controller that records its calls and keeps a status that
// the calls change, the way the engine does.
type recorder struct {
	mu     sync.Mutex
	status engine.Status
	calls  []string
	stop   error
	setup  json.RawMessage

	scaleErr, pauseErr      error
	setupResult             json.RawMessage
	setupErr, teardownErr   error
	setupHook, teardownHook func(ctx context.Context) error
}

func newRecorder() *recorder {
	return &recorder{status: engine.Status{Status: engine.StatusRunning, VUs: 1, VUsMax: 1, Running: true}}
}

func (r *recorder) record(format string, args ...any) {
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

func (r *recorder) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

func (r *recorder) Status() engine.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

func (r *recorder) SetPaused(paused bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.record("SetPaused(%t)", paused)
	if r.pauseErr != nil {
		return r.pauseErr
	}
	r.status.Paused = paused
	return nil
}

func (r *recorder) Scale(vus, maxVUs *int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	show := func(p *int64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	r.record("Scale(vus=%s, max=%s)", show(vus), show(maxVUs))
	if r.scaleErr != nil {
		return r.scaleErr
	}
	if maxVUs != nil {
		r.status.VUsMax = *maxVUs
	}
	if vus != nil {
		r.status.VUs = *vus
	}
	return nil
}

func (r *recorder) Stop(reason error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.record("Stop(%v)", reason)
	r.stop = reason
	r.status.Stopped = true
}

func (r *recorder) SetupData() json.RawMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.setup
}

func (r *recorder) SetSetupData(data json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.record("SetSetupData(%s)", data)
	r.setup = data
}

func (r *recorder) RunSetup(ctx context.Context) (json.RawMessage, error) {
	r.mu.Lock()
	r.record("RunSetup")
	hook, data, err := r.setupHook, r.setupResult, r.setupErr
	r.mu.Unlock()
	if hook != nil {
		if err := hook(ctx); err != nil {
			return nil, err
		}
	}
	return data, err
}

func (r *recorder) RunTeardown(ctx context.Context) error {
	r.mu.Lock()
	r.record("RunTeardown")
	hook, err := r.teardownHook, r.teardownErr
	r.mu.Unlock()
	if hook != nil {
		if err := hook(ctx); err != nil {
			return err
		}
	}
	return err
}

// start serves cfg on a free loopback port until the test ends and returns
// the API's base URL.
func start(t *testing.T, cfg api.Config) (string, *api.Server) {
	t.Helper()
	srv := api.New(cfg)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return "http://" + srv.Addr().String(), srv
}

type answer struct {
	code   int
	header http.Header
	body   string
}

func call(t *testing.T, method, url, body string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{code: resp.StatusCode, header: resp.Header, body: string(b)}
}

// post is call for other goroutines than the test's: errors are answers
// with code 0.
func post(url string) answer {
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		return answer{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{code: resp.StatusCode, header: resp.Header, body: string(b)}
}

// jsonEqual fails unless got and want are the same JSON value (key order
// aside; numbers compared as written).
func jsonEqual(t *testing.T, what, got, want string) {
	t.Helper()
	decode := func(s string) any {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: not JSON (%v): %s", what, err, s)
		}
		return v
	}
	if g, w := decode(got), decode(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.TrimSpace(got), want)
	}
}

func expect(t *testing.T, what string, a answer, code int, body string) {
	t.Helper()
	if a.code != code {
		t.Errorf("%s: status %d, want %d; body %s", what, a.code, code, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	jsonEqual(t, what, a.body, body)
}

func errorDoc(code int, title, detail string) string {
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]string{"status": fmt.Sprint(code), "title": title, "detail": detail}}})
	return string(b)
}

func TestGetStatus(t *testing.T) {
	rec := newRecorder()
	rec.status = engine.Status{Status: engine.StatusInitVUs, Paused: true, VUs: 0, VUsMax: 3, Tainted: true}
	base, _ := start(t, api.Config{Controller: rec})
	expect(t, "GET /v1/status", call(t, "GET", base+"/v1/status", ""), 200,
		`{"data":{"type":"status","id":"default","attributes":{"status":1,"paused":true,"vus":0,"vus-max":3,"stopped":false,"running":false,"tainted":true}}}`)
	if calls := rec.Calls(); len(calls) != 0 {
		t.Errorf("GET changed something: %v", calls)
	}
}

func TestPatchStatus(t *testing.T) {
	rec := newRecorder()
	base, _ := start(t, api.Config{Controller: rec})
	a := call(t, "PATCH", base+"/v1/status",
		`{"data":{"type":"status","id":"default","attributes":{"stopped":true,"paused":true,"vus-max":10,"vus":5}}}`)
	expect(t, "PATCH all", a, 200,
		`{"data":{"type":"status","id":"default","attributes":{"status":7,"paused":true,"vus":5,"vus-max":10,"stopped":true,"running":true,"tainted":false}}}`)
	want := []string{"Scale(vus=5, max=10)", "SetPaused(true)", "Stop(test run stopped from the REST API)"}
	if got := rec.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if !errors.Is(rec.stop, engine.ErrExternalAbort) || !errors.Is(rec.stop, api.ErrStoppedByAPI) {
		t.Errorf("stop reason %v does not wrap engine.ErrExternalAbort", rec.stop)
	}
}

// k6's own client sends the whole status, read-only attributes and nulls
// included: only what is set and writable is applied.
func TestPatchStatusAsK6ClientSendsIt(t *testing.T) {
	rec := newRecorder()
	rec.status.Paused = true
	base, _ := start(t, api.Config{Controller: rec})
	a := call(t, "PATCH", base+"/v1/status",
		`{"data":{"type":"status","id":"default","attributes":{"status":0,"paused":false,"vus":null,"vus-max":null,"stopped":false,"running":false,"tainted":false}}}`)
	expect(t, "PATCH resume", a, 200,
		`{"data":{"type":"status","id":"default","attributes":{"status":7,"paused":false,"vus":1,"vus-max":1,"stopped":false,"running":true,"tainted":false}}}`)
	if got, want := rec.Calls(), []string{"SetPaused(false)"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	// Only vus-max: vus stays as it is.
	call(t, "PATCH", base+"/v1/status", `{"data":{"attributes":{"vus-max":4}}}`)
	if got := rec.Calls(); got[len(got)-1] != "Scale(vus=nil, max=4)" {
		t.Errorf("calls %q", got)
	}
}

func TestPatchStatusErrors(t *testing.T) {
	const example = `{"data":{"type":"status","id":"default","attributes":{"paused":true}}}`
	for _, tc := range []struct {
		name, body    string
		title, detail string
		scaleErr      error
		pauseErr      error
		wantCalls     []string
	}{
		{name: "empty body", body: " ", title: "Invalid status update",
			detail: "the request body is empty; expected " + example},
		{name: "truncated JSON", body: `{"data":`, title: "Invalid status update",
			detail: "the body is not valid JSON: it ends too early"},
		{name: "syntax error", body: `{"data":{"attributes":{"paused":tru}}}`, title: "Invalid status update",
			detail: "the body is not valid JSON: invalid character '}' in literal true (expecting 'e') (at byte 36)"},
		{name: "trailing data", body: `{"data":{"attributes":{}}} {}`, title: "Invalid status update",
			detail: "the body is not valid JSON: more data after the first JSON value"},
		{name: "data is a list", body: `{"data":[]}`, title: "Invalid status update",
			detail: "data must be an object, not array"},
		{name: "attributes is a string", body: `{"data":{"attributes":"x"}}`, title: "Invalid status update",
			detail: "data.attributes must be an object, not string"},
		{name: "no data", body: `{}`, title: "Invalid status update",
			detail: "the body has no data; expected " + example},
		{name: "no attributes", body: `{"data":{"type":"status"}}`, title: "Invalid status update",
			detail: "the body has no data.attributes; expected " + example},
		{name: "wrong type", body: `{"data":{"type":"metrics","attributes":{}}}`, title: "Invalid status update",
			detail: `data.type is "metrics"; expected "status"`},
		{name: "wrong id", body: `{"data":{"id":"other","attributes":{}}}`, title: "Invalid status update",
			detail: `data.id is "other"; expected "default"`},
		{name: "paused not a boolean", body: `{"data":{"attributes":{"paused":"yes"}}}`, title: "Invalid status update",
			detail: `attribute "paused" must be a boolean or null, not "yes"`},
		{name: "fractional vus", body: `{"data":{"attributes":{"vus":1.5,"stopped":1}}}`, title: "Invalid status update",
			detail: "attribute \"stopped\" must be a boolean or null, not 1\nattribute \"vus\" must be an integer or null, not 1.5"},
		{name: "unknown attributes", body: `{"data":{"attributes":{"speed":2,"pause":true,"paused":true}}}`, title: "Invalid status update",
			detail: `unknown attribute "pause", "speed"; the status takes paused, vus, vus-max and stopped`},
		{name: "scale refused", body: `{"data":{"attributes":{"vus":3,"paused":true}}}`, title: "Scaling failed",
			scaleErr: errors.New("could not find an externally-controlled executor"),
			detail:   "could not find an externally-controlled executor", wantCalls: []string{"Scale(vus=3, max=nil)"}},
		{name: "pause refused", body: `{"data":{"attributes":{"paused":true}}}`, title: "Pausing failed",
			pauseErr: errors.New("execution is already paused"),
			detail:   "execution is already paused", wantCalls: []string{"SetPaused(true)"}},
		{name: "resume refused", body: `{"data":{"attributes":{"paused":false,"stopped":true}}}`, title: "Resuming failed",
			pauseErr: errors.New("the test run has ended"),
			detail:   "the test run has ended", wantCalls: []string{"SetPaused(false)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			rec.scaleErr, rec.pauseErr = tc.scaleErr, tc.pauseErr
			base, _ := start(t, api.Config{Controller: rec})
			expect(t, tc.name, call(t, "PATCH", base+"/v1/status", tc.body), 400, errorDoc(400, tc.title, tc.detail))
			if got := rec.Calls(); strings.Join(got, "; ") != strings.Join(tc.wantCalls, "; ") {
				t.Errorf("calls %q, want %q", got, tc.wantCalls)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	rec := newRecorder()
	base, _ := start(t, api.Config{Controller: rec, MaxBodyBytes: 64})
	big := `{"data":{"attributes":{"paused":true}}}` + strings.Repeat(" ", 64)
	expect(t, "PATCH too large", call(t, "PATCH", base+"/v1/status", big), 413,
		errorDoc(413, "Request body too large", "the request body is larger than the limit of 64 bytes"))
	expect(t, "PUT too large", call(t, "PUT", base+"/v1/setup", `"`+strings.Repeat("x", 100)+`"`), 413,
		errorDoc(413, "Request body too large", "the request body is larger than the limit of 64 bytes"))
	if calls := rec.Calls(); len(calls) != 0 {
		t.Errorf("calls %q", calls)
	}

	// The default is 1 MiB.
	base, _ = start(t, api.Config{Controller: rec})
	huge := `{"data":{"attributes":{"paused":true}}}` + strings.Repeat(" ", 1<<20)
	expect(t, "PATCH over 1 MiB", call(t, "PATCH", base+"/v1/status", huge), 413,
		errorDoc(413, "Request body too large", "the request body is larger than the limit of 1 MiB"))
}

func TestUnknownPathsAndMethods(t *testing.T) {
	base, _ := start(t, api.Config{Controller: newRecorder()})
	for _, tc := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"GET", "/", 404, ""},
		{"GET", "/v2/status", 404, ""},
		{"GET", "/v1/metrics/", 404, ""},
		{"GET", "/v1/status/extra", 404, ""},
		{"DELETE", "/v1/status", 405, "GET, PATCH"},
		{"POST", "/v1/status", 405, "GET, PATCH"},
		{"PUT", "/v1/metrics", 405, "GET"},
		{"DELETE", "/v1/metrics/vus", 405, "GET"},
		{"POST", "/v1/groups", 405, "GET"},
		{"PATCH", "/v1/groups/abc", 405, "GET"},
		{"DELETE", "/v1/setup", 405, "GET, PUT, POST"},
		{"GET", "/v1/teardown", 405, "POST"},
	} {
		a := call(t, tc.method, base+tc.path, "")
		what := tc.method + " " + tc.path
		if tc.code == 404 {
			expect(t, what, a, 404, errorDoc(404, "Not found", "no endpoint at "+tc.path))
			continue
		}
		expect(t, what, a, 405, errorDoc(405, "Method not allowed", fmt.Sprintf("%s: allowed methods: %s", what, tc.allow)))
		if got := a.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s: Allow %q, want %q", what, got, tc.allow)
		}
	}
}

func TestSetupData(t *testing.T) {
	rec := newRecorder()
	base, _ := start(t, api.Config{Controller: rec})
	doc := func(data string) string {
		return `{"data":{"type":"setupData","id":"default","attributes":{"data":` + data + `}}}`
	}
	expect(t, "GET before", call(t, "GET", base+"/v1/setup", ""), 200, doc("null"))
	expect(t, "PUT", call(t, "PUT", base+"/v1/setup", ` {"token":"abc","n":[1,2]} `), 200, doc(`{"token":"abc","n":[1,2]}`))
	expect(t, "GET after PUT", call(t, "GET", base+"/v1/setup", ""), 200, doc(`{"token":"abc","n":[1,2]}`))
	expect(t, "PUT invalid", call(t, "PUT", base+"/v1/setup", `{"token":`), 400,
		errorDoc(400, "Invalid setup data", "the body is not valid JSON: it ends too early"))
	expect(t, "PUT two values", call(t, "PUT", base+"/v1/setup", `1 2`), 400,
		errorDoc(400, "Invalid setup data", "the body is not valid JSON: more data after the first JSON value"))
	expect(t, "GET after invalid PUT", call(t, "GET", base+"/v1/setup", ""), 200, doc(`{"token":"abc","n":[1,2]}`))
	expect(t, "PUT empty", call(t, "PUT", base+"/v1/setup", ""), 200, doc("null"))

	rec.mu.Lock()
	rec.setupResult = json.RawMessage(`{"from":"setup"}`)
	rec.mu.Unlock()
	expect(t, "POST setup", call(t, "POST", base+"/v1/setup", ""), 200, doc(`{"from":"setup"}`))
	expect(t, "GET after setup", call(t, "GET", base+"/v1/setup", ""), 200, doc(`{"from":"setup"}`))
	expect(t, "POST teardown", call(t, "POST", base+"/v1/teardown", ""), 200, doc(`{"from":"setup"}`))
	want := []string{`SetSetupData({"token":"abc","n":[1,2]})`, "SetSetupData()", "RunSetup", `SetSetupData({"from":"setup"})`, "RunTeardown"}
	if got := rec.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}

	rec.mu.Lock()
	rec.setupErr = errors.New("setup() failed: Error: no token")
	rec.teardownErr = errors.New("teardown() failed: Error: boom")
	rec.mu.Unlock()
	expect(t, "POST setup failing", call(t, "POST", base+"/v1/setup", ""), 500,
		errorDoc(500, "Setup failed", "setup() failed: Error: no token"))
	expect(t, "POST teardown failing", call(t, "POST", base+"/v1/teardown", ""), 500,
		errorDoc(500, "Teardown failed", "teardown() failed: Error: boom"))
	expect(t, "GET after failures", call(t, "GET", base+"/v1/setup", ""), 200, doc(`{"from":"setup"}`))
}

// Shutdown lets a request being answered finish, then stops listening.
func TestShutdownWaitsForRequests(t *testing.T) {
	rec := newRecorder()
	entered, release := make(chan struct{}), make(chan struct{})
	rec.setupHook = func(context.Context) error {
		close(entered)
		<-release
		return nil
	}
	rec.setupResult = json.RawMessage(`42`)
	srv := api.New(api.Config{Controller: rec})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	base := "http://" + srv.Addr().String()
	got := make(chan answer, 1)
	go func() { got <- post(base + "/v1/setup") }()
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	// Shutdown has begun once the listener is closed.
	for {
		conn, err := net.Dial("tcp", srv.Addr().String())
		if err != nil {
			break
		}
		conn.Close()
		runtime.Gosched()
	}
	close(release)
	expect(t, "POST setup during shutdown", <-got, 200, `{"data":{"type":"setupData","id":"default","attributes":{"data":42}}}`)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := http.Get(base + "/v1/status"); err == nil {
		t.Fatal("the server still answers after Shutdown")
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	if err := srv.Start("127.0.0.1:0"); err == nil {
		t.Fatal("Start after Shutdown succeeded")
	}
}

// When Shutdown's context ends first, the requests' context is cancelled: a
// setup() run from the API is interrupted.
func TestShutdownCancelsRequestsWhenItsContextEnds(t *testing.T) {
	rec := newRecorder()
	entered, cancelled := make(chan struct{}), make(chan error, 1)
	rec.setupHook = func(ctx context.Context) error {
		close(entered)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return ctx.Err()
	}
	srv := api.New(api.Config{Controller: rec})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go post("http://" + srv.Addr().String() + "/v1/setup")
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown with an ended context: %v", err)
	}
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("setup's context: %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := api.New(api.Config{Controller: newRecorder()})
	err = srv.Start(ln.Addr().String())
	if err == nil || !strings.HasPrefix(err.Error(), "REST API: listen tcp "+ln.Addr().String()) {
		t.Fatalf("Start on a used address: %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown of a server that never started: %v", err)
	}

	// Serve on the caller's listener, then Start again is refused.
	srv = api.New(api.Config{Controller: newRecorder()})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a := call(t, "GET", "http://"+ln.Addr().String()+"/v1/status", "")
	if a.code != 200 {
		t.Fatalf("Serve: %d %s", a.code, a.body)
	}
	if err := srv.Start("127.0.0.1:0"); err == nil {
		t.Fatal("a second Start succeeded")
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
}
