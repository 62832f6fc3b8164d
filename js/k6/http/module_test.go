package http

import (
	"encoding/json"
	"math"
	"net"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modulestest"
)

func TestInitContextRequestThrows(t *testing.T) {
	rt := modulestest.New(t)
	for _, src := range []string{
		`require("k6/http").get("http://127.0.0.1:1/")`,
		`require("k6/http").batch(["http://127.0.0.1:1/"])`,
		`require("k6/http").cookieJar()`,
	} {
		_, err := rt.RunScript(src)
		if err == nil {
			t.Fatalf("%s: no exception", src)
		}
		mustContain(t, err.Error(), "making HTTP requests in the init context is not supported")
	}
	// Declaring things in init is fine.
	js(t, rt, `var h = require("k6/http"); h.setResponseCallback(h.expectedStatuses(200, {min: 300, max: 399})); h.url`+"`http://x/${1}`"+`; h.file("x")`)
}

func TestResponseFields(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	v := js(t, rt, `
		var res = http.get(URL + "/get?a=1", {headers: {"x-custom": "v"}});
		var t = res.timings;
		JSON.stringify({
			status: res.status, status_text: res.status_text, proto: res.proto, url: res.url,
			remote_ip: res.remote_ip, remote_port: res.remote_port, error: res.error, error_code: res.error_code,
			ct: res.headers["Content-Type"], tls: res.tls_version,
			args: res.json("args.a.0"), sentHeader: res.json().headers["X-Custom"][0],
			ua: res.json("headers.User-Agent.0"),
			sum: Math.abs(t.duration - (t.sending + t.waiting + t.receiving)) < 1e-9,
			positive: t.duration > 0 && t.blocked >= 0 && t.connecting > 0 && t.tls_handshaking === 0,
			reqMethod: res.request.method, reqURL: res.request.url, reqHeader: res.request.headers["X-Custom"][0],
			same: res.json() === res.json() && res.headers === res.headers,
			keys: Object.keys(res).indexOf("timings") >= 0,
		})`)
	var got map[string]any
	if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"status": 200.0, "status_text": "200 OK", "proto": "HTTP/1.1", "url": srv.URL + "/get?a=1",
		"remote_ip": "127.0.0.1", "remote_port": float64(srv.Listener.Addr().(*net.TCPAddr).Port),
		"error": "", "error_code": 0.0, "ct": "application/json", "tls": "",
		"args": "1", "sentHeader": "v", "ua": DefaultUserAgent, "sum": true, "positive": true,
		"reqMethod": "GET", "reqURL": srv.URL + "/get?a=1", "reqHeader": "v", "same": true, "keys": true,
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if !reflect.DeepEqual(got[k], want[k]) {
				t.Errorf("%s: got %#v, want %#v", k, got[k], want[k])
			}
		}
	}
}

func TestVerbsAndBodies(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	cases := []struct {
		name, src string
		want      map[string]any
	}{
		{"post string", `http.post(URL + "/post", "hello", {headers: {"Content-Type": "text/plain"}})`,
			map[string]any{"method": "POST", "body": "hello", "contentType": "text/plain"}},
		{"put form", `http.put(URL + "/post", {a: "1", b: "x y"})`,
			map[string]any{"method": "PUT", "body": "a=1&b=x+y", "contentType": "application/x-www-form-urlencoded"}},
		{"patch arraybuffer", `http.patch(URL + "/post", new Uint8Array([104, 105]).buffer)`,
			map[string]any{"method": "PATCH", "body": "hi"}},
		{"del", `http.del(URL + "/post", "gone")`, map[string]any{"method": "DELETE", "body": "gone"}},
		{"options", `http.options(URL + "/post")`, map[string]any{"method": "OPTIONS", "body": ""}},
		{"request", `http.request("POST", URL + "/post", "r")`, map[string]any{"method": "POST", "body": "r"}},
		{"gzip compression", `http.post(URL + "/post", "squeeze me", {compression: "gzip"})`,
			map[string]any{"body": "squeeze me", "contentEncoding": "gzip"}},
		{"br compression", `http.post(URL + "/post", "squeeze me", {compression: "br"})`,
			map[string]any{"body": "squeeze me", "contentEncoding": "br"}},
		{"zstd compression", `http.post(URL + "/post", "squeeze me", {compression: "zstd"})`,
			map[string]any{"body": "squeeze me", "contentEncoding": "zstd"}},
		{"deflate+gzip compression", `http.post(URL + "/post", "squeeze me", {compression: "deflate, gzip"})`,
			map[string]any{"body": "squeeze me", "contentEncoding": "deflate, gzip"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := js(t, rt, `JSON.stringify((`+tc.src+`).json())`)
			var got map[string]any
			if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
				t.Fatal(err)
			}
			for k, w := range tc.want {
				if got[k] != w {
					t.Errorf("%s = %#v, want %#v (all: %v)", k, got[k], w, got)
				}
			}
		})
	}
	t.Run("head", func(t *testing.T) {
		v := js(t, rt, `var r = http.head(URL + "/get"); r.status + ":" + JSON.stringify(r.body)`)
		if v.String() != `200:""` {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("unknown compression throws", func(t *testing.T) {
		mustContain(t, jsErr(t, rt, `http.post(URL + "/post", "x", {compression: "lz4"})`), `unknown compression algorithm "lz4"`)
	})
}

func TestMultipart(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	v := js(t, rt, `
		var f = http.file("file contents", "a.txt", "text/plain");
		var bin = http.file(new Uint8Array([65, 66]).buffer, "b.bin");
		var res = http.post(URL + "/post", {field: "value", upload: f, raw: bin});
		if (!(f instanceof http.FileData)) throw new Error("not a FileData");
		JSON.stringify({j: res.json(), fname: f.filename, ctype: f.content_type, data: f.data})`)
	var got struct {
		J struct {
			ContentType string
			Files       map[string]struct{ Filename, ContentType, Data string }
			Form        map[string][]string
		}
		Fname, Ctype, Data string
	}
	if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
		t.Fatal(err)
	}
	mustContain(t, got.J.ContentType, "multipart/form-data; boundary=")
	if f := got.J.Files["upload"]; f.Filename != "a.txt" || f.ContentType != "text/plain" || f.Data != "file contents" {
		t.Errorf("upload part: %+v", f)
	}
	if f := got.J.Files["raw"]; f.Filename != "b.bin" || f.ContentType != "application/octet-stream" || f.Data != "AB" {
		t.Errorf("raw part: %+v", f)
	}
	if got.J.Form["field"][0] != "value" {
		t.Errorf("form: %v", got.J.Form)
	}
	if got.Fname != "a.txt" || got.Ctype != "text/plain" || got.Data != "file contents" {
		t.Errorf("file object: %+v", got)
	}
}

func TestResponseDecompression(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	for _, algo := range []string{"gzip", "deflate", "br", "zstd"} {
		t.Run(algo, func(t *testing.T) {
			v := js(t, rt, `var r = http.get(URL + "/compressed/`+algo+`"); r.json("algo") + ":" + r.json("ok") + ":" + r.headers["Content-Encoding"]`)
			if v.String() != algo+":true:"+algo {
				t.Fatalf("got %s", v)
			}
		})
	}
	t.Run("broken gzip", func(t *testing.T) {
		v := js(t, rt, `var r = http.get(URL + "/broken-gzip"); r.status + ":" + r.error_code + ":" + (r.error.indexOf("decompress") >= 0)`)
		if v.String() != "200:1701:true" {
			t.Fatalf("got %s", v)
		}
	})
}

func TestResponseTypes(t *testing.T) {
	srv := newTestServer(t, false)
	t.Run("params", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `
			var b = http.get(URL + "/bytes/4", {responseType: "binary"});
			var n = http.get(URL + "/bytes/4", {responseType: "none"});
			var s = http.get(URL + "/get", {responseType: "text"});
			[b.body instanceof ArrayBuffer, new Uint8Array(b.body)[3], n.body === null, typeof s.body].join(",")`)
		if v.String() != "true,3,true,string" {
			t.Fatalf("got %s", v)
		}
		mustContain(t, jsErr(t, rt, `http.get(URL, {responseType: "blob"})`), `responseType "blob"`)
	})
	t.Run("discardResponseBodies", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, &config.Options{DiscardResponseBodies: ptr(true)})
		v := js(t, rt, `[http.get(URL + "/get").body === null, typeof http.get(URL + "/get", {responseType: "text"}).body].join(",")`)
		if v.String() != "true,string" {
			t.Fatalf("got %s", v)
		}
		mustContain(t, jsErr(t, rt, `http.get(URL + "/get").json()`), "the body is null")
	})
}

func TestJSONSelectors(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	v := js(t, rt, `
		var r = http.post(URL + "/post", JSON.stringify({a: {b: [1, 2, {c: "d"}]}, t: true, n: null}));
		var body = JSON.parse(r.json("body"));
		var r2 = http.request("POST", URL + "/anything/x", JSON.stringify({a: {b: [1, 2, {c: "d"}]}, t: true, n: null}));
		var inner = JSON.parse(r2.json("body"));
		[inner.a.b.length, r2.json("path"), r2.json("nope") === undefined, typeof r2.json("headers"), r2.json("headers") === r2.json("headers")].join(",")`)
	if v.String() != "3,/anything/x,true,object,true" {
		t.Fatalf("got %s", v)
	}
	mustContain(t, jsErr(t, rt, `http.get(URL + "/bytes/3").json()`), "SyntaxError")
	mustContain(t, jsErr(t, rt, `new http.FileData()`), "use http.file(")
}

func TestHeadersAndUserAgent(t *testing.T) {
	srv := newTestServer(t, false)
	t.Run("option", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, &config.Options{UserAgent: ptr("custom/1.0")})
		v := js(t, rt, `var r = http.get(URL + "/get", {headers: {host: "virtual.example"}}); r.json("headers.User-Agent.0") + "|" + r.json("host")`)
		if v.String() != "custom/1.0|virtual.example" {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("empty option sends none", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, &config.Options{UserAgent: ptr("")})
		v := js(t, rt, `String(http.get(URL + "/get").json("headers.User-Agent"))`)
		if v.String() != "undefined" {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("param wins", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `http.get(URL + "/get", {headers: {"User-Agent": "mine"}}).json("headers.User-Agent.0")`)
		if v.String() != "mine" {
			t.Fatalf("got %s", v)
		}
	})
}

func TestRedirects(t *testing.T) {
	srv := newTestServer(t, false)
	cases := []struct {
		name     string
		opts     *config.Options
		src      string
		status   int
		hops     int
		finalURL string
	}{
		{"follows", nil, `http.get(URL + "/redirect/3")`, 200, 4, "/get"},
		{"param limit", nil, `http.get(URL + "/redirect/3", {redirects: 1})`, 302, 2, "/redirect/2"},
		{"param zero", nil, `http.get(URL + "/redirect/3", {redirects: 0})`, 302, 1, "/redirect/3"},
		{"maxRedirects option", &config.Options{MaxRedirects: ptr(int64(2))}, `http.get(URL + "/redirect/5")`, 302, 3, "/redirect/3"},
		{"303 post becomes get", nil, `http.post(URL + "/redirect-to?status=303&url=/get", "body")`, 200, 2, "/get"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt, _ := newVU(t, srv.URL, tc.opts)
			v := js(t, rt, `var r = `+tc.src+`; r.status + " " + r.url`)
			want := formatInt(tc.status) + " " + srv.URL + tc.finalURL
			if v.String() != want {
				t.Fatalf("got %q, want %q", v, want)
			}
			reqs := rt.SamplesOf("http_reqs")
			if len(reqs) != tc.hops {
				t.Fatalf("%d http_reqs samples, want %d (one per hop)", len(reqs), tc.hops)
			}
			for _, s := range reqs[:len(reqs)-1] {
				if tg := tagsOf(s); tg["status"] != "302" && tg["status"] != "303" || tg["expected_response"] != "true" {
					t.Errorf("hop tags: %v", tg)
				}
			}
		})
	}
	t.Run("307 keeps method and body", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `var r = http.post(URL + "/redirect-to?status=307&url=/post", "keep"); r.json("method") + ":" + r.json("body")`)
		if v.String() != "POST:keep" {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("warns when stopping", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, &config.Options{MaxRedirects: ptr(int64(1))})
		js(t, rt, `http.get(URL + "/redirect/3")`)
		found := false
		for _, e := range rt.Logs() {
			if strings.Contains(e.Message, "Stopped after 1 redirects") {
				found = true
			}
		}
		if !found {
			t.Fatal("no warning logged")
		}
	})
}

func formatInt(n int) string { return itoa(n) }

func TestCookies(t *testing.T) {
	srv := newTestServer(t, false)
	t.Run("jar across redirects and requests", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `
			var r = http.get(URL + "/cookies/set?k1=v1&k2=v2");
			var r2 = http.get(URL + "/cookies");
			JSON.stringify([r.json("cookies"), r2.json("cookies"), r2.request.cookies.k1[0].value])`)
		if v.String() != `[{"k1":["v1"],"k2":["v2"]},{"k1":["v1"],"k2":["v2"]},"v1"]` {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("params cookies and replace", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `
			http.get(URL + "/cookies/set?a=jar&b=jar");
			var r = http.get(URL + "/cookies", {cookies: {a: {value: "param", replace: true}, b: "extra", c: "new"}});
			JSON.stringify(r.json("cookies"))`)
		if v.String() != `{"a":["param"],"b":["jar","extra"],"c":["new"]}` {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("sent cookies and cross-host redirects", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		v := js(t, rt, `
			http.get(URL + "/cookies/set?j=1");
			var r = http.get(URL + "/cookies", {cookies: {p: "2"}});
			var x = http.get(URL + "/redirect-to?url=" + encodeURIComponent("`+other+`/cookies"), {cookies: {p: "2"}});
			JSON.stringify([r.request.headers.Cookie, x.json("cookies"), x.url])`)
		want := `[["j=1; p=2"],{},"` + other + `/cookies"]`
		if v.String() != want {
			t.Fatalf("got  %s\nwant %s", v, want)
		}
	})
	t.Run("response cookies", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `var c = http.get(URL + "/set-cookie").cookies; JSON.stringify([c.session[0].value, c.session[0].httpOnly, c.session[0].maxAge, c.session[0].path, c.other[0].path])`)
		if v.String() != `["abc",true,60,"/","/sub"]` {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("cookieJar API", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `
			var jar = http.cookieJar();
			jar.set(URL, "manual", "m1");
			jar.set(URL, "scoped", "s1", {path: "/cookies"});
			var before = http.get(URL + "/cookies").json("cookies");
			var forURL = jar.cookiesForURL(URL + "/cookies");
			jar.delete(URL + "/cookies", "scoped");
			var afterDelete = http.get(URL + "/cookies").json("cookies");
			http.get(URL + "/cookies/set?z=1");
			jar.clear(URL + "/cookies");
			var afterClear = http.get(URL + "/cookies").json("cookies");
			JSON.stringify([before, forURL.manual, forURL.scoped, Object.keys(forURL).length, afterDelete, afterClear])`)
		want := `[{"manual":["m1"],"scoped":["s1"]},["m1"],["s1"],2,{"manual":["m1"]},{}]`
		if v.String() != want {
			t.Fatalf("got  %s\nwant %s", v, want)
		}
	})
	t.Run("own jar param", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `
			var jar = new http.CookieJar();
			if (!(jar instanceof http.CookieJar) || !(http.cookieJar() instanceof http.CookieJar)) throw new Error("instanceof");
			http.get(URL + "/cookies/set?only=mine", {jar: jar});
			JSON.stringify([http.get(URL + "/cookies").json("cookies"), http.get(URL + "/cookies", {jar: jar}).json("cookies")])`)
		if v.String() != `[{},{"only":["mine"]}]` {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("reset per iteration", func(t *testing.T) {
		for _, keep := range []bool{false, true} {
			rt, st := newVU(t, srv.URL, &config.Options{NoCookiesReset: ptr(keep)})
			js(t, rt, `http.get(URL + "/cookies/set?it=0")`)
			st.Iteration++
			v := js(t, rt, `JSON.stringify(http.get(URL + "/cookies").json("cookies"))`)
			want := `{}`
			if keep {
				want = `{"it":["0"]}`
			}
			if v.String() != want {
				t.Fatalf("noCookiesReset=%v: got %s, want %s", keep, v, want)
			}
		}
	})
	t.Run("clean jar kept across iterations", func(t *testing.T) {
		rt, st := newVU(t, srv.URL, nil)
		js(t, rt, `http.get(URL + "/get")`)
		first := st.CookieJar
		st.Iteration++
		js(t, rt, `http.get(URL + "/get")`)
		if st.CookieJar != first {
			t.Fatal("a jar without cookies was replaced")
		}
		// A jar handed to the script is replaced: the script may keep it.
		js(t, rt, `globalThis.oldJar = http.cookieJar()`)
		st.Iteration++
		js(t, rt, `http.get(URL + "/get")`)
		if st.CookieJar == first {
			t.Fatal("a jar handed to the script was kept")
		}
		v := js(t, rt, `
			oldJar.set(URL, "stale", "1");
			JSON.stringify(http.get(URL + "/cookies").json("cookies"))`)
		if v.String() != `{}` {
			t.Fatalf("the previous iteration's jar leaked into this one: %s", v)
		}
		// A jar that received cookies is replaced.
		second := st.CookieJar
		js(t, rt, `http.get(URL + "/cookies/set?a=1")`)
		st.Iteration++
		v = js(t, rt, `JSON.stringify(http.get(URL + "/cookies").json("cookies"))`)
		if st.CookieJar == second || v.String() != `{}` {
			t.Fatalf("jar replaced: %v, cookies %s", st.CookieJar != second, v)
		}
	})
}

func TestAuth(t *testing.T) {
	srv := newTestServer(t, false)
	u := strings.Replace(srv.URL, "http://", "http://bob:s3cret@", 1)
	rt, _ := newVU(t, u, nil)
	cases := []struct{ name, src, want string }{
		{"basic from url", `var r = http.get(URL + "/basic-auth/bob/s3cret"); r.status + ":" + r.json("user")`, "200:bob"},
		{"basic explicit", `http.get(URL + "/basic-auth/bob/s3cret", {auth: "basic"}).status`, "200"},
		{"basic wrong", `http.get(URL + "/basic-auth/bob/other").status`, "401"},
		{"digest", `var r = http.get(URL + "/digest-auth/bob/s3cret", {auth: "digest"}); r.status + ":" + r.json("user")`, "200:bob"},
		{"digest wrong", `http.get(URL + "/digest-auth/bob/nope", {auth: "digest"}).status`, "401"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt.ResetSamples()
			if v := js(t, rt, tc.src); v.String() != tc.want {
				t.Fatalf("got %s, want %s", v, tc.want)
			}
			for _, s := range rt.Samples() {
				if strings.Contains(s.Tags.String(), "bob:s3cret") {
					t.Fatalf("password in tags: %s", s.Tags)
				}
			}
		})
	}
	t.Run("digest challenge counts as expected", func(t *testing.T) {
		rt.ResetSamples()
		js(t, rt, `http.get(URL + "/digest-auth/bob/s3cret", {auth: "digest"})`)
		failed := rt.SamplesOf("http_req_failed")
		if len(failed) != 2 || failed[0].Value != 0 || failed[1].Value != 0 {
			t.Fatalf("http_req_failed: %+v", failed)
		}
		if tg := tagsOf(failed[0]); tg["status"] != "401" || tg["url"] != strings.Replace(srv.URL, "http://", "http://****:****@", 1)+"/digest-auth/bob/s3cret" {
			t.Fatalf("challenge tags: %v", tg)
		}
	})
	mustContain(t, jsErr(t, rt, `http.get(URL, {auth: "ntlm"})`), `auth "ntlm" is not supported`)
}

func TestErrorCodes(t *testing.T) {
	srv := newTestServer(t, false)
	tlsSrv := newTestServer(t, true)
	closed := newTestServer(t, false)
	closed.Close()
	cases := []struct {
		name, url, params string
		code              int
		msg               string
	}{
		{"refused", closed.URL + "/get", `{}`, CodeTCPDialRefused, "connection refused"},
		{"timeout", srv.URL + "/delay/2000", `{timeout: "100ms"}`, CodeRequestTimeout, "request timeout"},
		{"timeout in ms while reading body", srv.URL + "/slow-body/2000", `{timeout: 150}`, CodeRequestTimeout, "request timeout"},
		{"tls unknown authority", tlsSrv.URL + "/get", `{}`, CodeTLSUnknownAuthority, "certificate"},
		{"404", srv.URL + "/status/404", `{}`, 1404, ""},
		{"503", srv.URL + "/status/503", `{}`, 1503, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt, _ := newVU(t, srv.URL, nil)
			v := js(t, rt, `var r = http.get("`+tc.url+`", `+tc.params+`); JSON.stringify([r.error_code, r.error, r.status, r.body])`)
			var got []any
			if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
				t.Fatal(err)
			}
			if int(got[0].(float64)) != tc.code {
				t.Fatalf("error_code %v, want %d (%v)", got[0], tc.code, got)
			}
			mustContain(t, got[1].(string), tc.msg)
			if tc.msg != "" && (got[2].(float64) != 0 && tc.code != CodeRequestTimeout) {
				t.Fatalf("status %v for a failed request", got[2])
			}
			s := rt.SamplesOf("http_reqs")
			if len(s) != 1 {
				t.Fatalf("%d http_reqs samples", len(s))
			}
			tg := tagsOf(s[0])
			if tg["error_code"] != itoa(tc.code) || tg["expected_response"] != "false" {
				t.Fatalf("tags %v", tg)
			}
			if tc.msg != "" && tg["error"] == "" {
				t.Fatalf("no error tag: %v", tg)
			}
			if f := rt.SamplesOf("http_req_failed"); len(f) != 1 || f[0].Value != 1 {
				t.Fatalf("http_req_failed %+v", f)
			}
		})
	}
	t.Run("throw option", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, &config.Options{Throw: ptr(true)})
		mustContain(t, jsErr(t, rt, `http.get("`+closed.URL+`/get")`), "connection refused")
		// A 4xx is not an exception.
		js(t, rt, `http.get(URL + "/status/404")`)
	})
	t.Run("invalid url throws", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		mustContain(t, jsErr(t, rt, `http.get("ftp://example.com/")`), "the scheme must be http or https")
		mustContain(t, jsErr(t, rt, `http.get("/relative")`), "the scheme must be http or https")
		mustContain(t, jsErr(t, rt, `http.request("BAD METHOD", URL)`), "not a valid HTTP method")
	})
}

func TestTLSAndHTTP2(t *testing.T) {
	srv := newTestServer(t, true)
	rt, _ := newVU(t, srv.URL, &config.Options{InsecureSkipTLSVerify: ptr(true)})
	v := js(t, rt, `
		var a = http.get(URL + "/get"), b = http.get(URL + "/get");
		JSON.stringify([a.proto, a.tls_version, a.timings.tls_handshaking > 0, a.timings.connecting > 0,
			b.timings.tls_handshaking, b.timings.connecting, a.tls_cipher_suite.indexOf("TLS_") === 0])`)
	if v.String() != `["HTTP/2.0","tls1.3",true,true,0,0,true]` {
		t.Fatalf("got %s", v)
	}
	s := rt.SamplesOf("http_reqs")
	if tg := tagsOf(s[0]); tg["proto"] != "HTTP/2.0" || tg["tls_version"] != "tls1.3" {
		t.Fatalf("tags %v", tg)
	}
	t.Run("tlsVersion max 1.2", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, &config.Options{InsecureSkipTLSVerify: ptr(true), TLSVersion: &config.TLSVersions{Max: TLS12}})
		if v := js(t, rt, `http.get(URL + "/get").tls_version`); v.String() != "tls1.2" {
			t.Fatalf("got %s", v)
		}
	})
	t.Run("tlsVersion ssl3 rejected", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, &config.Options{TLSVersion: &config.TLSVersions{Min: SSL30, Max: SSL30}})
		mustContain(t, jsErr(t, rt, `http.get(URL + "/get")`), "tlsVersion.min")
	})
	t.Run("constants", func(t *testing.T) {
		if v := js(t, rt, `[http.TLS_1_0, http.TLS_1_1, http.TLS_1_2, http.TLS_1_3, http.SSL_3_0, http.OCSP_STATUS_GOOD].join()`); v.String() != "tls1.0,tls1.1,tls1.2,tls1.3,ssl3.0,good" {
			t.Fatalf("got %s", v)
		}
	})
}

func TestConnectionReuse(t *testing.T) {
	srv := newTestServer(t, false)
	cases := []struct {
		name       string
		opts       *config.Options
		newIter    bool
		reconnects bool
	}{
		{"keep-alive", nil, false, false},
		{"keep-alive across iterations", nil, true, false},
		{"noConnectionReuse", &config.Options{NoConnectionReuse: ptr(true)}, false, true},
		{"noVUConnectionReuse same iteration", &config.Options{NoVUConnectionReuse: ptr(true)}, false, false},
		{"noVUConnectionReuse next iteration", &config.Options{NoVUConnectionReuse: ptr(true)}, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt, st := newVU(t, srv.URL, tc.opts)
			js(t, rt, `http.get(URL + "/get")`)
			if tc.newIter {
				st.Iteration++
			}
			v := js(t, rt, `http.get(URL + "/get").timings.connecting > 0`)
			if v.ToBoolean() != tc.reconnects {
				t.Fatalf("connected again: %v, want %v", v, tc.reconnects)
			}
		})
	}
}

func TestHostsOption(t *testing.T) {
	srv := newTestServer(t, false)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	rt, _ := newVU(t, srv.URL, &config.Options{Hosts: map[string]string{
		"api.stampede.test": "127.0.0.1",
		"*.wild.test":       "127.0.0.1:" + port,
	}})
	v := js(t, rt, `[http.get("http://api.stampede.test:`+port+`/get").json("host"), http.get("http://x.wild.test:1/get").status].join()`)
	if v.String() != "api.stampede.test:"+port+",200" {
		t.Fatalf("got %s", v)
	}
}

func TestTimeoutParam(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	for _, p := range []string{`"abc"`, `-5`, `0`, `{}`} {
		mustContain(t, jsErr(t, rt, `http.get(URL + "/get", {timeout: `+p+`})`), "timeout")
	}
	js(t, rt, `if (http.get(URL + "/delay/50", {timeout: "2s"}).status !== 200) throw new Error("string timeout");`)
	js(t, rt, `if (http.get(URL + "/delay/50", {timeout: 2000}).status !== 200) throw new Error("ms timeout");`)
}

func TestAsyncRequest(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	v := js(t, rt, `
		Promise.all([
			http.asyncRequest("GET", URL + "/delay/50"),
			http.asyncRequest("POST", URL + "/post", "async body"),
		]).then(function (rs) { return rs[0].body + "|" + rs[1].json("body"); })`)
	if v.String() != "done|async body" {
		t.Fatalf("got %s", v)
	}
	if n := len(rt.SamplesOf("http_reqs")); n != 2 {
		t.Fatalf("%d http_reqs", n)
	}
	_, err := rt.RunScript(`http.asyncRequest("GET", "ftp://nope")`)
	if err == nil {
		t.Fatal("invalid request did not reject")
	}
	mustContain(t, err.Error(), "the scheme must be http or https")
}

func TestBatch(t *testing.T) {
	srv := newTestServer(t, false)
	t.Run("forms", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		v := js(t, rt, `
			var arr = http.batch([
				URL + "/get?i=0",
				["POST", URL + "/post", "b1"],
				{method: "PUT", url: URL + "/post", body: "b2", params: {tags: {k: "v"}}},
				http.url`+"`${URL}/get?i=${3}`"+`,
			]);
			var obj = http.batch({one: URL + "/get?i=1", two: ["GET", URL + "/status/201"]});
			JSON.stringify([arr[0].json("args.i.0"), arr[1].json("body"), arr[2].json("method") + arr[2].json("body"), arr[3].json("args.i.0"), obj.one.json("args.i.0"), obj.two.status])`)
		if v.String() != `["0","b1","PUTb2","3","1",201]` {
			t.Fatalf("got %s", v)
		}
		tagged := 0
		for _, s := range rt.SamplesOf("http_reqs") {
			if tagsOf(s)["k"] == "v" {
				tagged++
			}
		}
		if tagged != 1 {
			t.Fatalf("%d samples with the batch request's tag", tagged)
		}
	})
	cases := []struct {
		name                 string
		batch, perHost       int64
		hosts                []string
		n                    int
		wantMax, wantPerHost int64
	}{
		{"batchPerHost", 20, 2, []string{"127.0.0.1"}, 6, 2, 2},
		{"batch", 3, 0, []string{"127.0.0.1"}, 9, 3, 3},
		{"both", 4, 2, []string{"127.0.0.1", "localhost"}, 8, 4, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, false)
			port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
			rt, _ := newVU(t, srv.URL, &config.Options{Batch: ptr(tc.batch), BatchPerHost: ptr(tc.perHost)})
			var urls []string
			for i := 0; i < tc.n; i++ {
				urls = append(urls, `"http://`+tc.hosts[i%len(tc.hosts)]+`:`+port+`/concurrency"`)
			}
			start := time.Now()
			js(t, rt, `http.batch([`+strings.Join(urls, ",")+`]).forEach(function (r) { if (r.status !== 200) throw new Error(r.error); })`)
			if got := srv.maxInflight.Load(); got != tc.wantMax {
				t.Errorf("max concurrent requests %d, want %d (took %v)", got, tc.wantMax, time.Since(start))
			}
			srv.perHost.Range(func(k, v any) bool {
				if got := v.(*[2]atomic.Int64)[1].Load(); got != tc.wantPerHost {
					t.Errorf("host %v: max concurrent %d, want %d", k, got, tc.wantPerHost)
				}
				return true
			})
		})
	}
	t.Run("throw", func(t *testing.T) {
		closed := newTestServer(t, false)
		closed.Close()
		rt, _ := newVU(t, srv.URL, &config.Options{Throw: ptr(true)})
		mustContain(t, jsErr(t, rt, `http.batch([URL + "/get", "`+closed.URL+`"])`), "connection refused")
	})
}

func TestURLTemplateAndTags(t *testing.T) {
	srv := newTestServer(t, false)
	rt, _ := newVU(t, srv.URL, nil)
	v := js(t, rt, `
		var id = 42;
		var u = http.url`+"`${URL}/anything/${id}?q=${'x'}`"+`;
		var r = http.get(u, {tags: {custom: "yes"}});
		http.get(URL + "/get", {tags: {name: "named"}});
		[u.url === URL + "/anything/42?q=x", u.name === "${}/anything/${}?q=${}", String(u) === u.url, r.json("path")].join()`)
	if v.String() != "true,true,true,/anything/42" {
		t.Fatalf("got %s", v)
	}
	reqs := rt.SamplesOf("http_reqs")
	if tg := tagsOf(reqs[0]); tg["name"] != "${}/anything/${}?q=${}" || tg["url"] != srv.URL+"/anything/42?q=x" || tg["custom"] != "yes" {
		t.Fatalf("template tags %v", tg)
	}
	if tg := tagsOf(reqs[1]); tg["name"] != "named" || tg["url"] != srv.URL+"/get" {
		t.Fatalf("name tag %v", tg)
	}
}

func TestMetricsPerRequest(t *testing.T) {
	srv := newTestServer(t, false)
	rt, st := newVU(t, srv.URL, nil)
	st.Tags.SetTag("scenario", "default")
	st.Tags.SetTag("group", "")
	st.Tags.SetMetadata("trace_id", "t1")
	js(t, rt, `http.get(URL + "/get")`)
	got := byMetric(rt.Samples())
	names := []string{"http_reqs", "http_req_duration", "http_req_blocked", "http_req_connecting", "http_req_tls_handshaking",
		"http_req_sending", "http_req_waiting", "http_req_receiving", "http_req_failed", "data_sent", "data_received"}
	if len(got) != len(names) {
		t.Fatalf("metrics %v", reflect.ValueOf(got).MapKeys())
	}
	wantTags := map[string]string{
		"scenario": "default", "group": "", "method": "GET", "url": srv.URL + "/get", "name": srv.URL + "/get",
		"status": "200", "proto": "HTTP/1.1", "expected_response": "true",
	}
	for _, n := range names {
		ss := got[n]
		if len(ss) != 1 {
			t.Fatalf("%s: %d samples", n, len(ss))
		}
		if tg := tagsOf(ss[0]); !reflect.DeepEqual(tg, wantTags) {
			t.Fatalf("%s tags %v, want %v", n, tg, wantTags)
		}
		if ss[0].Metadata["trace_id"] != "t1" {
			t.Fatalf("%s metadata %v", n, ss[0].Metadata)
		}
	}
	d := got["http_req_duration"][0].Value
	parts := got["http_req_sending"][0].Value + got["http_req_waiting"][0].Value + got["http_req_receiving"][0].Value
	if math.Abs(d-parts) > 1e-9 {
		t.Fatalf("duration %v != sending+waiting+receiving %v", d, parts)
	}
	if got["http_reqs"][0].Value != 1 || got["http_req_failed"][0].Value != 0 {
		t.Fatal("http_reqs/http_req_failed values")
	}
	// data_* match the bytes the server saw on the wire.
	srv.waitBytes(t, got["data_sent"][0].Value, got["data_received"][0].Value)
}

func TestDataCountedOverTLS(t *testing.T) {
	srv := newTestServer(t, true)
	rt, _ := newVU(t, srv.URL, &config.Options{InsecureSkipTLSVerify: ptr(true)})
	js(t, rt, `for (var i = 0; i < 3; i++) http.post(URL + "/post", "some body");`)
	var sent, recv float64
	for _, s := range rt.SamplesOf("data_sent") {
		sent += s.Value
	}
	for _, s := range rt.SamplesOf("data_received") {
		recv += s.Value
	}
	srv.waitBytes(t, sent, recv)
}

func TestResponseCallback(t *testing.T) {
	srv := newTestServer(t, false)
	cases := []struct {
		name       string
		setup, src string
		failed     []float64 // http_req_failed values; nil = no samples
		expected   []string  // expected_response tags; "" = absent
	}{
		{"default", ``, `http.get(URL + "/status/404"); http.get(URL + "/status/204")`, []float64{1, 0}, []string{"false", "true"}},
		{"expectedStatuses", `http.setResponseCallback(http.expectedStatuses(404, {min: 500, max: 599}));`,
			`http.get(URL + "/status/404"); http.get(URL + "/status/503"); http.get(URL + "/status/200")`, []float64{0, 0, 1}, []string{"true", "true", "false"}},
		{"off", `http.setResponseCallback(null);`, `http.get(URL + "/status/404")`, nil, []string{""}},
		{"param overrides", `http.setResponseCallback(null);`, `http.get(URL + "/status/404", {responseCallback: http.expectedStatuses(404)})`, []float64{0}, []string{"true"}},
		{"param off", ``, `http.get(URL + "/status/500", {responseCallback: null})`, nil, []string{""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt, _ := newVU(t, srv.URL, nil)
			js(t, rt, tc.setup+tc.src)
			var failed []float64
			for _, s := range rt.SamplesOf("http_req_failed") {
				failed = append(failed, s.Value)
			}
			if !reflect.DeepEqual(failed, tc.failed) {
				t.Fatalf("http_req_failed %v, want %v", failed, tc.failed)
			}
			var exp []string
			for _, s := range rt.SamplesOf("http_reqs") {
				exp = append(exp, tagsOf(s)["expected_response"])
			}
			if !reflect.DeepEqual(exp, tc.expected) {
				t.Fatalf("expected_response %v, want %v", exp, tc.expected)
			}
		})
	}
	t.Run("bad callbacks", func(t *testing.T) {
		rt, _ := newVU(t, srv.URL, nil)
		mustContain(t, jsErr(t, rt, `http.setResponseCallback(function () { return true; })`), "expectedStatuses")
		mustContain(t, jsErr(t, rt, `http.expectedStatuses("x")`), "argument 1")
		mustContain(t, jsErr(t, rt, `http.expectedStatuses({min: 1})`), "argument 1")
	})
}

func TestSystemTags(t *testing.T) {
	srv := newTestServer(t, false)
	rt, st := newVU(t, srv.URL, nil)
	st.SystemTags = map[string]bool{"status": true, "method": true, "ip": true}
	js(t, rt, `http.get(URL + "/get")`)
	s := rt.SamplesOf("http_reqs")
	if tg := tagsOf(s[0]); !reflect.DeepEqual(tg, map[string]string{"status": "200", "method": "GET", "ip": "127.0.0.1"}) {
		t.Fatalf("tags %v", tg)
	}
}

// TestExports checks every export @types/k6 (2.3.0) declares for k6/http.
func TestExports(t *testing.T) {
	rt := modulestest.New(t)
	ns, err := rt.Require("k6/http")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"CookieJar", "FileData", "OCSP_REASON_AA_COMPROMISE", "OCSP_REASON_AFFILIATION_CHANGED", "OCSP_REASON_CA_COMPROMISE", "OCSP_REASON_CERTIFICATE_HOLD", "OCSP_REASON_CESSATION_OF_OPERATION", "OCSP_REASON_KEY_COMPROMISE", "OCSP_REASON_PRIVILEGE_WITHDRAWN", "OCSP_REASON_REMOVE_FROM_CRL", "OCSP_REASON_SUPERSEDED", "OCSP_REASON_UNSPECIFIED", "OCSP_STATUS_GOOD", "OCSP_STATUS_REVOKED", "OCSP_STATUS_SERVER_FAILED", "OCSP_STATUS_UNKNOWN", "SSL_3_0", "TLS_1_0", "TLS_1_1", "TLS_1_2", "TLS_1_3", "asyncRequest", "batch", "cookieJar", "del", "expectedStatuses", "file", "get", "head", "options", "patch", "post", "put", "request", "setResponseCallback", "url"} {
		if v := ns.Get(name); v == nil || v.ExportType() == nil {
			t.Errorf("k6/http has no export %q", name)
		}
	}
}
