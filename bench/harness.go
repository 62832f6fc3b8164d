package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// RSSPoint is one sample of a process's resident set size.
type RSSPoint struct {
	At time.Duration // since the process started
	KB int64         // VmRSS in KiB
}

// Usage is what a finished child process cost.
type Usage struct {
	Wall time.Duration
	User time.Duration // user CPU time (getrusage of the child)
	Sys  time.Duration // system CPU time
	// PeakRSSKB is the child's peak resident set size in KiB: the last
	// VmHWM sampled from /proc while it ran (0 without sampling). The
	// rusage ru_maxrss is not used: Linux folds the parent's peak into it
	// when the child execs from a vfork, so a big harness inflates it.
	PeakRSSKB int64
	ExitCode  int        // -1 when killed by a signal
	RSS       []RSSPoint // VmRSS sampled while it ran
}

// CPU is user + system time.
func (u Usage) CPU() time.Duration { return u.User + u.Sys }

// RSSAt returns the last sampled RSS at or before at (0 if none).
func (u Usage) RSSAt(at time.Duration) int64 {
	var kb int64
	for _, p := range u.RSS {
		if p.At > at {
			break
		}
		kb = p.KB
	}
	return kb
}

// Child is a started process that the harness measures. Its output is kept
// (up to a limit) for error messages and parsing.
type Child struct {
	cmd    *exec.Cmd
	start  time.Time
	stdout *limitedBuffer
	stderr *limitedBuffer

	mu   sync.Mutex
	rss  []RSSPoint
	hwm  int64 // last VmHWM read
	done chan struct{}
}

// StartChild starts name with args and env (added to the harness's own
// environment), sampling its VmRSS every sampleEvery (0: never). The
// process is killed when ctx ends.
func StartChild(ctx context.Context, name string, args, env []string, sampleEvery time.Duration) (*Child, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	c := &Child{cmd: cmd, stdout: newLimitedBuffer(4 << 20), stderr: newLimitedBuffer(1 << 20), done: make(chan struct{})}
	cmd.Stdout = c.stdout
	cmd.Stderr = c.stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c.start = time.Now()
	if sampleEvery > 0 {
		go c.sample(sampleEvery)
	}
	return c, nil
}

// PID is the child's process id.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// Started is when the child was started.
func (c *Child) Started() time.Time { return c.start }

// RSSKB reads the child's current VmRSS in KiB.
func (c *Child) RSSKB() (int64, error) {
	return ProcStatusKB(c.cmd.Process.Pid, "VmRSS")
}

func (c *Child) sample(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
			if err != nil {
				continue
			}
			st, err := parseStatus(f, "VmRSS", "VmHWM")
			f.Close()
			if err != nil {
				continue
			}
			c.mu.Lock()
			c.rss = append(c.rss, RSSPoint{At: time.Since(c.start), KB: st["VmRSS"]})
			c.hwm = max(c.hwm, st["VmHWM"], st["VmRSS"])
			c.mu.Unlock()
		}
	}
}

// Signal sends sig to the child.
func (c *Child) Signal(sig os.Signal) error { return c.cmd.Process.Signal(sig) }

// Wait waits for the child to exit and returns what it cost. A non-zero
// exit is not an error (the caller judges ExitCode); failing to run is.
func (c *Child) Wait() (Usage, error) {
	err := c.cmd.Wait()
	wall := time.Since(c.start)
	close(c.done)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return Usage{}, fmt.Errorf("%s: %w", c.cmd.Path, err)
	}
	ps := c.cmd.ProcessState
	u := Usage{Wall: wall, User: ps.UserTime(), Sys: ps.SystemTime(), ExitCode: ps.ExitCode()}
	c.mu.Lock()
	u.RSS = slices.Clone(c.rss)
	u.PeakRSSKB = c.hwm
	c.mu.Unlock()
	return u, nil
}

// Stdout is what the child printed on stdout (the first few MiB).
func (c *Child) Stdout() string { return c.stdout.String() }

// Stderr is what the child printed on stderr (the first MiB).
func (c *Child) Stderr() string { return c.stderr.String() }

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func newLimitedBuffer(max int) *limitedBuffer { return &limitedBuffer{max: max} }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ProcStatusKB reads one "<field>: N kB" line of /proc/<pid>/status
// (VmRSS, VmHWM, ...).
func ProcStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusKB(f, field)
}

func parseStatusKB(r io.Reader, field string) (int64, error) {
	st, err := parseStatus(r, field)
	return st[field], err
}

// parseStatus reads the "<field>: N kB" lines of fields from a
// /proc/<pid>/status; every field must be there.
func parseStatus(r io.Reader, fields ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(fields))
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || !slices.Contains(fields, name) {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return nil, fmt.Errorf("%s: no value", name)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = n
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, f := range fields {
		if _, ok := out[f]; !ok {
			return nil, fmt.Errorf("no %s line in the process status", f)
		}
	}
	return out, nil
}

// Server is a loopback HTTP server answering every request with a small
// JSON body. It counts requests, and records the arrival time of requests
// to /arrive (for arrival-rate precision). Safe for concurrent use.
type Server struct {
	URL string // http://127.0.0.1:port

	srv      *http.Server
	base     time.Time
	requests atomic.Int64

	mu       sync.Mutex
	arrivals []time.Duration // since base, in arrival order
}

// SmallJSON is the body every Server response carries (65 bytes).
var SmallJSON = []byte(`{"userId":"usr_123","tokens":5,"status":"idle","sessionId":null}`)

// StartServer starts a Server on 127.0.0.1 on a free port.
func StartServer() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), base: time.Now()}
	mux := http.NewServeMux()
	mux.HandleFunc("/arrive", func(w http.ResponseWriter, r *http.Request) {
		at := time.Since(s.base)
		s.mu.Lock()
		s.arrivals = append(s.arrivals, at)
		s.mu.Unlock()
		s.reply(w)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.reply(w) })
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

func (s *Server) reply(w http.ResponseWriter) {
	s.requests.Add(1)
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	_, _ = w.Write(SmallJSON)
}

// Requests is how many requests the server has answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// TakeArrivals returns the recorded arrivals at /arrive and forgets them.
func (s *Server) TakeArrivals() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.arrivals
	s.arrivals = nil
	return a
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Lateness returns, for arrivals of iterations scheduled every interval, how
// late each one is against the schedule: the i-th arrival (in time order)
// belongs to the i-th slot, and the schedule's origin is placed so that the
// earliest arrival relative to its slot is exactly on time. A generator
// whose rate is off, or that drops or bunches starts, shows growing
// lateness. The result is sorted.
func Lateness(arrivals []time.Duration, interval time.Duration) []time.Duration {
	if len(arrivals) == 0 {
		return nil
	}
	a := slices.Clone(arrivals)
	slices.Sort(a)
	offs := make([]time.Duration, len(a))
	origin := time.Duration(1<<63 - 1)
	for i, t := range a {
		offs[i] = t - time.Duration(i)*interval
		origin = min(origin, offs[i])
	}
	for i := range offs {
		offs[i] -= origin
	}
	slices.Sort(offs)
	return offs
}

// Percentile returns the p-th percentile (0..1) of sorted values, nearest rank.
func Percentile[T ~int64 | ~float64](sorted []T, p float64) T {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted)) + 0.5)
	i = min(max(i-1, 0), len(sorted)-1)
	return sorted[i]
}

// Median returns the median of values (which it sorts).
func Median[T ~int64 | ~float64](values []T) T {
	slices.Sort(values)
	return Percentile(values, 0.5)
}

// PromValue returns the value of the first sample of metric (without
// labels) in a Prometheus text exposition.
func PromValue(exposition []byte, metric string) (float64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(exposition))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+" ") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[len(metric)+1:]), 64)
		return v, err == nil
	}
	return 0, false
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitHTTP polls url until it answers 200 or timeout passes.
func WaitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %s (last error: %v)", url, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// SummaryExport is the part of stampede's --summary-export JSON the harness
// reads: each metric's values by name (count, rate, avg, p(95), ...).
type SummaryExport struct {
	Metrics map[string]map[string]any `json:"metrics"`
}

// ReadSummaryExport reads a --summary-export file.
func ReadSummaryExport(path string) (*SummaryExport, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s SummaryExport
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("summary export %s: %w", path, err)
	}
	return &s, nil
}

// Value returns metrics[metric][key] as a number (0, false when missing).
func (s *SummaryExport) Value(metric, key string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	m, ok := s.Metrics[metric]
	if !ok {
		return 0, false
	}
	switch v := m[key].(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// FirstByteProxy forwards TCP connections from a loopback port to upstream
// and records when the first byte from any client arrives: the moment a
// generator's first request reaches the server, measured without polling
// the server (polling a 2-core machine's target every few milliseconds
// slows the very start-up it measures).
type FirstByteProxy struct {
	URL   string
	ln    net.Listener
	first chan time.Time
	once  sync.Once
	wg    sync.WaitGroup
}

// StartFirstByteProxy listens on 127.0.0.1 (free port) and forwards to
// upstream ("host:port").
func StartFirstByteProxy(upstream string) (*FirstByteProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &FirstByteProxy{URL: "http://" + ln.Addr().String(), ln: ln, first: make(chan time.Time, 1)}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.forward(c, upstream)
			}()
		}
	}()
	return p, nil
}

func (p *FirstByteProxy) forward(c net.Conn, upstream string) {
	defer c.Close()
	buf := make([]byte, 32<<10)
	n, err := c.Read(buf)
	if n > 0 {
		p.once.Do(func() { p.first <- time.Now() })
	}
	if err != nil {
		return
	}
	u, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	if _, err := u.Write(buf[:n]); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, u)
		_ = c.Close()
		close(done)
	}()
	_, _ = io.CopyBuffer(u, c, buf)
	_ = u.Close()
	<-done
}

// First returns a channel that receives the time of the first byte, once.
func (p *FirstByteProxy) First() <-chan time.Time { return p.first }

// Close stops accepting and waits for the forwarded connections to end
// (they end when their client closes them, as a killed process's do).
func (p *FirstByteProxy) Close() error {
	err := p.ln.Close()
	p.wg.Wait()
	return err
}
