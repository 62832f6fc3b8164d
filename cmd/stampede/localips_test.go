package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// --local-ips repeats or takes a comma list, as k6's flag does, and wins
// over K6_LOCAL_IPS and the script; a bad entry names the flag and the
// entry (exit 104).
func TestLocalIPsFlag(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.gs.env["K6_LOCAL_IPS"] = "10.9.9.9"
	p := c.write("s.js", `export const options = { localIPs: '10.8.8.8' };
export default function () {}`)
	if code := c.run("inspect", "--local-ips", "127.0.0.2-127.0.0.3,10.0.0.0/30", "--local-ips", "::1", p); code != 0 {
		t.Fatalf("exit %d: %s", code, c.stderr)
	}
	var got struct {
		LocalIPs []string `json:"localIPs"`
	}
	if err := json.Unmarshal([]byte(c.stdout.String()), &got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.LocalIPs, " ") != "127.0.0.2-127.0.0.3 10.0.0.0/30 ::1" {
		t.Errorf("localIPs %q", got.LocalIPs)
	}
	c2 := newCLI(t)
	code := c2.run("inspect", "--local-ips", "10.0.0.9-10.0.0.1", p)
	if want := `option "--local-ips": invalid value "10.0.0.9-10.0.0.1": the range's start is after its end`; code != 104 || !strings.Contains(unescape(c2.stderr.String()), want) {
		t.Errorf("bad --local-ips: exit %d, stderr %s\nwant 104 and %s", code, c2.stderr, want)
	}
	c3 := newCLI(t)
	c3.gs.env["K6_LOCAL_IPS"] = "nope"
	if code := c3.run("inspect", p); code != 104 || !strings.Contains(unescape(c3.stderr.String()), `option "K6_LOCAL_IPS": invalid value "nope"`) {
		t.Errorf("bad K6_LOCAL_IPS: exit %d, stderr %s", code, c3.stderr)
	}
}

// unescape undoes the quoting of the logger's msg="...".
func unescape(s string) string { return strings.ReplaceAll(s, `\"`, `"`) }
