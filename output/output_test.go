package output

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/metrics"
)

var t0 = time.Date(2025, 7, 8, 9, 10, 11, 123456789, time.UTC)

type fixture struct {
	reg *metrics.Registry
	bm  *metrics.BuiltinMetrics
}

func newFixture() fixture {
	reg := metrics.NewRegistry()
	return fixture{reg: reg, bm: metrics.RegisterBuiltins(reg)}
}

// batches returns n batches of 3 samples each (per "VU" v).
func (f fixture) batches(v, n int) [][]metrics.Sample {
	var out [][]metrics.Sample
	for i := 0; i < n; i++ {
		tags := metrics.NewTagSet(map[string]string{
			"method": "GET", "status": "200", "url": "http://127.0.0.1/a,b", "name": "home", "scenario": "default",
			"group": "::g", "proto": "HTTP/1.1", "expected_response": "true", "vu": "x",
		})
		ts := t0.Add(time.Duration(v*n+i) * time.Millisecond)
		out = append(out, []metrics.Sample{
			{Metric: f.bm.HTTPReqs, Tags: tags, Time: ts, Value: 1},
			{Metric: f.bm.HTTPReqDuration, Tags: tags, Time: ts, Value: 12.5 + float64(i)},
			{Metric: f.bm.VUs, Time: ts, Value: float64(v)},
		})
	}
	return out
}

func TestParseSpecAndNew(t *testing.T) {
	typ, arg, err := ParseSpec("json=out/results.json")
	if err != nil || typ != "json" || arg != "out/results.json" {
		t.Fatalf("ParseSpec = %q %q %v", typ, arg, err)
	}
	typ, arg, err = ParseSpec("csv")
	if err != nil || typ != "csv" || arg != "" {
		t.Fatalf("ParseSpec(csv) = %q %q %v", typ, arg, err)
	}
	if _, _, err := ParseSpec("=x"); !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("empty type: %v", err)
	}
	_, err = New([]string{"json=a.json", "influxdb=http://x", "csv=saveInterval=never", "=y"}, Params{})
	if !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("error %v does not wrap ErrInvalidSpec", err)
	}
	for _, want := range []string{`unknown output type "influxdb"; available: csv, json`, `saveInterval "never"`, `"=y"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	outs, err := New([]string{"json=a.json", "csv=b.csv"}, Params{})
	if err != nil || len(outs) != 2 {
		t.Fatalf("New: %v %v", outs, err)
	}
	if d := NewManager(outs, ManagerOptions{}).Descriptions(); strings.Join(d, "|") != "json (a.json)|csv (b.csv)" {
		t.Fatalf("descriptions %v", d)
	}
}

// run feeds batches from several goroutines through a Manager into outs.
func run(t *testing.T, f fixture, outs []Output, opts ManagerOptions) *Manager {
	t.Helper()
	m := NewManager(outs, opts)
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for v := 1; v <= 4; v++ {
		wg.Add(1)
		go func(v int) {
			defer wg.Done()
			for _, b := range f.batches(v, 50) {
				m.Ingest(b)
			}
		}(v)
	}
	wg.Wait()
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	return m
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s is not valid gzip: %v", path, err)
		}
		b, err = io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: incomplete gzip stream: %v", path, err)
		}
	}
	return b
}

func TestJSONOutput(t *testing.T) {
	for _, name := range []string{"results.json", "results.json.gz"} {
		t.Run(name, func(t *testing.T) {
			f := newFixture()
			path := filepath.Join(t.TempDir(), name)
			outs, err := New([]string{"json=" + path}, Params{})
			if err != nil {
				t.Fatal(err)
			}
			var ths map[string]config.Thresholds
			_ = json.Unmarshal([]byte(`{"http_req_duration": ["p(95)<100", "avg<50"], "http_req_duration{status:200}": ["max<1000"]}`), &ths)
			compiled, err := metrics.CompileThresholds(f.reg, ths)
			if err != nil {
				t.Fatal(err)
			}
			m := run(t, f, outs, ManagerOptions{Thresholds: compiled})
			if m.DroppedTotal() != 0 {
				t.Fatalf("dropped %d samples with an idle disk", m.DroppedTotal())
			}

			sc := bufio.NewScanner(bytes.NewReader(readAll(t, path)))
			sc.Buffer(nil, 1<<20)
			declared := map[string]map[string]any{}
			points := map[string]int{}
			for sc.Scan() {
				var line struct {
					Type   string          `json:"type"`
					Metric string          `json:"metric"`
					Data   json.RawMessage `json:"data"`
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("invalid JSON line %q: %v", sc.Text(), err)
				}
				switch line.Type {
				case "Metric":
					var d map[string]any
					_ = json.Unmarshal(line.Data, &d)
					if declared[line.Metric] != nil {
						t.Fatalf("metric %s declared twice", line.Metric)
					}
					declared[line.Metric] = d
				case "Point":
					if declared[line.Metric] == nil {
						t.Fatalf("point of %s before its Metric line", line.Metric)
					}
					var p struct {
						Time  time.Time         `json:"time"`
						Value float64           `json:"value"`
						Tags  map[string]string `json:"tags"`
					}
					if err := json.Unmarshal(line.Data, &p); err != nil {
						t.Fatalf("bad point %s: %v", line.Data, err)
					}
					if p.Time.Before(t0) || p.Time.After(t0.Add(time.Second)) {
						t.Fatalf("point time %v out of range", p.Time)
					}
					if line.Metric == "http_reqs" && (p.Tags["url"] != "http://127.0.0.1/a,b" || p.Tags["group"] != "::g" || p.Value != 1) {
						t.Fatalf("http_reqs point %+v", p)
					}
					if line.Metric == "vus" && p.Tags != nil {
						t.Fatalf("untagged sample must have null tags: %s", line.Data)
					}
					points[line.Metric]++
				default:
					t.Fatalf("unknown line type %q", line.Type)
				}
			}
			for _, m := range []string{"http_reqs", "http_req_duration", "vus"} {
				if points[m] != 200 {
					t.Errorf("%d points of %s, want 200", points[m], m)
				}
			}
			d := declared["http_req_duration"]
			if d["type"] != "trend" || d["contains"] != "time" || d["name"] != "http_req_duration" {
				t.Fatalf("metric line %v", d)
			}
			if th := fmt.Sprint(d["thresholds"]); th != "[p(95)<100 avg<50]" {
				t.Fatalf("thresholds %s", th)
			}
			subs, _ := json.Marshal(d["submetrics"])
			for _, want := range []string{`"name":"http_req_duration{expected_response:true}"`, `"name":"http_req_duration{status:200}"`, `"tags":{"status":"200"}`} {
				if !strings.Contains(string(subs), want) {
					t.Errorf("submetrics %s lack %s", subs, want)
				}
			}
			if th, _ := json.Marshal(declared["vus"]["thresholds"]); string(th) != "[]" {
				t.Fatalf("vus thresholds %s, want []", th)
			}
		})
	}
}

func TestJSONStdoutAndEscaping(t *testing.T) {
	f := newFixture()
	var out bytes.Buffer
	outs, err := New([]string{"json=-"}, Params{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	m := NewManager(outs, ManagerOptions{})
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	weird := metrics.NewTagSet(map[string]string{"q": "a\"b\\c\n\x01é\xff"})
	m.Ingest([]metrics.Sample{{Metric: f.bm.Iterations, Tags: weird, Time: t0, Value: 1e-9, Metadata: map[string]string{"trace_id": "abc"}}})
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), out.String())
	}
	var p struct {
		Data struct {
			Value    float64           `json:"value"`
			Tags     map[string]string `json:"tags"`
			Metadata map[string]string `json:"metadata"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &p); err != nil {
		t.Fatalf("invalid line %q: %v", lines[1], err)
	}
	if p.Data.Tags["q"] != "a\"b\\c\n\x01é\uFFFD" || p.Data.Value != 1e-9 || p.Data.Metadata["trace_id"] != "abc" {
		t.Fatalf("decoded %+v", p.Data)
	}
}

func TestCSVOutput(t *testing.T) {
	tests := []struct {
		name     string
		spec     func(dir string) string
		env      func(dir string) map[string]string
		file     string
		checkTim func(string) bool
	}{
		{"plain file name", func(d string) string { return "csv=" + filepath.Join(d, "r.csv") }, nil, "r.csv",
			func(s string) bool { return s == "1751965811" }},
		{"options in the argument", func(d string) string {
			return "csv=fileName=" + filepath.Join(d, "r.csv.gz") + ",timeFormat=rfc3339_nano,saveInterval=50ms"
		}, nil, "r.csv.gz", func(s string) bool {
			_, err := time.Parse(time.RFC3339Nano, s)
			return err == nil && strings.HasPrefix(s, "2025-07-08T09:10:11.")
		}},
		{"environment variables", func(string) string { return "csv" }, func(d string) map[string]string {
			return map[string]string{"K6_CSV_FILENAME": filepath.Join(d, "env.csv"), "K6_CSV_TIME_FORMAT": "unix_milli", "K6_CSV_SAVE_INTERVAL": "250"}
		}, "env.csv", func(s string) bool { return strings.HasPrefix(s, "1751965811") && len(s) == 13 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, dir := newFixture(), t.TempDir()
			p := Params{}
			if tt.env != nil {
				p.Env = tt.env(dir)
			}
			outs, err := New([]string{tt.spec(dir)}, p)
			if err != nil {
				t.Fatal(err)
			}
			run(t, f, outs, ManagerOptions{})
			r := csv.NewReader(bytes.NewReader(readAll(t, filepath.Join(dir, tt.file))))
			rows, err := r.ReadAll()
			if err != nil {
				t.Fatalf("invalid CSV: %v", err)
			}
			if strings.Join(rows[0], ",") != "metric_name,timestamp,metric_value,check,error,error_code,group,method,name,proto,scenario,status,subproto,tls_version,url,extra_tags" {
				t.Fatalf("header %v", rows[0])
			}
			if len(rows) != 1+600 {
				t.Fatalf("%d rows, want 600 samples + header", len(rows)-1)
			}
			var sawReq bool
			for _, row := range rows[1:] {
				if row[0] == "http_reqs" && row[2] == "1.000000" {
					sawReq = true
					want := []string{"", "", "", "::g", "GET", "home", "HTTP/1.1", "default", "200", "", "", "http://127.0.0.1/a,b", "expected_response=true&vu=x"}
					if strings.Join(row[3:], "|") != strings.Join(want, "|") {
						t.Fatalf("row %q\nwant tags %q", row, want)
					}
				}
				if row[0] == "vus" && strings.Join(row[3:], "") != "" {
					t.Fatalf("untagged row %q", row)
				}
			}
			if !sawReq {
				t.Fatal("no http_reqs row")
			}
			if !tt.checkTim(rows[1][1]) {
				t.Fatalf("timestamp %q has the wrong format", rows[1][1])
			}
		})
	}
}

func TestParseCSVConfig(t *testing.T) {
	c, err := ParseCSVConfig("", nil)
	if err != nil || c != (CSVConfig{FileName: "file.csv", SaveInterval: time.Second, TimeFormat: "unix"}) {
		t.Fatalf("defaults %+v %v", c, err)
	}
	c, err = ParseCSVConfig("fileName=x.csv,saveInterval=1m30s", map[string]string{"K6_CSV_FILENAME": "env.csv", "K6_CSV_TIME_FORMAT": "rfc3339"})
	if err != nil || c.FileName != "x.csv" || c.SaveInterval != 90*time.Second || c.TimeFormat != "rfc3339" {
		t.Fatalf("argument over env: %+v %v", c, err)
	}
	for _, bad := range []string{"timeFormat=iso", "saveInterval=-1s", "colour=red", "fileName=a,junk"} {
		if _, err := ParseCSVConfig(bad, nil); !errors.Is(err, ErrInvalidSpec) {
			t.Errorf("ParseCSVConfig(%q) error = %v, want ErrInvalidSpec", bad, err)
		}
	}
	if _, err := ParseCSVConfig("", map[string]string{"K6_CSV_TIME_FORMAT": "nope"}); err == nil || !strings.Contains(err.Error(), "K6_CSV_TIME_FORMAT") {
		t.Errorf("an invalid env value must be named in the error: %v", err)
	}
}

// gate is an output that blocks in AddSamples until released.
type gate struct {
	release  chan struct{}
	received atomic.Uint64
	started  bool
	stopped  bool
	startErr error
}

func (g *gate) Start() error { g.started = true; return g.startErr }
func (g *gate) AddSamples(b []metrics.Sample) {
	<-g.release
	g.received.Add(uint64(len(b)))
}
func (g *gate) Stop() error { g.stopped = true; return nil }

func TestManagerNeverBlocksAndCountsDrops(t *testing.T) {
	f := newFixture()
	g := &gate{release: make(chan struct{})}
	log, hook := logtest.NewNullLogger()
	m := NewManager([]Output{g}, ManagerOptions{QueueBatches: 4, Logger: log})
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	sent := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := 0; v < 4; v++ {
			for _, b := range f.batches(v, 25) {
				m.Ingest(b) // the output is stuck: this must not block
				sent += len(b)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Ingest blocked on a stuck output")
	}
	close(g.release)
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	got, dropped := g.received.Load(), m.DroppedTotal()
	if dropped == 0 || got+dropped != uint64(sent) {
		t.Fatalf("received %d + dropped %d != sent %d (and some must drop)", got, dropped, sent)
	}
	if got < 4*3 {
		t.Fatalf("the queued batches must still be delivered: got %d", got)
	}
	if e := hook.LastEntry(); e == nil || e.Level != logrus.WarnLevel || !strings.Contains(e.Message, "samples were dropped") {
		t.Fatalf("no warning about dropped samples: %v", hook.AllEntries())
	}
	m.Ingest(f.batches(0, 1)[0]) // after Stop: ignored, no panic
	if err := m.Stop(); err != nil {
		t.Fatal("second Stop must be a no-op")
	}
}

func TestManagerStartFailureStopsStarted(t *testing.T) {
	ok := &gate{release: make(chan struct{})}
	bad := &gate{release: make(chan struct{}), startErr: errors.New("disk full")}
	m := NewManager([]Output{ok, bad}, ManagerOptions{})
	if err := m.Start(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Start error %v", err)
	}
	if !ok.stopped {
		t.Fatal("the output started before the failure must be stopped")
	}
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestJSONStopReportsWriteErrors(t *testing.T) {
	outs, _ := New([]string{"json=" + filepath.Join(t.TempDir(), "no", "such", "dir.json")}, Params{})
	if err := NewManager(outs, ManagerOptions{}).Start(); err == nil {
		t.Fatal("creating a file in a missing directory must fail at Start")
	}
}

// BenchmarkManagerIngest measures what VUs pay per batch to feed two file
// outputs (ns/op and allocs/op per 256-sample batch).
func BenchmarkManagerIngest(b *testing.B) {
	f := newFixture()
	dir := b.TempDir()
	outs, err := New([]string{"json=" + filepath.Join(dir, "r.json"), "csv=" + filepath.Join(dir, "r.csv")}, Params{})
	if err != nil {
		b.Fatal(err)
	}
	m := NewManager(outs, ManagerOptions{})
	if err := m.Start(); err != nil {
		b.Fatal(err)
	}
	var batch []metrics.Sample
	for len(batch) < 256 {
		batch = append(batch, f.batches(1, 1)[0]...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Ingest(batch)
		}
	})
	b.StopTimer()
	if err := m.Stop(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(m.DroppedTotal())/float64(b.N), "dropped-samples/op")
}

func BenchmarkJSONPointLine(b *testing.B) {
	f := newFixture()
	s := f.batches(1, 1)[0][1]
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = appendPointLine(buf[:0], &s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c", "\n\r\t\x00\x1f", "é€𝄞", "\xff\xfe", "mixed\xc3(ok)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", enc, s, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(ref, &want)
		if got != want {
			t.Fatalf("%q decodes to %q, encoding/json gives %q", s, got, want)
		}
	})
}
