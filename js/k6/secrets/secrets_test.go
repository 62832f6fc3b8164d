package secrets_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/js/modulestest"
	"github.com/stampede-load/stampede/secretsource"

	_ "github.com/stampede-load/stampede/js/k6/secrets"
)

func newRuntime(t *testing.T, flags ...string) (*modulestest.Runtime, *secretsource.Manager) {
	t.Helper()
	m, err := secretsource.Build(flags, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := modulestest.New(t, modulestest.WithSecrets(m))
	rt.Logger.AddHook(m.Redactor().Hook())
	return rt, m
}

func run(t *testing.T, rt *modulestest.Runtime, src string) string {
	t.Helper()
	v, err := rt.RunScript(src)
	if err != nil {
		t.Fatal(err)
	}
	return v.String()
}

func runErr(t *testing.T, rt *modulestest.Runtime, src string) string {
	t.Helper()
	_, err := rt.RunScript(src)
	if err == nil {
		t.Fatalf("no error from %s", src)
	}
	return err.Error()
}

func TestGetFromDefaultAndNamedSources(t *testing.T) {
	rt, _ := newRuntime(t,
		"mock=default,cool=cool secret",
		"mock=name=another,cool=not cool secret")
	got := run(t, rt, `(async () => {
		const secrets = require("k6/secrets").default;
		const a = await secrets.get("cool");
		const b = await secrets.source("another").get("cool");
		const c = await secrets.source("default").get("cool");
		return [a, b, c, typeof secrets.get, typeof secrets.source].join("|");
	})()`)
	if want := "cool secret|not cool secret|cool secret|function|function"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMissingKeySourceAndDefaultReject(t *testing.T) {
	rt, _ := newRuntime(t, "mock=name=a,k=hunter2", "mock=name=b,k=other")
	cases := []struct{ expr, want string }{
		{`secrets.source("a").get("nope")`, `secret "nope" not found in secret source "a" (mock)`},
		{`secrets.source("zzz").get("k")`, `there is no secret source named "zzz": the named ones are "a", "b"`},
		{`secrets.get("k")`, `there is no default secret source among the 2 given`},
		{`secrets.get()`, `TypeError: secrets.get() needs the key of a secret`},
	}
	for _, c := range cases {
		got := run(t, rt, `(async () => {
			const secrets = require("k6/secrets").default;
			try { await `+c.expr+`; return "resolved" } catch (e) { return String(e) }
		})()`)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want it to contain %q", c.expr, got, c.want)
		}
		if strings.Contains(got, "hunter2") {
			t.Errorf("%s: the rejection shows the secret: %s", c.expr, got)
		}
	}
	// An uncaught rejection fails the script with the key and source named.
	msg := runErr(t, rt, `require("k6/secrets").default.source("a").get("missing")`)
	if !strings.Contains(msg, `secret "missing" not found in secret source "a" (mock)`) {
		t.Errorf("uncaught rejection: %s", msg)
	}
}

func TestNoSourceRejects(t *testing.T) {
	rt := modulestest.New(t)
	got := run(t, rt, `require("k6/secrets").default.get("k").then(() => "resolved", e => e.message)`)
	if want := "no secret source is configured: give one with --secret-source (e.g. --secret-source=file=secrets.txt)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRetrievedValuesAreRedactedFromLogs(t *testing.T) {
	rt, _ := newRuntime(t, "mock=tok=hunter2,unused=swordfish")
	var buf bytes.Buffer
	rt.Logger.SetOutput(&buf)
	rt.Logger.SetFormatter(&logrus.JSONFormatter{DisableTimestamp: true})
	run(t, rt, `(async () => {
		const secrets = require("k6/secrets").default;
		console.log("before hunter2");
		const v = await secrets.get("tok");
		console.log("the token is " + v);
		console.warn({token: v});
		console.error("swordfish is not retrieved, so not redacted");
	})()`)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e struct{ Msg string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, e.Msg)
	}
	want := []string{
		// Logged before the value was retrieved: k6 redacts the values it
		// handed out, from then on.
		"before hunter2",
		"the token is " + secretsource.Redacted,
		`{"token":"` + secretsource.Redacted + `"}`,
		"swordfish is not retrieved, so not redacted",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("logs:\n got %q\nwant %q", lines, want)
	}
}

func TestUsableInInitAndVUContexts(t *testing.T) {
	rt, _ := newRuntime(t, "mock=k=v1")
	// Init context.
	if got := run(t, rt, `require("k6/secrets").default.get("k")`); got != "v1" {
		t.Errorf("init: %q", got)
	}
	// VU context (setup, iterations, teardown).
	rt.MoveToVUContext(rt.NewState())
	if got := run(t, rt, `require("k6/secrets").default.get("k")`); got != "v1" {
		t.Errorf("VU: %q", got)
	}
}
