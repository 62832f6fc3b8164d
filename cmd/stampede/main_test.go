package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/js/modules"
)

// A test-only extension whose function panics in Go (not a JS exception):
// the way to reach exit code 109 through a real script.
func init() {
	modules.Register("k6/x/stampede-cmd-test", panicModule{})
}

type panicModule struct{}

func (panicModule) NewModuleInstance(modules.VU) modules.Instance { return panicModule{} }
func (panicModule) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"goPanic": func() { panic("deliberate Go panic") }}}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of the logger
// and the progress display.
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

// cli is one in-process invocation of the command.
type cli struct {
	t              *testing.T
	gs             *globalState
	stdout, stderr *syncBuffer
	sig            chan os.Signal
	dir            string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	c := &cli{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, sig: make(chan os.Signal, 2), dir: dir}
	logger := logrus.New()
	logger.SetOutput(c.stderr)
	c.gs = &globalState{
		ctx:    context.Background(),
		stdout: c.stdout, stderr: c.stderr,
		env: map[string]string{"STAMPEDE_TEST_VAR": "from-system"},
		cwd: dir,
		signals: func() (<-chan os.Signal, func()) {
			return c.sig, func() {}
		},
		exit: func(code int) {
			t.Errorf("exit(%d) called in-process", code)
		},
		ttyProgressEvery:   30 * time.Millisecond,
		plainProgressEvery: 100 * time.Millisecond,
		logger:             logger,
	}
	return c
}

func (c *cli) write(name, src string) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *cli) run(args ...string) int {
	c.t.Helper()
	done := make(chan int, 1)
	go func() { done <- execute(c.gs, args) }()
	select {
	case code := <-done:
		return code
	case <-time.After(50 * time.Second):
		c.t.Fatalf("stampede %v did not finish; stderr:\n%s", args, c.stderr)
		return -1
	}
}

func (c *cli) file(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// One test per exit code, through real scripts and the real command.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		args    []string
		signal  bool // send SIGINT once VUs run
		want    int
		stderr  []string
		stdout  []string
		notFile bool // the script path does not exist
	}{
		{
			name:   "0 ok",
			script: `export default function () {}`,
			want:   0, stdout: []string{"iterations", "1 complete and 0 interrupted iterations"},
		},
		{
			name:   "99 thresholds crossed",
			script: `export const options = { iterations: 2, thresholds: { iterations: ['count>5'] } }; export default function () {}`,
			want:   99, stderr: []string{"thresholds on metrics 'iterations' have been crossed"},
			stdout: []string{"✗ 'count>5'"},
		},
		{
			name:   "100 setup timeout",
			script: `export const options = { setupTimeout: '300ms' }; export function setup() { for (;;) {} } export default function () {}`,
			want:   100, stderr: []string{"setup() execution timed out after 300ms (setupTimeout)"},
		},
		{
			name:   "101 teardown timeout",
			script: `export const options = { teardownTimeout: '300ms' }; export default function () {} export function teardown() { for (;;) {} }`,
			want:   101, stderr: []string{"teardown() execution timed out after 300ms (teardownTimeout)"},
		},
		{
			name:   "104 option of the wrong type",
			script: `export const options = { vus: 'ten', duration: true }; export default function () {}`,
			want:   104, stderr: []string{`option \"duration\": invalid value true: expected a duration string`, `option \"vus\": invalid value \"ten\": expected an integer`},
		},
		{
			name:   "104 invalid executor values, all reported",
			script: `export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 5, iterations: 2 }, t: { executor: 'constant-vus' } } }; export default function () {}`,
			want:   104, stderr: []string{"the number of iterations (2) can't be less than the number of VUs (5)", `option \"scenarios.t.duration\": the duration is unspecified`},
		},
		{
			name:   "104 bad flag value",
			script: `export default function () {}`, args: []string{"--duration", "soon"},
			want: 104, stderr: []string{`option \"--duration\": invalid value \"soon\"`},
		},
		{
			name:   "104 unknown flag",
			script: `export default function () {}`, args: []string{"--warp", "9"},
			want: 104, stderr: []string{"unknown flag: --warp"},
		},
		{
			name:   "104 threshold on an unknown metric",
			script: `export const options = { thresholds: { nope: ['count>1'] } }; export default function () {}`,
			want:   104, stderr: []string{"nope"},
		},
		{
			name:   "104 missing exec function",
			script: `export const options = { scenarios: { s: { executor: 'per-vu-iterations', exec: 'missing' } } }; export default function () {}`,
			want:   104, stderr: []string{"function 'missing' not found in exports"},
		},
		{
			name:   "105 signal",
			script: `import { sleep } from 'k6'; export const options = { vus: 2, duration: '30s' }; export default function () { sleep(0.2); } export function teardown() { console.log('teardown ran'); }`,
			signal: true, want: 105,
			stderr: []string{"Stopping the test run in response to signal interrupt", "teardown ran", "test run aborted by signal: interrupt"},
			stdout: []string{"TOTAL RESULTS"},
		},
		{
			name:   "107 init exception",
			script: "const x = 1;\nthrow new Error('init failed');\nexport default function () {}",
			want:   107, stderr: []string{"init failed", "script.js:2"},
		},
		{
			name:   "107 setup exception",
			script: "export function setup() { throw new Error('setup failed'); }\nexport default function () {}",
			want:   107, stderr: []string{"setup() failed: Error: setup failed"},
		},
		{
			name:   "108 test.abort()",
			script: `import exec from 'k6/execution'; export const options = { vus: 1, duration: '10s' }; export default function () { exec.test.abort('enough'); } export function teardown() { console.log('teardown after abort'); }`,
			want:   108, stderr: []string{"test aborted: enough", "teardown after abort"},
		},
		{
			name:   "109 Go panic",
			script: `import { goPanic } from 'k6/x/stampede-cmd-test'; export default function () { goPanic(); }`,
			want:   109, stderr: []string{"Go panic: deliberate Go panic"},
		},
		{
			name:   "110 test.fail()",
			script: `import exec from 'k6/execution'; export const options = { iterations: 3 }; export default function () { exec.test.fail('bad data'); }`,
			want:   110, stderr: []string{"test run was marked as failed: bad data"},
			stdout: []string{"3 complete"},
		},
		{
			name:    "255 missing script",
			notFile: true, want: 255, stderr: []string{"cannot read the script"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCLI(t)
			path := filepath.Join(c.dir, "script.js")
			if !tt.notFile {
				path = c.write("script.js", tt.script)
			}
			if tt.signal {
				go func() {
					time.Sleep(1200 * time.Millisecond)
					c.sig <- os.Interrupt
				}()
			}
			args := append([]string{"run", "--no-color"}, tt.args...)
			start := time.Now()
			code := c.run(append(args, path)...)
			if code != tt.want {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, c.stdout, c.stderr)
			}
			if tt.signal && time.Since(start) > 10*time.Second {
				t.Errorf("graceful stop took %s", time.Since(start))
			}
			for _, s := range tt.stderr {
				if !strings.Contains(c.stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, c.stderr)
				}
			}
			for _, s := range tt.stdout {
				if !strings.Contains(c.stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, c.stdout)
				}
			}
		})
	}
}

func TestExitCodeMapping(t *testing.T) {
	if exitCode(nil) != 0 || exitCode(os.ErrNotExist) != 255 {
		t.Error("nil and unknown errors")
	}
}

func TestInspectPrintsConsolidatedOptions(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.gs.env["K6_DURATION"] = "20s"
	p := c.write("s.js", `export const options = { vus: 2, iterations: 10, tags: { team: 'core' } }; export default function () {}`)
	// -e K6_ITERATIONS only sets __ENV, it is not the env layer.
	if code := c.run("inspect", "--vus", "5", "--summary-trend-stats", "avg,p(99)", "-e", "K6_ITERATIONS=7", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(c.stdout.String()), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, c.stdout)
	}
	// env duration replaces the script's iterations; CLI vus wins.
	if got["vus"] != 5.0 || got["duration"] != "20s" || got["iterations"] != nil {
		t.Errorf("shorthands: %v", got)
	}
	sc := got["scenarios"].(map[string]any)["default"].(map[string]any)
	if sc["executor"] != "constant-vus" || sc["vus"] != 5.0 || sc["duration"] != "20s" {
		t.Errorf("derived scenario: %v", sc)
	}
	if got["tags"].(map[string]any)["team"] != "core" || len(got["summaryTrendStats"].([]any)) != 2 {
		t.Errorf("tags/trend stats: %v", got)
	}
	if got["setupTimeout"] != "1m0s" {
		t.Errorf("defaults: setupTimeout %v", got["setupTimeout"])
	}
}

// k6's configuration file is the lowest layer: under the script's options,
// K6_* variables and flags; found through --config, K6_CONFIG or the
// default path.
func TestConfigFile(t *testing.T) {
	t.Parallel()
	const fileJSON = `{"vus": 4, "iterations": 8, "userAgent": "from-file", "tags": {"team": "file"},
		"noUsageReport": true, "shiny": 1}`
	const script = `export const options = { tags: { team: 'script' } }; export default function () {}`
	inspect := func(t *testing.T, c *cli, args ...string) map[string]any {
		t.Helper()
		if code := c.run(append([]string{"inspect"}, args...)...); code != 0 {
			t.Fatalf("exit %d: %s", code, c.stderr)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(c.stdout.String()), &got); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, c.stdout)
		}
		return got
	}
	t.Run("--config, under the script and the flags", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		f := c.write("k6.json", fileJSON)
		p := c.write("s.js", script)
		got := inspect(t, c, "--config", f, "--vus", "2", p)
		if got["vus"] != 2.0 || got["iterations"] != 8.0 || got["userAgent"] != "from-file" {
			t.Errorf("layers: vus %v (flag 2), iterations %v (file 8), userAgent %v (file)", got["vus"], got["iterations"], got["userAgent"])
		}
		if got["tags"].(map[string]any)["team"] != "script" {
			t.Errorf("the script's tags should win over the file's: %v", got["tags"])
		}
		if !strings.Contains(c.stderr.String(), `unknown option \"shiny\" in config file `+f) {
			t.Errorf("no warning naming the unknown key and the file: %s", c.stderr)
		}
		// The file's "out" is used by run (inspect shows options only).
		out := filepath.Join(c.dir, "out.json")
		f = c.write("k6-out.json", `{"iterations": 1, "out": "json=`+out+`"}`)
		if code := c.run("run", "-q", "--no-summary", "--config", f, p); code != 0 {
			t.Fatalf("run: exit %d: %s", code, c.stderr)
		}
		if !strings.Contains(c.file("out.json"), `"metric":"iterations"`) {
			t.Errorf("the file's json output has no iterations:\n%s", c.file("out.json"))
		}
	})
	t.Run("K6_CONFIG, relative to the working directory", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.write("k6.json", fileJSON)
		c.gs.env["K6_CONFIG"] = "k6.json"
		got := inspect(t, c, c.write("s.js", script))
		if got["iterations"] != 8.0 {
			t.Errorf("K6_CONFIG not read: %v", got)
		}
	})
	t.Run("the default path, only when it exists", func(t *testing.T) {
		t.Parallel()
		c := newCLI(t)
		c.gs.env["XDG_CONFIG_HOME"] = c.dir
		p := c.write("s.js", script)
		if got := inspect(t, c, p); got["iterations"] != nil {
			t.Errorf("options without a default file: %v", got)
		}
		if err := os.MkdirAll(filepath.Join(c.dir, "k6"), 0o755); err != nil {
			t.Fatal(err)
		}
		c.write("k6/config.json", fileJSON)
		c2 := newCLI(t)
		c2.gs.env["XDG_CONFIG_HOME"] = c.dir
		if got := inspect(t, c2, p); got["iterations"] != 8.0 {
			t.Errorf("default file not read: %v", got)
		}
	})
	t.Run("a named file that is missing or wrong is exit 104", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct{ name, content, want string }{
			{"missing.json", "", "missing.json: no such file or directory"},
			{"bad.json", `{"vus": "ten"}`, `config file DIR/bad.json: option \"vus\": invalid value \"ten\"`},
			{"list.json", `[1]`, "config file DIR/list.json: expected a JSON object of k6 options"},
		} {
			c := newCLI(t)
			if tt.content != "" {
				c.write(tt.name, tt.content)
			}
			p := c.write("s.js", script)
			if code := c.run("run", "-q", "--config", tt.name, p); code != 104 {
				t.Errorf("%s: exit %d, want 104", tt.name, code)
			}
			if want := strings.ReplaceAll(tt.want, "DIR", c.dir); !strings.Contains(c.stderr.String(), want) {
				t.Errorf("%s: stderr lacks %q:\n%s", tt.name, want, c.stderr)
			}
		}
	})
}

// --blacklist-ip and --block-hostnames repeat or take comma lists.
func TestBlocklistFlags(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	p := c.write("s.js", `export default function () {}`)
	if code := c.run("inspect", "--blacklist-ip", "10.0.0.0/8,fd00::/8", "--blacklist-ip", "192.168.1.1", "--block-hostnames", "*.internal", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	var got struct {
		BlacklistIPs   []string `json:"blacklistIPs"`
		BlockHostnames []string `json:"blockHostnames"`
	}
	if err := json.Unmarshal([]byte(c.stdout.String()), &got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.BlacklistIPs, " ") != "10.0.0.0/8 fd00::/8 192.168.1.1" || strings.Join(got.BlockHostnames, " ") != "*.internal" {
		t.Errorf("got %+v", got)
	}
	c2 := newCLI(t)
	if code := c2.run("inspect", "--blacklist-ip", "not-an-ip", p); code != 104 {
		t.Errorf("bad --blacklist-ip: exit %d, want 104", code)
	}
}

// --dns layers over K6_DNS field by field, as in k6; a bad value names the flag.
func TestDNSFlag(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.gs.env["K6_DNS"] = "ttl=1m,select=first"
	p := c.write("s.js", `export const options = { dns: { policy: 'onlyIPv6' } };
export default function () {}`)
	if code := c.run("inspect", "--dns", "policy=any", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	var got struct {
		DNS map[string]string `json:"dns"`
	}
	if err := json.Unmarshal([]byte(c.stdout.String()), &got); err != nil {
		t.Fatal(err)
	}
	if got.DNS["ttl"] != "1m0s" || got.DNS["select"] != "first" || got.DNS["policy"] != "any" {
		t.Errorf("dns %v", got.DNS)
	}
	c2 := newCLI(t)
	if code := c2.run("inspect", "--dns", "policy=bogus", p); code != 104 || !strings.Contains(c2.stderr.String(), `--dns`) {
		t.Errorf("bad --dns: exit %d: %s", code, c2.stderr)
	}
}

// --rps caps the requests of all VUs together, through the runner's shared
// limiter: 3 VUs x 3 requests at 20/s take at least 8 intervals of 50 ms.
func TestRPSFlag(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	c := newCLI(t)
	p := c.write("s.js", `import http from 'k6/http';
export default function () { for (let i = 0; i < 3; i++) http.get(__ENV.URL); }`)
	start := time.Now()
	if code := c.run("run", "-q", "--no-summary", "--rps", "20", "-u", "3", "-i", "3", "-e", "URL="+srv.URL, p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	if took := time.Since(start); took < 390*time.Millisecond {
		t.Errorf("9 requests at --rps 20 took %s; the limit allows no less than 400 ms", took)
	}
	if code := newCLI(t).run("inspect", "--rps", "-1", p); code != 104 {
		t.Errorf("--rps -1: exit %d, want 104", code)
	}
}

func TestInspectInvalid(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	p := c.write("s.js", `export const options = { iterations: 1, stages: [{ duration: '1s', target: 1 }] }; export default function () {}`)
	if code := c.run("inspect", p); code != 104 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(c.stderr.String(), "using multiple execution config shortcuts (`iterations` and `stages`) simultaneously is not allowed") {
		t.Errorf("stderr: %s", c.stderr)
	}
}

func TestVersion(t *testing.T) {
	c := newCLI(t)
	if code := c.run("version"); code != 0 || !strings.HasPrefix(c.stdout.String(), "stampede dev (") {
		t.Errorf("exit %d, %q", code, c.stdout)
	}
}

// Warnings of the layering reach the log with k6's wording.
func TestOverrideWarning(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	p := c.write("s.js", `export const options = { scenarios: { s: { executor: 'per-vu-iterations' } } }; export default function () {}`)
	if code := c.run("run", "-q", "-i", "2", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	if !strings.Contains(c.stderr.String(), `\"cli\" level configuration overrode scenarios configuration entirely`) {
		t.Errorf("stderr: %s", c.stderr)
	}
	if !strings.Contains(c.stdout.String(), "iterations.....") {
		t.Errorf("no summary: %s", c.stdout)
	}
}

func TestEnvFlags(t *testing.T) {
	t.Parallel()
	script := `export default function () { console.log('A=' + __ENV.A + ' SYS=' + __ENV.STAMPEDE_TEST_VAR); }`
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-e", "A=1"}, "A=1 SYS=from-system"},
		{[]string{"-e", "A=1", "--include-system-env-vars=false"}, "A=1 SYS=undefined"},
		{[]string{"-e", "STAMPEDE_TEST_VAR=over"}, "A=undefined SYS=over"},
	}
	for _, tt := range tests {
		c := newCLI(t)
		p := c.write("s.js", script)
		if code := c.run(append(append([]string{"run", "-q"}, tt.args...), p)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, c.stderr)
		}
		if !strings.Contains(c.stderr.String(), tt.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tt.args, tt.want, c.stderr)
		}
	}
	c := newCLI(t)
	p := c.write("s.js", script)
	if code := c.run("run", "-e", "NOVALUE", p); code != 104 || !strings.Contains(c.stderr.String(), `option \"--env\": invalid value \"NOVALUE\": expected NAME=value`) {
		t.Errorf("exit %d: %s", code, c.stderr)
	}
}

func TestProgressPlainAndQuiet(t *testing.T) {
	t.Parallel()
	script := `import { sleep } from 'k6'; export const options = { vus: 2, duration: '1s' }; export default function () { sleep(0.1); }`
	c := newCLI(t)
	p := c.write("s.js", script)
	if code := c.run("run", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	out := c.stdout.String()
	for _, want := range []string{"scenarios: 1 scenario, 2 max VUs, 31s max duration", "* default: 2 looping VUs for 1s (gracefulStop: 30s)", "running (0m0", "default   [", "finished (0m01", "default ✓ [========================================] 0 VUs  0m01.0s/1s"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("escape codes without a terminal")
	}

	q := newCLI(t)
	p = q.write("s.js", script)
	if code := q.run("run", "-q", p); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(q.stdout.String(), "running (") || strings.Contains(q.stdout.String(), "scenarios:") {
		t.Errorf("-q printed progress:\n%s", q.stdout)
	}
}

func TestProgressTTYRedrawsInPlace(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.gs.stdoutTTY = true
	p := c.write("s.js", `import { sleep } from 'k6'; export const options = { vus: 1, duration: '1s' }; export default function () { console.log('tick'); sleep(0.3); }`)
	if code := c.run("run", "--no-color", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	out := c.stdout.String()
	if !strings.Contains(out, "\x1b[1A\x1b[2K") || strings.Count(out, "running (") < 5 {
		t.Errorf("no in-place redraw:\n%q", out)
	}
	if !strings.Contains(out, "finished (") {
		t.Error("no final state")
	}
}

func TestHandleSummaryAndExport(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	p := c.write("s.js", `export const options = { iterations: 2 };
export function setup() { return { token: 'abc' }; }
export default function () {}
export function handleSummary(data) {
  return { stdout: 'custom summary ' + data.metrics.iterations.values.count + ' ' + data.setup_data.token + '\n', 'reports/out.txt': 'file ' + data.state.testRunDurationMs };
}`)
	if code := c.run("run", "-q", "--summary-export", "export.json", "-o", "json="+filepath.Join(c.dir, "points.json"), p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	if !strings.Contains(c.stdout.String(), "custom summary 2 abc") || strings.Contains(c.stdout.String(), "TOTAL RESULTS") {
		t.Errorf("stdout:\n%s", c.stdout)
	}
	if !strings.HasPrefix(c.file("reports/out.txt"), "file ") {
		t.Error("handleSummary file")
	}
	var export map[string]any
	if err := json.Unmarshal([]byte(c.file("export.json")), &export); err != nil || export["metrics"] == nil {
		t.Errorf("export: %v %v", err, export)
	}
	if pts := c.file("points.json"); !strings.Contains(pts, `"metric":"iterations"`) || !strings.Contains(pts, `"metric":"vus_max"`) {
		t.Errorf("json output:\n%s", pts)
	}
}

func TestNoSummary(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--no-summary"}, {"--summary-mode", "disabled"}} {
		c := newCLI(t)
		p := c.write("s.js", `export default function () {} export function handleSummary() { return { stdout: 'called' }; }`)
		if code := c.run(append(append([]string{"run", "-q"}, args...), p)...); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		if c.stdout.String() != "" {
			t.Errorf("%v: stdout %q", args, c.stdout)
		}
	}
}

// k6 command lines with --no-usage-report run unchanged.
func TestNoUsageReportAccepted(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	p := c.write("s.js", `export default function () {}`)
	if code := c.run("run", "-q", "--no-usage-report", "--no-summary", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
}

func TestEmbeddedTarget(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	p := c.write("s.js", `import http from 'k6/http';
export default function () {
  const r = http.get(__ENV.BASE_URL + '/healthz');
  if (r.status !== 200) throw new Error('status ' + r.status);
  if (!__ENV.STRIPE_WEBHOOK_SECRET.startsWith('whsec_')) throw new Error('no secret');
  console.log('target ok');
}`)
	if code := c.run("run", "-q", "--embedded-target", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	if !strings.Contains(c.stderr.String(), "target ok") || strings.Contains(c.stderr.String(), "whsec_") {
		t.Errorf("stderr:\n%s", c.stderr)
	}
}

func TestLogFormatAndOutput(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	p := c.write("s.js", `export default function () { console.log('hello'); }`)
	if code := c.run("run", "-q", "--log-format", "json", "--log-output", "file=logs/run.log", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	log := c.file("logs/run.log")
	if !strings.Contains(log, `"msg":"hello"`) {
		t.Errorf("log file: %s", log)
	}
	if code := c.run("run", "--log-format", "xml", p); code != 104 {
		t.Errorf("bad log format exit %d", code)
	}
}

func TestCommandsRegistered(t *testing.T) {
	root := newRootCmd(newCLI(t).gs)
	for _, name := range []string{"run", "inspect", "version", "target"} {
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("command %q: %v", name, err)
		}
	}
	seen := map[string]bool{}
	for _, c := range root.Commands() {
		if seen[c.Name()] {
			t.Errorf("command %q registered twice", c.Name())
		}
		seen[c.Name()] = true
	}
}
