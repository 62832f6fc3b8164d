package http

import (
	"context"
	"fmt"
	"sync"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/js/modules"
)

// DoBatch sends reqs in parallel, at most the batch option (20) at a time
// and at most batchPerHost (6) to one host (0 means no limit), and returns
// their responses in order. An invalid request fails the whole batch before
// anything is sent (nil responses, an error wrapping ErrInvalidRequest).
// With the throw option, the error is the first failed request's *Error by
// index, and the responses are returned too. Each request records its own
// samples; data_sent/data_received of concurrent requests are split between
// them arbitrarily (their sum is exact).
func (c *Client) DoBatch(ctx context.Context, reqs []*Request) ([]*Response, error) {
	ps := make([]prepared, len(reqs))
	for i, r := range reqs {
		if err := c.prepare(r, &ps[i]); err != nil {
			return nil, fmt.Errorf("batch request %d: %w", i, err)
		}
	}
	opts := c.state.Options
	if opts == nil {
		opts = &config.Options{}
	}
	limit := int(config.Int(opts.Batch, config.DefaultBatch))
	perHost := int(config.Int(opts.BatchPerHost, config.DefaultBatchPerHost))
	if limit <= 0 || limit > len(ps) {
		limit = len(ps)
	}
	var hostSem map[string]chan struct{}
	if perHost > 0 {
		hostSem = make(map[string]chan struct{})
		for i := range ps {
			p := &ps[i]
			if _, ok := hostSem[p.url.Host]; !ok {
				hostSem[p.url.Host] = make(chan struct{}, perHost)
			}
		}
	}
	resps := make([]*Response, len(ps))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range limit {
		wg.Go(func() {
			for i := range jobs {
				var sem chan struct{}
				if hostSem != nil {
					sem = hostSem[ps[i].url.Host]
					sem <- struct{}{}
				}
				resps[i] = &Response{}
				c.run(ctx, &ps[i], resps[i])
				if sem != nil {
					<-sem
				}
			}
		})
	}
	for i := range ps {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if c.throw {
		for _, r := range resps {
			if r.err != nil {
				return resps, r.err
			}
		}
	}
	return resps, nil
}

// batch implements http.batch(requests) for arrays and objects of requests.
func (mi *ModuleInstance) batch(v sobek.Value) sobek.Value {
	rt := mi.rt
	c := mi.client()
	o, ok := v.(*sobek.Object)
	if !ok || modules.IsNullish(v) {
		panic(rt.NewTypeError("batch: requests must be an array or an object of requests"))
	}
	isArray := o.ClassName() == "Array"
	keys := o.Keys()
	reqs := make([]*Request, len(keys))
	for i, k := range keys {
		req, err := mi.parseBatchItem(o.Get(k))
		if err != nil {
			mi.throw(fmt.Errorf("batch request %s: %w", k, err))
		}
		reqs[i] = req
	}
	resps, err := c.DoBatch(mi.vu.Context(), reqs)
	if err != nil {
		mi.throw(err)
	}
	if isArray {
		vals := make([]any, len(resps))
		for i, r := range resps {
			vals[i] = mi.newResponse(r, reqs[i].ResponseType)
		}
		return rt.NewArray(vals...)
	}
	out := rt.NewObject()
	for i, k := range keys {
		_ = out.Set(k, mi.newResponse(resps[i], reqs[i].ResponseType))
	}
	return out
}

// parseBatchItem reads one batch entry: a URL (string or http.url), an
// array [method, url, body, params] or an object {method, url, body, params}.
func (mi *ModuleInstance) parseBatchItem(v sobek.Value) (*Request, error) {
	o, ok := v.(*sobek.Object)
	if !ok {
		return mi.parseRequest("GET", v, nil, nil, true)
	}
	if _, ok := o.Export().(*urlTag); ok {
		return mi.parseRequest("GET", v, nil, nil, true)
	}
	var methodV, urlV, bodyV, paramsV sobek.Value
	if o.ClassName() == "Array" {
		methodV, urlV, bodyV, paramsV = o.Get("0"), o.Get("1"), o.Get("2"), o.Get("3")
	} else {
		methodV, urlV, bodyV, paramsV = o.Get("method"), o.Get("url"), o.Get("body"), o.Get("params")
	}
	method := "GET"
	if !modules.IsNullish(methodV) {
		method = methodV.String()
	}
	return mi.parseRequest(method, urlV, bodyV, paramsV, true)
}
