package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stampede-load/stampede/secretsource"
)

// The script logs its secrets in the init context, setup, the iterations
// and teardown, and throws one in an exception: the logs show
// ***SECRET_REDACTED*** and never a value.
const secretsScript = `
import secrets from "k6/secrets";

export const options = { vus: 2, iterations: 2 };

secrets.get("cool").then(v => console.log("init: " + v));

export async function setup() {
	console.log("setup: " + await secrets.get("cool"));
}

export default async function () {
	const prod = await secrets.source("prod").get("token");
	console.log("iteration:", prod, await secrets.get("cool"));
	console.warn({ token: prod });
	try {
		await secrets.source("prod").get("nope");
	} catch (e) {
		console.error("missing: " + e.message);
	}
	if (__ITER === 0) { // whichever VU runs first: shared-iterations may give both to one
		throw new Error("boom with " + prod);
	}
}

export async function teardown() {
	console.log("teardown: " + await secrets.source("prod").get("token"));
}
`

func checkRedacted(t *testing.T, out string, values ...string) {
	t.Helper()
	for _, v := range values {
		if strings.Contains(out, v) {
			t.Errorf("the secret %q is in the output:\n%s", v, out)
		}
	}
	for _, want := range []string{
		"init: " + secretsource.Redacted,
		"setup: " + secretsource.Redacted,
		"iteration: " + secretsource.Redacted + " " + secretsource.Redacted,
		`{\"token\":\"` + secretsource.Redacted + `\"}`,
		`missing: secret \"nope\" not found in secret source \"prod\" (file)`,
		"boom with " + secretsource.Redacted,
		"teardown: " + secretsource.Redacted,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
}

func TestSecretSourcesInProcess(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.write("prod.secrets", "token=prod-t0ken-value\nother=x\n")
	script := c.write("script.js", secretsScript)
	code := c.run("run", "-q", "--no-color",
		"--secret-source=mock=default,cool=cool s3cret value",
		"--secret-source=file=name=prod,filename=prod.secrets",
		script)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, c.stderr)
	}
	checkRedacted(t, c.stderr.String()+c.stdout.String(), "s3cret", "prod-t0ken-value")
}

func TestSecretSourceFlagErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--secret-source=vault=token=hunter2"},
			`option \"--secret-source\": invalid value \"vault=token=***\": unknown secret source type \"vault\": the built-in ones are file and mock`},
		{[]string{"--secret-source=mock=k=hunter2,x"},
			`option \"--secret-source\": invalid value \"mock=k=***,***\": item 2 is not KEY=VALUE (values cannot contain commas)`},
		{[]string{"--secret-source=file=missing.secrets"},
			`option \"--secret-source\": invalid value \"file=missing.secrets\": cannot read the secrets file \"missing.secrets\": no such file or directory`},
		{[]string{"--secret-source=mock=name=a,k=hunter2", "--secret-source=mock=name=a,k=hunter2"},
			`option \"--secret-source\": invalid value \"mock=name=a,k=***\": two secret sources are named \"a\"`},
	}
	for _, tc := range cases {
		c := newCLI(t)
		script := c.write("script.js", `export default function () {}`)
		code := c.run(append(append([]string{"run", "-q", "--no-color"}, tc.args...), script)...)
		if code != exitInvalidConfig {
			t.Errorf("%v: exit code %d, want %d", tc.args, code, exitInvalidConfig)
		}
		out := c.stderr.String()
		if !strings.Contains(out, tc.want) {
			t.Errorf("%v: stderr lacks %s:\n%s", tc.args, tc.want, out)
		}
		if strings.Contains(out, "hunter2") {
			t.Errorf("%v: the secret is in the output:\n%s", tc.args, out)
		}
	}
}

// A real process, with the mock and file sources given on its command line.
func TestSecretSourcesBinary(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	for name, content := range map[string]string{
		"script.js":    secretsScript,
		"prod.secrets": "token=prod-t0ken-value\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "run", "-q", "--no-color",
		"--secret-source=mock=default,cool=cool s3cret value",
		"--secret-source=file=name=prod,filename=prod.secrets",
		"script.js")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	checkRedacted(t, string(out), "s3cret", "prod-t0ken-value")
}

func TestSecretSourceBadFlagBinary(t *testing.T) {
	t.Parallel()
	cmd, _, stderr := startBinary(t, `export default function () {}`, "--secret-source=mock=k=hunter2,oops")
	if code := waitExit(t, cmd, 30*time.Second); code != exitInvalidConfig {
		t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitInvalidConfig, stderr)
	}
	if strings.Contains(stderr.String(), "hunter2") || !strings.Contains(stderr.String(), "--secret-source") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// --http-debug logs the request through the logger: a secret sent in a
// header is redacted there too (k6's documented example).
func TestSecretRedactedFromHTTPDebug(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("echo " + r.Header.Get("Custom-Authentication")))
	}))
	defer srv.Close()
	c := newCLI(t)
	script := c.write("script.js", `
import http from "k6/http";
import secrets from "k6/secrets";
export const options = { iterations: 1 };
export default async () => {
	const res = await http.asyncRequest("GET", "`+srv.URL+`", null, {
		headers: { "Custom-Authentication": "Bearer " + await secrets.get("else") },
	});
	console.log(res.body);
};`)
	code := c.run("run", "-q", "--no-color", "--http-debug=full", "--secret-source=mock=else=t0psecret", script)
	if code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, c.stderr)
	}
	out := c.stderr.String()
	if strings.Contains(out, "t0psecret") {
		t.Errorf("the secret is in the logs:\n%s", out)
	}
	if !strings.Contains(out, "Custom-Authentication: Bearer "+secretsource.Redacted) ||
		!strings.Contains(out, "echo Bearer "+secretsource.Redacted) {
		t.Errorf("the logs lack the redacted header and body:\n%s", out)
	}
}
