package http

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/grafana/sobek"

	_ "github.com/stampede-load/stampede/js/k6/html"
)

const formPage = `<!DOCTYPE html>
<html><head><title>Sign in</title></head><body>
<form id="other" action="/elsewhere" method="post"><input name="x" value="1"><input type="submit"></form>
<form id="login" action="submit?from=form" method="post">
  <input type="hidden" name="csrf" value="t0k&en">
  <input type="text" name="user" value="">
  <input type="password" name="pass">
  <input type="checkbox" name="remember" checked>
  <select name="tags" multiple><option selected>a</option><option>b</option><option selected>c</option></select>
  <input type="text" name="off" value="x" disabled>
  <input type="submit" name="go" value="Sign in">
  <button type="submit" name="alt" value="alternative">Alt</button>
</form>
<form id="search" action="/search?ignored=1"><input name="q" value="default"><input type="submit"></form>
<form id="self" method="post"><input name="here" value="yes"></form>
</body></html>`

const linksPage = `<!DOCTYPE html>
<html><body>
<p><span id="nohref">no link</span></p>
<a id="rel" href="echo?via=relative">relative</a>
<a id="abs" href="/pages/echo?via=absolute">absolute</a>
<a class="more" href="../up">up</a>
</body></html>`

// htmlServer serves the pages and echoes what forms and links send.
func htmlServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, body)
		}
	}
	mux.HandleFunc("/pages/form", page(formPage))
	mux.HandleFunc("/pages/links", page(linksPage))
	echo := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "body": string(body),
			"contentType": r.Header.Get("Content-Type"), "custom": r.Header.Get("X-Custom"),
		})
	}
	mux.HandleFunc("/pages/submit", echo)
	mux.HandleFunc("/pages/echo", echo)
	mux.HandleFunc("/search", echo)
	mux.HandleFunc("/up", echo)
	mux.HandleFunc("/elsewhere", echo)
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

// jsJSON runs src (an expression) and decodes JSON.stringify of it.
func jsJSON(t *testing.T, rt interface {
	RunScript(string) (sobek.Value, error)
}, src string) any {
	t.Helper()
	v, err := rt.RunScript("JSON.stringify(" + src + ")")
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	var out any
	if err := json.Unmarshal([]byte(v.String()), &out); err != nil {
		t.Fatalf("%s: %v (%s)", src, err, v)
	}
	return out
}

func wantJSON(t *testing.T, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		b, _ := json.Marshal(got)
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestResponseHTML(t *testing.T) {
	srv := htmlServer(t)
	rt, _ := newVU(t, srv.URL, nil)
	js(t, rt, `var html = require("k6/html"); var res = http.get(URL + "/pages/links");`)
	wantJSON(t, jsJSON(t, rt, `[
		res.html().find("a").size(),
		res.html("a").size(),
		res.html("a.more").text(),
		res.html("#rel").attr("href"),
		res.html("#rel").get(0).href(),
		res.html("a.more").get(0).href(),
		res.html("a.more").get(0).origin() === URL,
		res.html() instanceof html.Selection,
		res.html("a").get(0) instanceof html.Element,
		res.html("nothing").size(),
		typeof res.html,
	]`), fmt.Sprintf(`[3, 3, "up", "echo?via=relative", %q, %q, true, true, true, 0, "function"]`,
		srv.URL+"/pages/echo?via=relative", srv.URL+"/up"))

	// The body is parsed once per response, on first use.
	obj := js(t, rt, `res`).(*sobek.Object)
	jr := obj.Export().(*jsResponse)
	doc := jr.doc
	if doc == nil {
		t.Fatal("res.html() did not keep the parsed document")
	}
	js(t, rt, `res.html("a"); res.html()`)
	if jr.doc != doc {
		t.Error("res.html() parsed the body again")
	}
	fresh := js(t, rt, `var res2 = http.get(URL + "/pages/links"); res2`).(*sobek.Object).Export().(*jsResponse)
	if fresh.doc != nil {
		t.Error("a response parsed its body before html() was called")
	}

	// Methods live on the shared prototype, not on each response.
	wantJSON(t, jsJSON(t, rt, `[
		Object.getPrototypeOf(res) === Object.getPrototypeOf(res2),
		res.html === res2.html && res.submitForm === res2.submitForm && res.clickLink === res2.clickLink && res.json === res2.json,
		Object.keys(res).indexOf("html"),
		Object.prototype.hasOwnProperty.call(res, "html"),
	]`), `[true, true, -1, false]`)

	// A body the script replaced is what html() parses.
	wantJSON(t, jsJSON(t, rt, `(() => { res2.body = "<p id=replaced>new</p>"; return res2.html("#replaced").text(); })()`), `"new"`)

	for _, c := range []struct{ src, want string }{
		{`http.get(URL + "/pages/links", {responseType: "none"}).html()`, "the body is null so it cannot be parsed as HTML"},
		{`const h = res.html; h()`, "TypeError: Response.html() called on something that is not a Response"},
	} {
		mustContain(t, jsErr(t, rt, c.src), c.want)
	}
}

func TestResponseSubmitForm(t *testing.T) {
	srv := htmlServer(t)
	rt, _ := newVU(t, srv.URL, nil)
	js(t, rt, `var page = http.get(URL + "/pages/form");`)

	// The login form: its fields, the first submit button's name and value,
	// fields overriding, params forwarded; POSTed to the resolved action.
	wantJSON(t, jsJSON(t, rt, `(() => {
		const r = page.submitForm({
			formSelector: "#login",
			fields: { user: "alice", pass: "s3cr=t", extra: 42 },
			params: { headers: { "X-Custom": "yes" } },
		});
		return [r.status, r.url, r.json(), r.request.method];
	})()`), fmt.Sprintf(`[200, %q, {"method": "POST", "path": "/pages/submit", "query": "from=form",
		"body": "csrf=t0k%%26en&extra=42&go=Sign+in&pass=s3cr%%3Dt&remember=on&tags=a&tags=c&user=alice",
		"contentType": "application/x-www-form-urlencoded", "custom": "yes"}, "POST"]`, srv.URL+"/pages/submit?from=form"))

	// submitSelector picks another button; without fields the form's own
	// values are sent.
	wantJSON(t, jsJSON(t, rt, `page.submitForm({ formSelector: "#login", submitSelector: "button[name=alt]" }).json("body")`),
		`"alt=alternative&csrf=t0k%26en&pass=&remember=on&tags=a&tags=c&user="`)

	// Defaults: the first form, [type="submit"] (here without a name).
	wantJSON(t, jsJSON(t, rt, `[page.submitForm().json(), page.submitForm({}).json("path")]`),
		`[{"method": "POST", "path": "/elsewhere", "query": "", "body": "x=1", "contentType": "application/x-www-form-urlencoded", "custom": ""}, "/elsewhere"]`)

	// A GET form sends the fields in the query, replacing the action's.
	wantJSON(t, jsJSON(t, rt, `(() => { const r = page.submitForm({ formSelector: "#search", fields: { q: "go k6" } }); return [r.json("method"), r.json("query"), r.json("body"), r.url]; })()`),
		fmt.Sprintf(`["GET", "q=go+k6", "", %q]`, srv.URL+"/search?q=go+k6"))

	// No action: the response's own URL.
	wantJSON(t, jsJSON(t, rt, `(() => { const r = page.submitForm({ formSelector: "#self" }); return [r.url, r.status]; })()`),
		fmt.Sprintf(`[%q, 200]`, srv.URL+"/pages/form"))

	for _, c := range []struct{ src, want string }{
		{`page.submitForm({ formSelector: "#nope" })`, fmt.Sprintf("no form found for selector '#nope' in response '%s/pages/form'", srv.URL)},
		{`http.get(URL + "/pages/links").submitForm()`, fmt.Sprintf("no form found for selector 'form' in response '%s/pages/links'", srv.URL)},
		{`page.submitForm("form")`, "TypeError: submitForm: the argument must be an object"},
		{`page.submitForm({ formSelector: "#login", params: { responseType: "nope" } })`, `responseType "nope"`},
	} {
		mustContain(t, jsErr(t, rt, c.src), c.want)
	}
}

func TestResponseClickLink(t *testing.T) {
	srv := htmlServer(t)
	rt, _ := newVU(t, srv.URL, nil)
	js(t, rt, `var page = http.get(URL + "/pages/links");`)
	wantJSON(t, jsJSON(t, rt, `(() => {
		const first = page.clickLink();
		const abs = page.clickLink({ selector: "#abs", params: { headers: { "X-Custom": "clicked" } } });
		const up = page.clickLink({ selector: "a.more" });
		return [first.url, first.json("query"), abs.json("path"), abs.json("query"), abs.json("custom"), abs.json("method"), up.url];
	})()`), fmt.Sprintf(`[%q, "via=relative", "/pages/echo", "via=absolute", "clicked", "GET", %q]`,
		srv.URL+"/pages/echo?via=relative", srv.URL+"/up"))

	for _, c := range []struct{ src, want string }{
		{`page.clickLink({ selector: "#nope" })`, fmt.Sprintf("no element found for selector '#nope' in response '%s/pages/links'", srv.URL)},
		{`page.clickLink({ selector: "span" })`, fmt.Sprintf("no valid href attribute value found on element 'span' in response '%s/pages/links'", srv.URL)},
		{`page.clickLink("a")`, "TypeError: clickLink: the argument must be an object"},
	} {
		mustContain(t, jsErr(t, rt, c.src), c.want)
	}
}
