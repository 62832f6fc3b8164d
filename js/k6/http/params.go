package http

import (
	"bytes"
	"fmt"
	"math"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modules"
)

// parseRequest turns a script's (method, url, body, params) into a Request.
// owned says the request outlives this call on another goroutine (async,
// batch): bytes the script could change (ArrayBuffers) are then copied.
func (mi *ModuleInstance) parseRequest(method string, urlV, bodyV, paramsV sobek.Value, owned bool) (*Request, error) {
	req := &Request{}
	if err := mi.parseRequestInto(req, method, urlV, bodyV, paramsV, owned); err != nil {
		return nil, err
	}
	return req, nil
}

// parseRequestInto is parseRequest filling req (a zero Request).
func (mi *ModuleInstance) parseRequestInto(req *Request, method string, urlV, bodyV, paramsV sobek.Value, owned bool) error {
	req.Method = method
	if err := mi.parseURL(req, urlV); err != nil {
		return err
	}
	if mi.callbackOff {
		req.NoResponseCallback = true
	} else {
		req.ResponseCallback = mi.callback
	}
	if !modules.IsNullish(paramsV) {
		if err := mi.parseParams(req, paramsV); err != nil {
			return err
		}
	}
	if !modules.IsNullish(bodyV) {
		if err := mi.parseBody(req, bodyV, owned); err != nil {
			return err
		}
	}
	return nil
}

func (mi *ModuleInstance) parseURL(req *Request, v sobek.Value) error {
	if modules.IsNullish(v) {
		return fmt.Errorf("%w: the url is required", ErrInvalidRequest)
	}
	if o, ok := v.(*sobek.Object); ok {
		if u, ok := o.Export().(*urlTag); ok {
			req.URL, req.Name = u.url, u.name
			return nil
		}
	}
	req.URL = v.String()
	return nil
}

func (mi *ModuleInstance) parseParams(req *Request, v sobek.Value) error {
	o, ok := v.(*sobek.Object)
	if !ok {
		return fmt.Errorf("%w: params must be an object, got %s", ErrInvalidRequest, describe(v))
	}
	rt := mi.rt
	for _, key := range o.Keys() {
		val := o.Get(key)
		switch key {
		case "headers":
			if modules.IsNullish(val) {
				continue
			}
			ho := val.ToObject(rt)
			keys := ho.Keys()
			if req.Header == nil {
				req.Header = make(http.Header, len(keys)+1)
				req.headerOwned = true
			}
			for _, k := range keys {
				hv := ho.Get(k)
				if modules.IsNullish(hv) {
					continue
				}
				req.Header[textproto.CanonicalMIMEHeaderKey(k)] = []string{hv.String()}
			}
		case "tags":
			if modules.IsNullish(val) {
				continue
			}
			to := val.ToObject(rt)
			keys := to.Keys()
			req.Tags = make(map[string]string, len(keys))
			for _, k := range keys {
				req.Tags[k] = to.Get(k).String()
			}
			if n, ok := req.Tags["name"]; ok {
				req.Name = n
			}
		case "timeout":
			d, err := timeoutValue(val)
			if err != nil {
				return err
			}
			req.Timeout = d
		case "responseType":
			if modules.IsNullish(val) {
				continue
			}
			switch s := val.String(); s {
			case "text":
				req.ResponseType = ResponseText
			case "binary":
				req.ResponseType = ResponseBinary
			case "none":
				req.ResponseType = ResponseNone
			default:
				return fmt.Errorf("%w: responseType %q: allowed are \"text\", \"binary\" and \"none\"", ErrInvalidRequest, s)
			}
		case "redirects":
			if modules.IsNullish(val) {
				continue
			}
			n, ok := intValue(val)
			if !ok || n < 0 {
				return fmt.Errorf("%w: redirects must be a non-negative integer, got %s", ErrInvalidRequest, describe(val))
			}
			req.Redirects = &n
		case "auth":
			if modules.IsNullish(val) {
				continue
			}
			switch s := val.String(); s {
			case "basic":
				req.Auth = AuthBasic
			case "digest":
				req.Auth = AuthDigest
			case "ntlm":
				return fmt.Errorf("%w: auth \"ntlm\" is not supported; use \"basic\" or \"digest\"", ErrInvalidRequest)
			default:
				return fmt.Errorf("%w: auth %q: allowed are \"basic\" and \"digest\"", ErrInvalidRequest, s)
			}
		case "cookies":
			if modules.IsNullish(val) {
				continue
			}
			co := val.ToObject(rt)
			for _, name := range co.Keys() {
				cv := co.Get(name)
				rc := RequestCookie{Name: name}
				if obj, ok := cv.(*sobek.Object); ok {
					if x := obj.Get("value"); !modules.IsNullish(x) {
						rc.Value = x.String()
					}
					if x := obj.Get("replace"); !modules.IsNullish(x) {
						rc.Replace = x.ToBoolean()
					}
				} else if !modules.IsNullish(cv) {
					rc.Value = cv.String()
				}
				req.Cookies = append(req.Cookies, rc)
			}
		case "jar":
			if modules.IsNullish(val) {
				continue
			}
			j, ok := val.Export().(*cookieJar)
			if !ok {
				return fmt.Errorf("%w: jar must be a CookieJar (http.cookieJar() or new http.CookieJar()), got %s", ErrInvalidRequest, describe(val))
			}
			req.Jar = j.jar
		case "compression":
			if modules.IsNullish(val) {
				continue
			}
			req.Compression = val.String()
		case "responseCallback":
			cb, off, err := mi.callbackFrom(val)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
			}
			req.ResponseCallback, req.NoResponseCallback = cb, off
		}
	}
	return nil
}

// timeoutValue reads the timeout param: milliseconds as a number, or a
// duration string ("30s", "1m"); a numeric string is milliseconds too.
func timeoutValue(v sobek.Value) (time.Duration, error) {
	if modules.IsNullish(v) {
		return 0, nil
	}
	var d time.Duration
	switch x := v.Export().(type) {
	case int64:
		d = time.Duration(x) * time.Millisecond
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%w: timeout %v is not a number of milliseconds", ErrInvalidRequest, x)
		}
		d = time.Duration(x * float64(time.Millisecond))
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			d = time.Duration(f * float64(time.Millisecond))
			break
		}
		pd, err := config.ParseDuration(x)
		if err != nil {
			return 0, fmt.Errorf("%w: timeout: %w", ErrInvalidRequest, err)
		}
		d = pd
	default:
		return 0, fmt.Errorf("%w: timeout must be a number of milliseconds or a duration string like \"30s\", got %s", ErrInvalidRequest, describe(v))
	}
	if d <= 0 {
		return 0, fmt.Errorf("%w: timeout must be positive, got %s", ErrInvalidRequest, v.String())
	}
	return d, nil
}

// parseBody encodes a request body: a string or ArrayBuffer as is; an
// object as a URL-encoded form, or as multipart/form-data when one of its
// values is an http.file().
func (mi *ModuleInstance) parseBody(req *Request, v sobek.Value, owned bool) error {
	if b, ok := mi.bytesOf(v, owned); ok {
		req.Body = b
		return nil
	}
	o, ok := v.(*sobek.Object)
	if !ok {
		s := v.String()
		req.Body = unsafe.Slice(unsafe.StringData(s), len(s))
		return nil
	}
	keys := o.Keys()
	multi := false
	for _, k := range keys {
		if _, ok := o.Get(k).Export().(*fileData); ok {
			multi = true
			break
		}
	}
	if !multi {
		form := url.Values{}
		for _, k := range keys {
			fv := o.Get(k)
			if modules.IsNullish(fv) {
				form.Set(k, "")
				continue
			}
			form.Set(k, fv.String())
		}
		req.Body = []byte(form.Encode())
		setDefaultHeader(req, "Content-Type", "application/x-www-form-urlencoded")
		return nil
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range keys {
		fv := o.Get(k)
		if f, ok := fv.Export().(*fileData); ok {
			h := make(textproto.MIMEHeader)
			filename := f.filename
			if filename == "" {
				filename = k
			}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, escapeQuotes(k), escapeQuotes(filename)))
			h.Set("Content-Type", f.contentType)
			pw, err := w.CreatePart(h)
			if err != nil {
				return err
			}
			if _, err := pw.Write(f.data); err != nil {
				return err
			}
			continue
		}
		val := ""
		if !modules.IsNullish(fv) {
			val = fv.String()
		}
		if err := w.WriteField(k, val); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	req.Body = buf.Bytes()
	setDefaultHeader(req, "Content-Type", w.FormDataContentType())
	return nil
}

func setDefaultHeader(req *Request, k, v string) {
	if req.Header == nil {
		req.Header = make(http.Header, 2)
		req.headerOwned = true
	}
	if _, ok := req.Header[k]; !ok {
		req.Header[k] = []string{v}
	}
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// bytesOf returns the bytes of an ArrayBuffer, typed array or DataView.
// owned copies them (the script may change the buffer meanwhile).
func (mi *ModuleInstance) bytesOf(v sobek.Value, owned bool) ([]byte, bool) {
	o, ok := v.(*sobek.Object)
	if !ok {
		return nil, false
	}
	var b []byte
	switch x := o.Export().(type) {
	case sobek.ArrayBuffer:
		b = x.Bytes()
	case []byte:
		b = x // typed arrays export a copy of their bytes
		owned = false
	default:
		if o.ClassName() != "DataView" {
			return nil, false
		}
		if ab, ok := o.Get("buffer").Export().(sobek.ArrayBuffer); ok {
			off, _ := intValue(o.Get("byteOffset"))
			n, _ := intValue(o.Get("byteLength"))
			b = ab.Bytes()[off : off+n]
			break
		}
		return nil, false
	}
	if owned {
		b = append([]byte(nil), b...)
	}
	return b, true
}

// fileData is what http.file() returns: one multipart file part.
type fileData struct {
	rt          *sobek.Runtime
	data        []byte
	dataValue   sobek.Value
	filename    string
	contentType string
}

// Get returns a property (sobek.DynamicObject).
func (f *fileData) Get(key string) sobek.Value {
	switch key {
	case "data":
		return f.dataValue
	case "filename":
		return f.rt.ToValue(f.filename)
	case "content_type":
		return f.rt.ToValue(f.contentType)
	}
	return nil
}

// Set assigns a property (sobek.DynamicObject).
func (f *fileData) Set(string, sobek.Value) bool { return false }

// Has reports whether a property exists (sobek.DynamicObject).
func (f *fileData) Has(key string) bool {
	return key == "data" || key == "filename" || key == "content_type"
}

// Delete removes a property (sobek.DynamicObject).
func (f *fileData) Delete(string) bool { return false }

// Keys lists the properties (sobek.DynamicObject).
func (f *fileData) Keys() []string { return []string{"data", "filename", "content_type"} }

// file implements http.file(data, [filename], [contentType]).
func (mi *ModuleInstance) file(call sobek.FunctionCall) sobek.Value {
	dv := call.Argument(0)
	f := &fileData{rt: mi.rt, dataValue: dv, contentType: "application/octet-stream"}
	if b, ok := mi.bytesOf(dv, true); ok {
		f.data = b
	} else if modules.IsNullish(dv) {
		panic(mi.rt.NewTypeError("file: data (first argument) is required"))
	} else {
		f.data = []byte(dv.String())
	}
	if v := call.Argument(1); !modules.IsNullish(v) {
		f.filename = v.String()
	}
	if v := call.Argument(2); !modules.IsNullish(v) {
		f.contentType = v.String()
	}
	obj := mi.rt.NewDynamicObject(f)
	mi.fileConstructor()
	_ = obj.SetPrototype(mi.fileProto)
	return obj
}

// urlTag is what the http.url template tag returns: a URL whose name tag is
// the template with ${} for each substitution.
type urlTag struct {
	rt        *sobek.Runtime
	url, name string
}

// Get returns a property (sobek.DynamicObject).
func (u *urlTag) Get(key string) sobek.Value {
	switch key {
	case "url":
		return u.rt.ToValue(u.url)
	case "name":
		return u.rt.ToValue(u.name)
	}
	return nil
}

// Set assigns a property (sobek.DynamicObject).
func (u *urlTag) Set(string, sobek.Value) bool { return false }

// Has reports whether a property exists (sobek.DynamicObject).
func (u *urlTag) Has(key string) bool { return key == "url" || key == "name" }

// Delete removes a property (sobek.DynamicObject).
func (u *urlTag) Delete(string) bool { return false }

// Keys lists the properties (sobek.DynamicObject).
func (u *urlTag) Keys() []string { return []string{"url", "name"} }

// urlTemplate implements http.url`...${x}...`.
func (mi *ModuleInstance) urlTemplate(call sobek.FunctionCall) sobek.Value {
	rt := mi.rt
	so, ok := call.Argument(0).(*sobek.Object)
	if !ok {
		panic(rt.NewTypeError("url: use it as a template tag: http.url`https://host/items/${id}`"))
	}
	n, _ := intValue(so.Get("length"))
	var ub, nb strings.Builder
	for i := range n {
		s := so.Get(strconv.Itoa(i)).String()
		ub.WriteString(s)
		nb.WriteString(s)
		if i+1 < n {
			ub.WriteString(call.Argument(i + 1).String())
			nb.WriteString("${}")
		}
	}
	obj := rt.NewDynamicObject(&urlTag{rt: rt, url: ub.String(), name: nb.String()})
	_ = obj.SetPrototype(mi.urlPrototype())
	return obj
}

func (mi *ModuleInstance) urlPrototype() *sobek.Object {
	if mi.urlProto == nil {
		p := mi.rt.NewObject()
		_ = p.Set("toString", func(c sobek.FunctionCall) sobek.Value {
			if o, ok := c.This.(*sobek.Object); ok {
				if u, ok := o.Export().(*urlTag); ok {
					return mi.rt.ToValue(u.url)
				}
			}
			return mi.rt.ToValue("")
		})
		mi.urlProto = p
	}
	return mi.urlProto
}
