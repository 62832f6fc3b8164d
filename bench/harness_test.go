package bench

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func ms(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x * float64(time.Millisecond))
	}
	return out
}

func TestLateness(t *testing.T) {
	tests := []struct {
		name     string
		arrivals []time.Duration
		interval time.Duration
		want     []time.Duration
	}{
		{name: "on schedule", arrivals: ms(10, 11, 12, 13), interval: time.Millisecond, want: ms(0, 0, 0, 0)},
		{name: "out of order arrivals are sorted", arrivals: ms(12, 10, 13, 11), interval: time.Millisecond, want: ms(0, 0, 0, 0)},
		{name: "one late start", arrivals: ms(10, 11, 12.5, 13), interval: time.Millisecond, want: ms(0, 0, 0, 0.5)},
		{name: "a slow rate accumulates lateness", arrivals: ms(0, 1.1, 2.2, 3.3), interval: time.Millisecond, want: ms(0, 0.1, 0.2, 0.3)},
		{name: "an early origin shifts everything", arrivals: ms(5, 5.9, 7, 8), interval: time.Millisecond, want: ms(0, 0.1, 0.1, 0.1)},
		{name: "a missing start shows as lateness", arrivals: ms(0, 1, 3, 4), interval: time.Millisecond, want: ms(0, 0, 1, 1)},
		{name: "empty", arrivals: nil, interval: time.Millisecond, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lateness(tt.arrivals, tt.interval)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if d := got[i] - tt.want[i]; d > time.Microsecond || d < -time.Microsecond {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		p    float64
		want float64
	}{{0, 1}, {0.5, 5}, {0.9, 9}, {0.99, 10}, {1, 10}}
	for _, tt := range tests {
		if got := Percentile(sorted, tt.p); got != tt.want {
			t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile([]float64(nil), 0.5); got != 0 {
		t.Errorf("Percentile of nothing = %v, want 0", got)
	}
	if got := Median([]float64{9, 1, 5}); got != 5 {
		t.Errorf("Median = %v, want 5", got)
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\tstampede\nVmHWM:\t  123456 kB\nVmRSS:\t   65432 kB\nThreads:\t9\n"
	tests := []struct {
		field   string
		want    int64
		wantErr bool
	}{
		{field: "VmRSS", want: 65432},
		{field: "VmHWM", want: 123456},
		{field: "VmSwap", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			got, err := parseStatusKB(strings.NewReader(status), tt.field)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %v; want %d (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
	// Our own process has a VmRSS.
	if kb, err := ProcStatusKB(os.Getpid(), "VmRSS"); err != nil || kb <= 0 {
		t.Errorf("own VmRSS = %d, %v", kb, err)
	}
}

func TestPromValue(t *testing.T) {
	expo := []byte("# HELP staging_users_total Users.\n# TYPE staging_users_total counter\nstaging_users_total_created 3\nstaging_users_total 42\nstaging_queue_waiting{region=\"a\"} 1\n")
	if v, ok := PromValue(expo, "staging_users_total"); !ok || v != 42 {
		t.Errorf("staging_users_total = %v, %v; want 42", v, ok)
	}
	if _, ok := PromValue(expo, "staging_sessions_active"); ok {
		t.Error("found a metric that is not there")
	}
}

func TestLimitedBuffer(t *testing.T) {
	b := newLimitedBuffer(5)
	for _, s := range []string{"abc", "def", "ghi"} {
		if n, err := b.Write([]byte(s)); n != 3 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if got := b.String(); got != "abcde" {
		t.Errorf("kept %q, want %q", got, "abcde")
	}
}

func TestServerCountsAndRecords(t *testing.T) {
	s, err := StartServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, path := range []string{"/me", "/arrive", "/arrive"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != string(SmallJSON) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s answered %q (%s)", path, body, resp.Header.Get("Content-Type"))
		}
	}
	if n := s.Requests(); n != 3 {
		t.Errorf("Requests() = %d, want 3", n)
	}
	a := s.TakeArrivals()
	if len(a) != 2 || a[1] < a[0] {
		t.Errorf("arrivals = %v, want 2 in order", a)
	}
	if a := s.TakeArrivals(); len(a) != 0 {
		t.Errorf("arrivals after Take = %v, want none", a)
	}
	if err := WaitHTTP(context.Background(), s.URL+"/healthz", time.Second); err != nil {
		t.Error(err)
	}
}

func TestChildUsage(t *testing.T) {
	c, err := StartChild(context.Background(), "sh", []string{"-c", "echo out; echo err >&2; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3"}, nil, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if u.ExitCode != 3 || u.CPU() <= 0 || u.Wall <= 0 {
		t.Errorf("usage = %+v", u)
	}
	if c.Stdout() != "out\n" || c.Stderr() != "err\n" {
		t.Errorf("stdout %q, stderr %q", c.Stdout(), c.Stderr())
	}
	if len(u.RSS) > 0 && u.PeakRSSKB < u.RSS[0].KB {
		t.Errorf("peak RSS %d KiB below a sampled RSS %d KiB", u.PeakRSSKB, u.RSS[0].KB)
	}
	if len(u.RSS) > 0 && u.RSSAt(u.Wall) != u.RSS[len(u.RSS)-1].KB {
		t.Errorf("RSSAt(end) = %d, want the last sample %d", u.RSSAt(u.Wall), u.RSS[len(u.RSS)-1].KB)
	}
	if u.RSSAt(-time.Second) != 0 {
		t.Error("RSSAt before the start is not 0")
	}
}

func TestFirstByteProxy(t *testing.T) {
	s, err := StartServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := StartFirstByteProxy(strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.First():
		t.Fatal("first byte reported before any request")
	case <-time.After(20 * time.Millisecond):
	}
	before := time.Now()
	client := &http.Client{Transport: &http.Transport{}}
	for range 3 {
		resp, err := client.Get(p.URL + "/me")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != string(SmallJSON) {
			t.Errorf("through the proxy: %q", body)
		}
	}
	select {
	case at := <-p.First():
		if at.Before(before) || time.Since(at) > 10*time.Second {
			t.Errorf("first byte at %v, requests began at %v", at, before)
		}
	default:
		t.Fatal("no first byte reported")
	}
	select {
	case <-p.First():
		t.Error("first byte reported twice")
	default:
	}
	if n := s.Requests(); n != 3 {
		t.Errorf("server saw %d requests, want 3", n)
	}
	client.CloseIdleConnections()
	if err := p.Close(); err != nil {
		t.Error(err)
	}
}
