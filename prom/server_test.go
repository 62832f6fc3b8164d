package prom

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// A real Prometheus server shared by the tests of this package: started on
// first use, scraping an in-process target every second, stopped by TestMain.

// scrapeTarget is the in-process exporter Prometheus scrapes. It exposes a
// few redis_exporter and postgres_exporter names (redis_memory_used_bytes,
// not the seed's redis_used_memory_bytes).
type scrapeTarget struct {
	srv              *httptest.Server
	connectedClients prometheus.Gauge
}

func newScrapeTarget() *scrapeTarget {
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
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return &scrapeTarget{srv: srv, connectedClients: clients}
}

type promServer struct {
	url    string
	cmd    *exec.Cmd
	dir    string
	log    *syncBuffer
	target *scrapeTarget
	exited chan error // receives cmd.Wait's result
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var (
	promOnce   sync.Once
	promShared *promServer
	promErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if promShared != nil {
		promShared.stop()
	}
	os.Exit(code)
}

// prometheusBinary finds the prometheus executable or skips the test; in CI
// (env CI set) a missing binary fails the test instead.
func prometheusBinary(t *testing.T) string {
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

// realPrometheus returns the shared Prometheus server, starting it on first use.
func realPrometheus(t *testing.T) *promServer {
	t.Helper()
	bin := prometheusBinary(t)
	promOnce.Do(func() { promShared, promErr = startPrometheus(bin) })
	if promErr != nil {
		t.Fatalf("starting prometheus: %v", promErr)
	}
	return promShared
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startPrometheus(bin string) (*promServer, error) {
	dir, err := os.MkdirTemp("", "stampede-prom-test-")
	if err != nil {
		return nil, err
	}
	target := newScrapeTarget()
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
		s := &promServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), dir: dir, log: &syncBuffer{}, target: target}
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
		if lastErr = s.waitReady(s.exited); lastErr == nil {
			return s, nil
		}
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	target.srv.Close()
	os.RemoveAll(dir)
	return nil, lastErr
}

// waitReady waits until Prometheus answers and has scraped the target once.
func (s *promServer) waitReady(exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	c, err := New(Config{URL: s.url, Timeout: time.Second})
	if err != nil {
		return err
	}
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("prometheus exited early (%v): %s", err, s.log.String())
		default:
		}
		if res, err := c.Query(context.Background(), `pg_stat_database_xact_commit`, time.Time{}); err == nil && len(res) == 2 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("prometheus at %s did not scrape the test target within 30s: %s", s.url, s.log.String())
}

func (s *promServer) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.target.srv.Close()
	os.RemoveAll(s.dir)
}

// waitFor polls cond every 100ms for up to 15s.
func waitFor(t *testing.T, what string, cond func() bool) {
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
