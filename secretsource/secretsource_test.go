package secretsource

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/config"
)

func TestParseForms(t *testing.T) {
	cases := []struct {
		value string
		want  Spec
	}{
		{"file=secrets.txt", Spec{Type: "file", Filename: "secrets.txt"}},
		{"file=filename=dir/s.txt", Spec{Type: "file", Filename: "dir/s.txt"}},
		{"file=name=prod,filename=p.txt", Spec{Type: "file", Name: "prod", Filename: "p.txt"}},
		{"file=p.txt,name=prod,default", Spec{Type: "file", Name: "prod", Filename: "p.txt", Default: true}},
		{"mock=mysecret=value", Spec{Type: "mock", Secrets: map[string]string{"mysecret": "value"}}},
		{"mock=default,cool=cool secret", Spec{Type: "mock", Default: true, Secrets: map[string]string{"cool": "cool secret"}}},
		{"mock=name=another,cool=not cool,k=a=b", Spec{Type: "mock", Name: "another", Secrets: map[string]string{"cool": "not cool", "k": "a=b"}}},
		{"mock=k=1,k=2", Spec{Type: "mock", Secrets: map[string]string{"k": "2"}}},
		{"mock=k=", Spec{Type: "mock", Secrets: map[string]string{"k": ""}}},
	}
	for _, c := range cases {
		got, err := Parse(c.value)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.value, err)
			continue
		}
		got.value = ""
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %+v, want %+v", c.value, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ value, want string }{
		{"", `option "--secret-source": expected TYPE=CONFIG, e.g. file=secrets.txt, file=name=prod,filename=secrets.txt or mock=key=value (types: file, mock)`},
		{"mock", `option "--secret-source": invalid value "mock": expected TYPE=CONFIG, e.g. file=secrets.txt, file=name=prod,filename=secrets.txt or mock=key=value (types: file, mock)`},
		{"hunter2", `option "--secret-source": expected TYPE=CONFIG, e.g. file=secrets.txt, file=name=prod,filename=secrets.txt or mock=key=value (types: file, mock)`},
		{"url=urlTemplate=https://x/{key},headers.Authorization=Bearer hunter2", `option "--secret-source": invalid value "url=urlTemplate=***,headers.Authorization=***": unknown secret source type "url": the built-in ones are file and mock`},
		{"file=", `option "--secret-source": invalid value "file=": the file secret source needs a file: file=PATH or file=filename=PATH`},
		{"file=name=prod", `option "--secret-source": invalid value "file=name=prod": the file secret source needs a file: file=PATH or file=filename=PATH`},
		{"file=a.txt,b.txt", `option "--secret-source": invalid value "file=a.txt,b.txt": the file secret source takes one file`},
		{"file=filename=", `option "--secret-source": invalid value "file=filename=": filename= needs a path`},
		{"file=a.txt,mode=x", `option "--secret-source": invalid value "file=a.txt,mode=x": unknown option "mode" of the file secret source: allowed are filename=PATH (or just PATH), name=NAME and default`},
		{"file=a.txt,name=", `option "--secret-source": invalid value "file=a.txt,name=": name= needs a value`},
		{"mock=name=a,name=b,k=hunter2", `option "--secret-source": invalid value "mock=name=a,name=b,k=***": name= is given twice`},
		{"mock=k=hunter2,with,xyzzy", `option "--secret-source": invalid value "mock=k=***,***,***": item 2 is not KEY=VALUE (values cannot contain commas)`},
		{"mock==hunter2", `option "--secret-source": invalid value "mock==***": item 1 has an empty key`},
	}
	for _, c := range cases {
		_, err := Parse(c.value)
		if err == nil {
			t.Errorf("Parse(%q): no error", c.value)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", c.value, err, c.want)
		}
		if !errors.Is(err, config.ErrInvalidConfig) {
			t.Errorf("Parse(%q): %v does not wrap ErrInvalidConfig", c.value, err)
		}
		for _, secret := range []string{"hunter2", "Bearer", "xyzzy"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Parse(%q): the error shows %q: %s", c.value, secret, err)
			}
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBuildAndGet(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "prod.txt", "token=prod-token\r\n\nurl=https://x/?a=b\n")
	m, err := Build([]string{
		"mock=default,cool=cool secret",
		"mock=name=another,cool=not cool secret",
		"file=name=prod,filename=prod.txt",
	}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func(source, key, want string) {
		t.Helper()
		v, err := m.Get(source, key)
		if err != nil || v != want {
			t.Errorf("Get(%q, %q) = %q, %v; want %q", source, key, v, err, want)
		}
	}
	get("", "cool", "cool secret")
	get("default", "cool", "cool secret")
	get("another", "cool", "not cool secret")
	get("prod", "token", "prod-token")
	get("prod", "url", "https://x/?a=b")

	errCases := []struct{ source, key, want string }{
		{"", "nope", `secret "nope" not found in the default secret source (mock)`},
		{"another", "nope", `secret "nope" not found in secret source "another" (mock)`},
		{"prod", "cool", `secret "cool" not found in secret source "prod" (file)`},
		{"staging", "cool", `there is no secret source named "staging": the named ones are "another", "prod"`},
	}
	for _, c := range errCases {
		_, err := m.Get(c.source, c.key)
		if err == nil || err.Error() != c.want {
			t.Errorf("Get(%q, %q) error = %v, want %s", c.source, c.key, err, c.want)
		}
	}
}

func TestDefaultSource(t *testing.T) {
	one, err := Build([]string{"file=s.txt"}, writeDir(t, "s.txt", "k=v\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := one.Get("", "k"); err != nil || v != "v" {
		t.Errorf("the only source is the default: %q, %v", v, err)
	}
	named, err := Build([]string{"mock=name=only,k=v"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := named.Get("", "k"); err != nil || v != "v" {
		t.Errorf("the only source, named, is the default: %q, %v", v, err)
	}
	if _, err := named.Get("", "x"); err == nil || err.Error() != `secret "x" not found in the default secret source "only" (mock)` {
		t.Errorf("error = %v", err)
	}
	two, err := Build([]string{"mock=name=a,k=1", "mock=name=b,k=2"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = two.Get("", "k")
	if want := "there is no default secret source among the 2 given: mark one with default (e.g. --secret-source=mock=default,key=value) or use secrets.source(name)"; err == nil || err.Error() != want {
		t.Errorf("two sources, none default: %v", err)
	}
	none, err := Build(nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = none.Get("", "k")
	if want := "no secret source is configured: give one with --secret-source (e.g. --secret-source=file=secrets.txt)"; err == nil || err.Error() != want {
		t.Errorf("no source: %v", err)
	}
	var nilManager *Manager
	if _, err := nilManager.Get("", "k"); err == nil {
		t.Error("a nil Manager gave a secret")
	}
}

func writeDir(t *testing.T, name, content string) string {
	dir := t.TempDir()
	writeFile(t, dir, name, content)
	return dir
}

func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.txt", "ok=hunter2\nhunter2-without-equals\n")
	writeFile(t, dir, "empty-key.txt", "=hunter2\n")
	writeFile(t, dir, "good.txt", "k=hunter2\n")
	cases := []struct {
		values []string
		want   string
	}{
		{[]string{"file=missing.txt"}, `option "--secret-source": invalid value "file=missing.txt": cannot read the secrets file "missing.txt": no such file or directory`},
		{[]string{"file=bad.txt"}, `option "--secret-source": invalid value "file=bad.txt": line 2 of the secrets file "bad.txt" is not KEY=VALUE`},
		{[]string{"file=empty-key.txt"}, `option "--secret-source": invalid value "file=empty-key.txt": line 1 of the secrets file "empty-key.txt" has an empty key`},
		{[]string{"mock=name=a,k=hunter2", "file=name=a,filename=good.txt"}, `option "--secret-source": invalid value "file=name=a,filename=good.txt": two secret sources are named "a"`},
		{[]string{"mock=name=a,k=hunter2", "mock=name=a,k=hunter2"}, `option "--secret-source": invalid value "mock=name=a,k=***": two secret sources are named "a"`},
		{[]string{"mock=default,k=hunter2", "file=good.txt,default"}, `option "--secret-source": invalid value "file=good.txt,default": more than one secret source is marked default`},
		{[]string{"mock=k=hunter2", "vault=token=hunter2"}, `option "--secret-source": invalid value "vault=token=***": unknown secret source type "vault": the built-in ones are file and mock`},
	}
	for _, c := range cases {
		_, err := Build(c.values, dir, nil)
		if err == nil {
			t.Errorf("Build(%q): no error", c.values)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("Build(%q):\n got %s\nwant %s", c.values, err, c.want)
		}
		if !errors.Is(err, config.ErrInvalidConfig) {
			t.Errorf("Build(%q): does not wrap ErrInvalidConfig", c.values)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Build(%q): the error shows the secret: %s", c.values, err)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor()
	if r.Active() || r.Redact("abc") != "abc" {
		t.Fatal("an empty Redactor changed text")
	}
	r.Add("")
	if r.Active() {
		t.Fatal("the empty string made the Redactor active")
	}
	r.Add("sec")
	r.Add("secret")
	r.Add("sec") // again
	got := r.Redact("a secret, a sec and secrets")
	want := "a " + Redacted + ", a " + Redacted + " and " + Redacted + "s"
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	var nilR *Redactor
	if nilR.Redact("x") != "x" || nilR.Active() {
		t.Error("a nil Redactor changed text")
	}
}

func TestGetMakesValuesKnown(t *testing.T) {
	m, err := Build([]string{"mock=a=alpha,b=beta"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Redactor().Active() {
		t.Fatal("values are redacted before any was retrieved")
	}
	if _, err := m.Get("", "a"); err != nil {
		t.Fatal(err)
	}
	if got := m.Redactor().Redact("alpha beta"); got != Redacted+" beta" {
		t.Errorf("only the retrieved value is redacted: got %q", got)
	}
}

func TestHook(t *testing.T) {
	r := NewRedactor()
	var buf bytes.Buffer
	l := logrus.New()
	l.SetOutput(&buf)
	l.SetFormatter(&logrus.JSONFormatter{DisableTimestamp: true})
	l.AddHook(r.Hook())

	l.WithField("f", "the hunter2").Info("plain hunter2")
	if !strings.Contains(buf.String(), "hunter2") {
		t.Fatalf("redacted before the value was known: %s", buf.String())
	}
	buf.Reset()
	r.Add("hunter2")
	shared := logrus.Fields{"f": "x hunter2", "n": 3, "err2": fmt.Errorf("wrapped: hunter2")}
	entry := l.WithFields(shared)
	entry.WithError(errors.New("bad hunter2")).Error(`quoted "hunter2"`)
	entry.Warnf("again %s", "hunter2")
	out := buf.String()
	if strings.Contains(out, "hunter2") {
		t.Errorf("the secret is in the log: %s", out)
	}
	if n := strings.Count(out, Redacted); n != 7 {
		t.Errorf("%d redactions, want 7: %s", n, out)
	}
	if shared["f"] != "x hunter2" {
		t.Error("the hook changed the caller's fields map")
	}
	if !strings.Contains(out, `"n":3`) {
		t.Errorf("other fields were changed: %s", out)
	}
}

func TestConcurrentGetAndLog(t *testing.T) {
	m, err := Build([]string{"mock=a=alpha,b=beta,c=gamma"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	l := logrus.New()
	var mu sync.Mutex
	var buf bytes.Buffer
	l.SetOutput(&lockedWriter{mu: &mu, w: &buf})
	l.AddHook(m.Redactor().Hook())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := string(rune('a' + i%3))
			for range 50 {
				v, err := m.Get("", key)
				if err != nil {
					t.Error(err)
					return
				}
				l.Info("value " + v)
			}
		}()
	}
	wg.Wait()
	for _, v := range []string{"alpha", "beta", "gamma"} {
		if strings.Contains(buf.String(), v) {
			t.Errorf("%s is in the log", v)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
