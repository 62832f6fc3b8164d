package http

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
)

// cookieJar is the JS face of a cookie jar (http.cookieJar(), new
// http.CookieJar()); its methods live on a shared prototype.
type cookieJar struct {
	jar http.CookieJar
}

// Get returns a property (sobek.DynamicObject).
func (*cookieJar) Get(string) sobek.Value { return nil }

// Set assigns a property (sobek.DynamicObject).
func (*cookieJar) Set(string, sobek.Value) bool { return false }

// Has reports whether a property exists (sobek.DynamicObject).
func (*cookieJar) Has(string) bool { return false }

// Delete removes a property (sobek.DynamicObject).
func (*cookieJar) Delete(string) bool { return true }

// Keys lists the properties (sobek.DynamicObject).
func (*cookieJar) Keys() []string { return nil }
func (mi *ModuleInstance) wrapJar(j http.CookieJar) *sobek.Object {
	obj := mi.rt.NewDynamicObject(&cookieJar{jar: j})
	_ = obj.SetPrototype(mi.jarPrototype())
	return obj
}

// cookieJar implements http.cookieJar(): the VU's current jar.
func (mi *ModuleInstance) cookieJar(sobek.FunctionCall) sobek.Value {
	c := mi.client()
	if j, ok := c.state.CookieJar.(*vuJar); ok {
		j.dirty.Store(true) // the script may keep it: replace it next iteration
	}
	return mi.wrapJar(c.state.CookieJar)
}

// newCookieJar implements `new http.CookieJar()`: an empty jar of its own.
func (mi *ModuleInstance) newCookieJar(sobek.ConstructorCall) *sobek.Object {
	j, _ := cookiejar.New(nil) // never fails without options
	return mi.wrapJar(j)
}

// jarPrototype returns CookieJar.prototype, with the methods installed on
// first use.
func (mi *ModuleInstance) jarPrototype() *sobek.Object {
	if mi.jarMethods {
		return mi.jarProto
	}
	mi.jarMethods = true
	rt := mi.rt
	mi.jarConstructor()
	p := mi.jarProto
	this := func(c sobek.FunctionCall, name string) (*cookieJar, *url.URL) {
		o, ok := c.This.(*sobek.Object)
		var j *cookieJar
		if ok {
			j, ok = o.Export().(*cookieJar)
		}
		if !ok {
			panic(rt.NewTypeError("CookieJar." + name + "() called on something that is not a CookieJar"))
		}
		u, err := url.Parse(c.Argument(0).String())
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			panic(rt.NewTypeError(fmt.Sprintf("CookieJar.%s: %q is not an absolute http(s) URL", name, c.Argument(0).String())))
		}
		return j, u
	}
	_ = p.Set("cookiesForURL", func(c sobek.FunctionCall) sobek.Value {
		j, u := this(c, "cookiesForURL")
		o := rt.NewObject()
		for _, ck := range j.jar.Cookies(u) {
			appendTo(rt, o, ck.Name, rt.ToValue(ck.Value))
		}
		return o
	})
	_ = p.Set("set", func(c sobek.FunctionCall) sobek.Value {
		j, u := this(c, "set")
		ck := &http.Cookie{Name: c.Argument(1).String(), Value: c.Argument(2).String()}
		if opts, ok := c.Argument(3).(*sobek.Object); ok {
			for _, k := range opts.Keys() {
				v := opts.Get(k)
				if modules.IsNullish(v) {
					continue
				}
				switch k {
				case "domain":
					ck.Domain = v.String()
				case "path":
					ck.Path = v.String()
				case "expires":
					t, err := http.ParseTime(v.String())
					if err != nil {
						panic(rt.NewTypeError(fmt.Sprintf("CookieJar.set: expires %q is not an HTTP date like %q", v.String(), time.RFC1123)))
					}
					ck.Expires = t
				case "max_age":
					n, ok := intValue(v)
					if !ok {
						panic(rt.NewTypeError("CookieJar.set: max_age must be an integer number of seconds"))
					}
					ck.MaxAge = n
				case "secure":
					ck.Secure = v.ToBoolean()
				case "http_only":
					ck.HttpOnly = v.ToBoolean()
				}
			}
		}
		j.jar.SetCookies(u, []*http.Cookie{ck})
		return sobek.Undefined()
	})
	_ = p.Set("clear", func(c sobek.FunctionCall) sobek.Value {
		j, u := this(c, "clear")
		names := map[string]bool{}
		for _, ck := range j.jar.Cookies(u) {
			names[ck.Name] = true
		}
		for n := range names {
			expireCookie(j.jar, u, n)
		}
		return sobek.Undefined()
	})
	_ = p.Set("delete", func(c sobek.FunctionCall) sobek.Value {
		j, u := this(c, "delete")
		expireCookie(j.jar, u, c.Argument(1).String())
		return sobek.Undefined()
	})
	return p
}

// expireCookie removes the cookies called name that the jar sends to u.
// http.CookieJar has no delete: a cookie is removed by setting it again,
// expired, with the same domain and path. The jar does not tell which
// domain and path a cookie has, so every one that can apply to u is tried:
// the host (host-only cookies) and its parent domains, and every prefix of
// u's path.
func expireCookie(jar http.CookieJar, u *url.URL, name string) {
	host := u.Hostname()
	domains := []string{""}
	for d := host; strings.Contains(d, "."); {
		domains = append(domains, d)
		d = d[strings.IndexByte(d, '.')+1:]
	}
	paths := []string{"/"}
	p := u.EscapedPath()
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			paths = append(paths, p[:i], p[:i+1])
		}
	}
	if len(p) > 1 {
		paths = append(paths, strings.TrimSuffix(p, "/"))
	}
	cookies := make([]*http.Cookie, 0, len(domains)*len(paths))
	for _, d := range domains {
		for _, path := range paths {
			cookies = append(cookies, &http.Cookie{Name: name, Value: "", Domain: d, Path: path, MaxAge: -1})
		}
	}
	su := *u
	if su.Scheme == "http" {
		// Secure cookies can only be changed through an https URL.
		su.Scheme = "https"
	}
	jar.SetCookies(u, cookies)
	jar.SetCookies(&su, cookies)
}
