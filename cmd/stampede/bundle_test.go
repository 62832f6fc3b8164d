package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stampede-load/stampede/bundle"
)

func runBundleCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newBundleCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestBundleCommand(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "main.js")
	src := "import stripe from 'k6/x/stripe';\nimport { helper } from './lib.js';\n" +
		"export const options = { vus: 1, vus: 2 };\nexport default function () { helper(stripe.sign('{}', 'whsec_x')); }\n"
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib.js"), []byte("export function helper(x) { return x; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.js"), []byte("import x from 'k6/x/sql';\nexport default function () { x(); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("stdout by default", func(t *testing.T) {
		stdout, stderr, err := runBundleCmd(t, script)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout, `from "k6/crypto"`) || strings.Contains(stdout, "k6/x/stripe\"") || !strings.Contains(stdout, "function helper") {
			t.Fatalf("stdout is not the bundle:\n%s", stdout)
		}
		if !strings.Contains(stderr, "warning: ") || !strings.Contains(stderr, `"vus"`) {
			t.Fatalf("stderr %q lacks the duplicate-key warning", stderr)
		}
	})
	t.Run("-o writes a file", func(t *testing.T) {
		out := filepath.Join(dir, "out.js")
		stdout, _, err := runBundleCmd(t, script, "-o", out)
		if err != nil {
			t.Fatal(err)
		}
		if stdout != "" {
			t.Fatalf("stdout %q, want nothing", stdout)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		want, err := bundle.Bundle(script, bundle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatal("the file differs from bundle.Bundle's output")
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".out.js.*"))
		if len(leftovers) > 0 {
			t.Fatalf("temporary files left: %v", leftovers)
		}
	})
	t.Run("--out --minify --source-map", func(t *testing.T) {
		out := filepath.Join(dir, "min.js")
		if _, _, err := runBundleCmd(t, "--out", out, "--minify", "--source-map", script); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(got), "sourceMappingURL=data:") || strings.Contains(string(got), "function helper(x)") {
			t.Fatalf("not a minified bundle with a source map:\n%s", got)
		}
	})
	t.Run("refuses to overwrite the script", func(t *testing.T) {
		_, _, err := runBundleCmd(t, script, "-o", script)
		if !errors.Is(err, errOverwriteEntry) {
			t.Fatalf("err = %v, want errOverwriteEntry", err)
		}
		if got, _ := os.ReadFile(script); string(got) != src {
			t.Fatal("the script was modified")
		}
	})
	t.Run("an unsupported extension fails and writes nothing", func(t *testing.T) {
		out := filepath.Join(dir, "never.js")
		_, _, err := runBundleCmd(t, filepath.Join(dir, "bad.js"), "-o", out)
		if !errors.Is(err, bundle.ErrUnsupportedModule) || !strings.Contains(err.Error(), "k6/x/sql") {
			t.Fatalf("err = %v, want ErrUnsupportedModule naming k6/x/sql", err)
		}
		if code := exitCode(err); code != exitScriptException {
			t.Fatalf("exit code %d, want %d (a script error)", code, exitScriptException)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s exists after a failed bundle", out)
		}
	})
	t.Run("exactly one script", func(t *testing.T) {
		for _, args := range [][]string{nil, {script, script}} {
			_, _, err := runBundleCmd(t, args...)
			if !errors.Is(err, errUsage) || exitCode(err) != exitInvalidConfig {
				t.Fatalf("args %q: err = %v (exit %d), want a usage error (exit %d)", args, err, exitCode(err), exitInvalidConfig)
			}
		}
	})
	t.Run("a missing script", func(t *testing.T) {
		_, _, err := runBundleCmd(t, filepath.Join(dir, "nope.js"))
		if !errors.Is(err, os.ErrNotExist) || exitCode(err) != exitGenericError {
			t.Fatalf("err = %v (exit %d), want a not-exist error (exit %d)", err, exitCode(err), exitGenericError)
		}
	})
	t.Run("through the root command", func(t *testing.T) {
		c := newCLI(t)
		if code := c.run("bundle", script); code != exitOK {
			t.Fatalf("exit %d; stderr: %s", code, c.stderr)
		}
		if !strings.Contains(c.stdout.String(), "Bundled by `stampede bundle` from main.js") {
			t.Fatalf("stdout is not the bundle:\n%s", c.stdout)
		}
		if code := c.run("bundle", filepath.Join(dir, "bad.js"), "-o", filepath.Join(c.dir, "x.js")); code != exitScriptException {
			t.Fatalf("exit %d for an unsupported module, want %d; stderr: %s", code, exitScriptException, c.stderr)
		}
		if !strings.Contains(c.stderr.String(), "k6/x/sql") {
			t.Fatalf("stderr does not name the module: %s", c.stderr)
		}
	})
}
