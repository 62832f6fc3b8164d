// Package promtest runs a real Prometheus server for tests: the `prometheus`
// binary (Debian package prometheus) on a free loopback port, with its own
// temporary config and storage, scraping an in-process exporter every second.
//
// A package's tests share one server: Shared starts it on first use and
// StopShared (called from TestMain after m.Run) stops it. Without the binary
// the calling test is skipped, unless the CI environment variable is set:
// then it fails.
package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Target is the in-process exporter Prometheus scrapes. It exposes
// redis_exporter and postgres_exporter names with fixed values:
// redis_memory_used_bytes 1234 (not the seed's redis_used_memory_bytes),
// redis_connected_clients 7, pg_stat_database_xact_commit{datname="app"} 10
// and {datname="postgres"} 5, pg_stat_database_blks_read{datname="app"} 100.
type Target struct {
	srv *httptest.Server
	// ConnectedClients is redis_connected_clients; tests may change it (and
	// must put it back to 7).
	ConnectedClients prometheus.Gauge
}

func newTarget() *Target {
	reg := prometheus.NewRegistry()
	mem := prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_memory_used_bytes", Help: "Used memory."})
	clients := prometheus.NewGauge(prometheus.GaugeOpts{Name: "redis_connected_clients", Help: "Connected clients."})
	commits := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pg_stat_database_xact_commit", Help: "Commits."}, []string{"datname"})
	blks := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pg_stat_database_blks_read", Help: "Blocks read."}, []string{"datname"})
	reg.MustRegister(mem, clients, commits, blks)
	mem.Set(1234)
	clients.Set(7)
	commits.WithLabelValues("app").Add(10)
	commits.WithLabelValues("postgres").Add(5)
	blks.WithLabelValues("app").Add(100)
	return &Target{srv: httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})), ConnectedClients: clients}
}

// Server is a running Prometheus.
type Server struct {
	// URL is Prometheus's base URL, http://127.0.0.1:<port>.
	URL    string
	Target *Target

	cmd    *exec.Cmd
	dir    string
	log    *syncBuffer
	exited chan error // receives cmd.Wait's result
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	once    sync.Once
	shared  *Server
	startEr error
)

// Binary returns the path of the prometheus executable, or skips the test
// (fails it when the CI environment variable is set).
func Binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/prometheus"); err == nil {
		return "/usr/bin/prometheus"
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the prometheus binary is required in CI (Debian package prometheus) but was not found")
	}
	t.Skip("prometheus binary not found (apt-get install prometheus); skipping tests against a real server")
	return ""
}

// Shared returns the package's server, starting it on first use; it is
// ready once it has scraped the target.
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	once.Do(func() { shared, startEr = Start(bin) })
	if startEr != nil {
		t.Fatalf("starting prometheus: %v", startEr)
	}
	return shared
}

// StopShared stops the server Shared started, if any. Call it from TestMain.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs bin with a scrape interval of 1s against a new Target and waits
// (up to 30s) until the target's series are queryable.
func Start(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "stampede-prom-test-")
	if err != nil {
		return nil, err
	}
	target := newTarget()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: stampede_test
    static_configs:
      - targets: [%q]
`, target.srv.Listener.Addr().String())
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken between probe and bind
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), dir: dir, log: &syncBuffer{}, Target: target}
		s.cmd = exec.Command(bin,
			"--config.file="+cfgPath,
			"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data%d", attempt)),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			"--log.level=warn",
		)
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		killWithParent(s.cmd)
		if err := s.cmd.Start(); err != nil {
			return nil, err
		}
		s.exited = make(chan error, 1)
		go func() { s.exited <- s.cmd.Wait() }()
		if lastErr = s.waitReady(); lastErr == nil {
			return s, nil
		}
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	target.srv.Close()
	os.RemoveAll(dir)
	return nil, lastErr
}

// waitReady waits until Prometheus has scraped both commit series.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	q := s.URL + "/api/v1/query?query=" + url.QueryEscape("pg_stat_database_xact_commit")
	for time.Now().Before(deadline) {
		select {
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("prometheus exited early (%v): %s", err, s.log.String())
		default:
		}
		if n, err := seriesCount(q); err == nil && n == 2 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("prometheus at %s did not scrape the test target within 30s: %s", s.URL, s.log.String())
}

func seriesCount(u string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var body struct {
		Data struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return 0, err
	}
	return len(body.Data.Result), nil
}

// Stop interrupts Prometheus (killing it after 5s), closes the target and
// removes the temporary directory.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.Target.srv.Close()
	os.RemoveAll(s.dir)
}

// WaitFor polls cond every 100ms for up to 15s, failing the test on timeout.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
