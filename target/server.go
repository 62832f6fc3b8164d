package target

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HTTP server limits used by Start.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Errors returned by Start.
var (
	// ErrAlreadyStarted is returned by Start on a Server already started.
	ErrAlreadyStarted = errors.New("target server already started")
	// ErrClosed is returned by Start after Shutdown.
	ErrClosed = errors.New("target server is shut down")
)

// Server is the reference staging API: an in-memory store, its matching
// worker, and the HTTP handler that serves the contract. It is safe for
// concurrent use. Lifecycle: New (worker starts), optionally Start (HTTP
// listener), then Shutdown exactly once (more calls are harmless).
type Server struct {
	cfg            Config
	secret         Secret
	log            *slog.Logger
	st             *store
	w              *worker
	m              *serverMetrics
	metricsHandler http.Handler

	stopOnce   sync.Once
	stop       chan struct{}
	workerDone chan struct{}

	mu        sync.Mutex
	srv       *http.Server
	url       string
	serveDone chan struct{}
	closed    bool
}

var _ http.Handler = (*Server)(nil)

// New validates cfg, applies its defaults and returns a Server whose
// matching worker is already running. The caller must call Shutdown.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:        cfg,
		secret:     cfg.WebhookSecret,
		log:        cfg.Logger,
		st:         newStore(cfg.SessionHold),
		stop:       make(chan struct{}),
		workerDone: make(chan struct{}),
	}
	if s.secret.IsZero() {
		s.secret = GenerateSecret()
	}
	s.m = newMetrics(s.st)
	s.metricsHandler = promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)})
	s.w = newWorker(s.st, cfg.Clock, cfg.EventRetention)
	go s.w.run(cfg.MatchInterval, s.stop, s.workerDone)
	return s, nil
}

// Handler returns the API as an http.Handler (the Server itself), for
// httptest servers or mounting in another mux. It works without Start.
func (s *Server) Handler() http.Handler { return s }

// WebhookSecret returns the secret webhooks must be signed with: the one
// configured, or the one New generated.
func (s *Server) WebhookSecret() Secret { return s.secret }

// listenAddr returns addr with an empty host replaced by 127.0.0.1.
func listenAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// Start listens on Config.Addr (an empty host means 127.0.0.1, port 0 a
// free port) and serves the API in the background until Shutdown. ctx bounds
// only the listen call. It returns the address actually listened on.
func (s *Server) Start(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return "", ErrClosed
	case s.srv != nil:
		return "", ErrAlreadyStarted
	}
	addr := listenAddr(s.cfg.Addr)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("target: listen on %s: %w", addr, err)
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.serveDone = make(chan struct{})
	bound := ln.Addr().String()
	s.url = "http://" + bound
	go func(srv *http.Server, done chan<- struct{}) {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("target: serve failed", "addr", bound, "error", err)
		}
	}(s.srv, s.serveDone)
	s.log.Info("target: listening", "url", s.url)
	return bound, nil
}

// URL returns the base URL ("http://127.0.0.1:port") once Start succeeded,
// else "".
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Shutdown stops the server gracefully: it stops accepting connections,
// waits for in-flight requests to complete (until ctx is done, when the
// remaining connections are closed), then stops the matching worker. It is
// safe to call more than once; the state stays readable through Stats and
// UserBalance afterwards.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.serveDone
	s.closed = true
	s.mu.Unlock()

	var err error
	if srv != nil {
		if err = srv.Shutdown(ctx); err != nil {
			err = errors.Join(fmt.Errorf("target: shutdown: %w", err), srv.Close())
		}
		<-done
	}
	s.stopOnce.Do(func() { close(s.stop) })
	select {
	case <-s.workerDone:
	case <-ctx.Done():
		if err == nil {
			err = fmt.Errorf("target: stopping the matching worker: %w", ctx.Err())
		}
	}
	if err == nil {
		s.log.Info("target: shut down")
	}
	return err
}

// WebhookStats counts webhook deliveries by result.
type WebhookStats struct {
	// Credited counts events that credited tokens.
	Credited int64
	// Duplicate counts deliveries of an event id already processed.
	Duplicate int64
	// Ignored counts verified events that credited nothing (other types,
	// unknown user, invalid token count).
	Ignored int64
	// Rejected counts deliveries answered 4xx (signature, body, size).
	Rejected int64
}

// Stats is a snapshot of the server's totals. Each field is read atomically
// but the snapshot as a whole is not (it may straddle a concurrent update).
type Stats struct {
	// Users is the number of users created.
	Users int64
	// TokensCredited is the total of tokens credited by webhooks.
	TokensCredited int64
	// TokensDebited is the total of tokens debited by session starts.
	TokensDebited int64
	// SessionsStarted is the number of sessions ever started.
	SessionsStarted int64
	// SessionsActive is the number of sessions not ended yet.
	SessionsActive int64
	// Waiting is the number of users currently waiting in any queue.
	Waiting int64
	// Webhooks counts webhook deliveries by result.
	Webhooks WebhookStats
}

// Stats returns a snapshot of the server's totals. Safe for concurrent use.
func (s *Server) Stats() Stats {
	c := &s.st.c
	st := Stats{
		Users:           c.users.Load(),
		TokensCredited:  c.credited.Load(),
		TokensDebited:   c.debited.Load(),
		SessionsStarted: c.sessionsStarted.Load(),
		SessionsActive:  c.sessionsActive.Load(),
		Webhooks: WebhookStats{
			Credited:  c.webhook[webhookCredited].Load(),
			Duplicate: c.webhook[webhookDuplicate].Load(),
			Ignored:   c.webhook[webhookIgnored].Load(),
			Rejected:  c.webhook[webhookRejected].Load(),
		},
	}
	s.st.forEachQueue(func(q *queue) { st.Waiting += q.waiting.Load() })
	return st
}

// UserBalance returns the token balance of the user with the given id
// ("usr_..."), and false if there is no such user. Safe for concurrent use.
func (s *Server) UserBalance(userID string) (int64, bool) {
	u := s.st.userByID(userID)
	if u == nil {
		return 0, false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tokens, true
}
