package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/metrics"
)

// Controller is what the API controls: *engine.Engine in a run.
type Controller interface {
	// Status returns a snapshot of the run's status.
	Status() engine.Status
	// SetPaused pauses or resumes the run; its error is shown to the client.
	SetPaused(paused bool) error
	// Scale sets the VUs and the initialised VUs of the externally
	// controlled scenario (a nil pointer leaves a value as it is); its
	// error is shown to the client.
	Scale(vus, maxVUs *int64) error
	// Stop stops the run gracefully with reason.
	Stop(reason error)
	// SetupData returns setup()'s data as JSON (nil when none).
	SetupData() json.RawMessage
	// SetSetupData replaces setup()'s data.
	SetSetupData(data json.RawMessage)
	// RunSetup runs setup() now and returns its data.
	RunSetup(ctx context.Context) (json.RawMessage, error)
	// RunTeardown runs teardown() now.
	RunTeardown(ctx context.Context) error
}

// ErrStoppedByAPI is the reason a run stopped by PATCH /v1/status
// (`"stopped": true`) is given; it wraps engine.ErrExternalAbort, so such a
// run exits like one stopped by a signal (105).
var ErrStoppedByAPI error = stoppedByAPI{}

type stoppedByAPI struct{}

func (stoppedByAPI) Error() string { return "test run stopped from the REST API" }
func (stoppedByAPI) Unwrap() error { return engine.ErrExternalAbort }

// DefaultMaxBodyBytes is the default limit of a request body (1 MiB).
const DefaultMaxBodyBytes = defaultMaxBodyMB << 20

// Config is what a Server serves.
type Config struct {
	// Controller is the run (required).
	Controller Controller
	// Metrics is the run's metrics engine; /v1/metrics and /v1/groups read
	// snapshots of it. Nil serves no metrics and only the root group.
	Metrics *metrics.Engine
	// Logger gets the HTTP server's own errors (at debug level) and the
	// errors of setup() and teardown() run from the API. Optional.
	Logger logrus.FieldLogger
	// MaxBodyBytes limits request bodies; larger ones are answered 413.
	// Default: DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Server is the REST API server of one run.
type Server struct {
	cfg     Config
	handler http.Handler

	mu     sync.Mutex
	srv    *http.Server
	ln     net.Listener
	served chan struct{} // closed when the Serve started by Start returns
	closed bool
	cancel context.CancelFunc // cancels the requests' base context
}

// New returns a server for cfg; it does not listen yet (see Start and Serve).
func New(cfg Config) *Server {
	if cfg.Controller == nil {
		panic("api.New: Config.Controller is required")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{cfg: cfg}
	s.handler = s.routes()
	return s
}

// Handler returns the API's HTTP handler (for tests and for embedding in
// another server).
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr ("host:port"; port 0 picks a free port) now, so that
// an address in use fails the caller at once, and serves in the background
// until Shutdown.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("REST API: %w", err)
	}
	served := make(chan struct{})
	srv, err := s.register(ln, served)
	if err != nil {
		return err
	}
	go func() {
		defer close(served)
		if err := serve(srv, ln); err != nil && s.cfg.Logger != nil {
			s.cfg.Logger.Errorf("%v", err)
		}
	}()
	return nil
}

// Serve answers the API's requests on ln until Shutdown; it returns nil
// after Shutdown, the listener's error otherwise. It closes ln.
func (s *Server) Serve(ln net.Listener) error {
	srv, err := s.register(ln, nil)
	if err != nil {
		return err
	}
	return serve(srv, ln)
}

// register makes the http.Server that serves ln, once per Server; served,
// when not nil, is closed when Start's serving goroutine ends.
func (s *Server) register(ln net.Listener, served chan struct{}) (*http.Server, error) {
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          log.New(logWriter{s.cfg.Logger}, "", 0),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil || s.closed {
		cancel()
		_ = ln.Close()
		return nil, errors.New("REST API: the server was already started or shut down")
	}
	s.srv, s.ln, s.cancel, s.served = srv, ln, cancel, served
	return srv, nil
}

func serve(srv *http.Server, ln net.Listener) error {
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("REST API: %w", err)
}

// Addr returns the address the server listens on (nil before Start or Serve).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops the server gracefully: it stops listening and waits for the
// requests being answered until ctx is done, then closes their connections
// and cancels their context (a setup() or teardown() run from the API). It
// is safe to call more than once and before Start.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	srv, cancel, served := s.srv, s.cancel, s.served
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		cancel()
		_ = srv.Close()
	}
	cancel()
	if served != nil {
		<-served
	}
	return err
}

// logWriter passes the HTTP server's log lines to a logrus logger.
type logWriter struct{ l logrus.FieldLogger }

func (w logWriter) Write(p []byte) (int, error) {
	if w.l != nil {
		w.l.Debug("REST API: " + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// routes builds the API's mux. Each path has a pattern without a method that
// answers the methods the path does not take (405), and "/" answers unknown
// paths (404), both with k6's error document.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(path string, byMethod map[string]http.HandlerFunc) {
		allowed := make([]string, 0, len(byMethod))
		for m, h := range byMethod {
			mux.HandleFunc(m+" "+path, h)
			allowed = append(allowed, m)
		}
		sortMethods(allowed)
		allow := strings.Join(allowed, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed",
				fmt.Sprintf("%s %s: allowed methods: %s", r.Method, r.URL.Path, allow))
		})
	}
	route("/v1/status", map[string]http.HandlerFunc{"GET": s.getStatus, "PATCH": s.patchStatus})
	route("/v1/metrics", map[string]http.HandlerFunc{"GET": s.getMetrics})
	route("/v1/metrics/{id}", map[string]http.HandlerFunc{"GET": s.getMetric})
	route("/v1/groups", map[string]http.HandlerFunc{"GET": s.getGroups})
	route("/v1/groups/{id}", map[string]http.HandlerFunc{"GET": s.getGroup})
	route("/v1/setup", map[string]http.HandlerFunc{"GET": s.getSetup, "PUT": s.putSetup, "POST": s.postSetup})
	route("/v1/teardown", map[string]http.HandlerFunc{"POST": s.postTeardown})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not found", fmt.Sprintf("no endpoint at %s", r.URL.Path))
	})
	return mux
}

// sortMethods orders methods as the routes list them: reads first.
func sortMethods(ms []string) {
	rank := map[string]int{"GET": 0, "PUT": 1, "PATCH": 2, "POST": 3}
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && rank[ms[j]] < rank[ms[j-1]]; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// readBody reads a request body up to the limit; on failure it answers the
// request and returns false.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "Request body too large",
				fmt.Sprintf("the request body is larger than the limit of %s", byteSize(s.cfg.MaxBodyBytes)))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "Reading the request body failed", err.Error())
		return nil, false
	}
	return body, true
}

// byteSize renders n bytes as "1 MiB", "512 KiB" or "100 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
