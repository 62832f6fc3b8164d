package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/api"
)

func TestClientAgainstServer(t *testing.T) {
	rec := newRecorder()
	base, _ := start(t, api.Config{Controller: rec})
	ctx := context.Background()
	for _, addr := range []string{strings.TrimPrefix(base, "http://"), base, base + "/"} {
		c, err := api.NewClient(addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.Status(ctx)
		want := api.Status{Status: 7, VUs: 1, VUsMax: 1, Running: true}
		if err != nil || st != want {
			t.Fatalf("%s: Status() = %+v, %v; want %+v", addr, st, err, want)
		}
	}

	c, _ := api.NewClient(base, 10*time.Second)
	vus, paused := int64(3), true
	st, err := c.SetStatus(ctx, api.StatusPatch{VUs: &vus, Paused: &paused})
	if want := (api.Status{Status: 7, Paused: true, VUs: 3, VUsMax: 1, Running: true}); err != nil || st != want {
		t.Fatalf("SetStatus() = %+v, %v; want %+v", st, err, want)
	}
	if got, want := rec.Calls(), []string{"Scale(vus=3, max=nil)", "SetPaused(true)"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}

	rec.mu.Lock()
	rec.pauseErr = errors.New("execution is already paused")
	rec.mu.Unlock()
	_, err = c.SetStatus(ctx, api.StatusPatch{Paused: &paused})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || *apiErr != (api.Error{Code: 400, Title: "Pausing failed", Detail: "execution is already paused"}) {
		t.Fatalf("refused SetStatus: %#v", err)
	}
	if got, want := err.Error(), "400 Bad Request: Pausing failed: execution is already paused"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}

	ms, err := c.Metrics(ctx)
	if err != nil || len(ms) != 0 {
		t.Fatalf("Metrics() without an engine = %v, %v", ms, err)
	}
}

// Answers that are not the API's: their status and text are kept.
func TestClientAgainstOtherServers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/status" {
			http.Error(w, "upstream is down", http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte("<html>hello</html>"))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	c, _ := api.NewClient(ln.Addr().String(), 10*time.Second)
	_, err = c.Status(context.Background())
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || err.Error() != "502 Bad Gateway: upstream is down" {
		t.Fatalf("Status() from a proxy: %v", err)
	}
	_, err = c.Metrics(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "the REST API at "+ln.Addr().String()+" answered GET /v1/metrics with something else than JSON:API: ") {
		t.Fatalf("Metrics() from a web page: %v", err)
	}
}

func TestNewClientRejectsBadAddresses(t *testing.T) {
	for _, addr := range []string{"", "ftp://host:1", "http://", "http://bad host:1"} {
		if _, err := api.NewClient(addr, 0); err == nil || !strings.HasSuffix(err.Error(), ": expected host:port or an http:// URL") {
			t.Errorf("NewClient(%q): %v", addr, err)
		}
	}
}
