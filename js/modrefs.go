package js

import (
	"net/url"
	"path"
	"sync"
)

// moduleRefs holds, for the whole run, what every VU would otherwise work
// out again while its init context requires modules: the URL a specifier
// resolves to from a given module, a calling module's URL parsed from its
// stack frame, and each module's map key, directory and file name. At
// 10,000 VUs that work was ~5 KB and ~40 allocations per VU, all garbage.
// The VUs only read what it holds; the URLs in it are never modified.
type moduleRefs struct {
	callers  sync.Map // stack frame source name -> *url.URL
	resolved sync.Map // resolveKey -> resolvedRef
	infos    sync.Map // *url.URL (from resolved, or the main script's) -> *moduleInfo
}

type resolveKey struct {
	base *url.URL
	spec string
}

type resolvedRef struct {
	kind specKind
	u    *url.URL
}

// moduleInfo is what loading a module needs to know about its URL.
type moduleInfo struct {
	key      string   // u.String(): the key of the VU's modules map
	dir      *url.URL // dirURL(u): the init environment's CWD while it runs
	filename string   // displayURL(u): the module's __filename
	dirname  string   // path.Dir(filename): its __dirname
}

// resolve is the package's resolve, remembered per (base, spec): the same
// base pointer and specifier give the same URL pointer, so info can be
// looked up by it. Errors are not remembered.
func (m *moduleRefs) resolve(base *url.URL, spec string) (specKind, *url.URL, error) {
	if isBuiltin(spec) {
		return specBuiltin, nil, nil
	}
	k := resolveKey{base: base, spec: spec}
	if r, ok := m.resolved.Load(k); ok {
		ref := r.(resolvedRef)
		return ref.kind, ref.u, nil
	}
	kind, u, err := resolve(base, spec)
	if err != nil {
		return kind, u, err
	}
	r, _ := m.resolved.LoadOrStore(k, resolvedRef{kind: kind, u: u})
	ref := r.(resolvedRef)
	return ref.kind, ref.u, nil
}

// info returns u's moduleInfo.
func (m *moduleRefs) info(u *url.URL) *moduleInfo {
	if i, ok := m.infos.Load(u); ok {
		return i.(*moduleInfo)
	}
	filename := displayURL(u)
	i, _ := m.infos.LoadOrStore(u, &moduleInfo{
		key: u.String(), dir: dirURL(u), filename: filename, dirname: path.Dir(filename),
	})
	return i.(*moduleInfo)
}

// caller returns the URL a stack frame's source name stands for, or nil
// when it is not a URL with a scheme.
func (m *moduleRefs) caller(name string) *url.URL {
	if u, ok := m.callers.Load(name); ok {
		return u.(*url.URL)
	}
	u, err := url.Parse(name)
	if err != nil || u.Scheme == "" {
		return nil
	}
	c, _ := m.callers.LoadOrStore(name, u)
	return c.(*url.URL)
}
