package queuejs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/grafana/sobek"

	khttp "github.com/stampede-load/stampede/js/k6/http"
	"github.com/stampede-load/stampede/js/modules"
	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/queue"
)

func init() { modules.Register("k6/x/queue", New()) }

// RootModule is the k6/x/queue module.
type RootModule struct{}

// New returns the k6/x/queue module.
func New() *RootModule { return &RootModule{} }

// ModuleInstance is one VU's k6/x/queue. Its methods run on the VU's goroutine.
type ModuleInstance struct {
	vu      modules.VU
	rt      *sobek.Runtime
	m       *queue.Metrics
	regErr  error
	ctor    *sobek.Object           // Client, made on first use
	paths   *sobek.Object           // DEFAULT_PATHS, made on first use
	clients *modules.Class[*client] // the VU's Client objects
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*ModuleInstance)(nil)
	_ queue.Doer       = vuDoer{}
	_ queue.Sink       = vuSink{}
)

// NewModuleInstance registers the queue metrics; the exports are made when
// the script first reads them.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	mi := &ModuleInstance{vu: vu, rt: vu.Runtime()}
	if env := vu.InitEnv(); env != nil && env.Registry != nil {
		mi.m, mi.regErr = queue.RegisterMetrics(env.Registry)
	} else if st := vu.State(); st != nil && st.Registry != nil {
		mi.m, mi.regErr = queue.RegisterMetrics(st.Registry)
	}
	return mi
}

// exports are the named exports, also the default object's properties.
var exports = modules.ExportTable[*ModuleInstance]{
	"Client":         (*ModuleInstance).clientCtor,
	"DEFAULT_REGION": func(*ModuleInstance) any { return queue.DefaultRegion },
	"DEFAULT_MODE":   func(*ModuleInstance) any { return queue.DefaultMode },
	"DEFAULT_PATHS":  (*ModuleInstance).defaultPaths,
}

// clientCtor returns the VU's Client constructor.
func (mi *ModuleInstance) clientCtor() any {
	if mi.ctor == nil {
		mi.ctor = mi.rt.ToValue(mi.newClient).(*sobek.Object)
		mi.clients = modules.NewClass(mi.rt, &clientSpec)
		if proto, ok := mi.ctor.Get("prototype").(*sobek.Object); ok {
			mi.clients.SetPrototype(proto) // instanceof Client
		}
	}
	return mi.ctor
}

// defaultPaths returns DEFAULT_PATHS.
func (mi *ModuleInstance) defaultPaths() any {
	if mi.paths == nil {
		mi.paths = mi.rt.NewObject()
		for _, p := range pathNames(queue.DefaultPaths) {
			_ = mi.paths.Set(p.name, p.value)
		}
	}
	return mi.paths
}

// defaultObject is the default export: the named exports as one object.
func (mi *ModuleInstance) defaultObject() any {
	def := mi.rt.NewObject()
	for _, k := range []string{"Client", "DEFAULT_REGION", "DEFAULT_MODE", "DEFAULT_PATHS"} {
		_ = def.Set(k, exports[k](mi))
	}
	return def
}

// Exports returns Client and the defaults, named and as the default export.
func (mi *ModuleInstance) Exports() modules.Exports {
	return modules.Exports{Default: modules.Lazy(mi.defaultObject), Table: exports.For(mi)}
}

type pathName struct{ name, value string }

func pathNames(p queue.Paths) []pathName {
	return []pathName{
		{"anonymous", p.Anonymous}, {"me", p.Me}, {"join", p.Join}, {"leave", p.Leave}, {"status", p.Status},
	}
}

// vuDoer sends requests through k6/http's Go API for the VU.
type vuDoer struct{ vu modules.VU }

// Do sends req as k6/http would, recording its http_req_* samples.
func (d vuDoer) Do(ctx context.Context, req *queue.Request) (*queue.Response, error) {
	c, err := khttp.ClientFor(d.vu)
	if err != nil {
		return nil, err
	}
	res, err := c.Do(ctx, &khttp.Request{
		Method:       req.Method,
		URL:          req.URL,
		Name:         req.Name,
		Header:       req.Header,
		SharedHeader: true, // the queue client's header per user, never modified
		Body:         req.Body,
		Tags:         req.Tags,
		Timeout:      req.Timeout,
		ResponseType: khttp.ResponseText, // the client needs the body even with discardResponseBodies
	})
	if res == nil {
		return nil, err
	}
	// With the throw option a network failure is also an error; the queue
	// client treats it as data (status 0) either way.
	return &queue.Response{Status: res.Status, Header: res.Header, Body: res.Body, Error: res.Error}, nil
}

// vuSink puts samples in the running VU's buffer (nowhere during init).
type vuSink struct{ vu modules.VU }

// Tags returns the VU's current tags (nil during init).
func (s vuSink) Tags() *metrics.TagSet {
	if st := s.vu.State(); st != nil && st.Tags != nil {
		return st.Tags.Tags()
	}
	return nil
}

// Add appends the samples to the VU's buffer; during init they are dropped.
func (s vuSink) Add(samples ...metrics.Sample) {
	if st := s.vu.State(); st != nil && st.Samples != nil {
		st.Samples.Add(samples...)
	}
}

// client is the JS Client's Go side.
type client struct {
	mi *ModuleInstance
	c  *queue.Client
}

// newClient implements `new Client({baseUrl, region?, mode?, paths?, timeout?})`.
func (mi *ModuleInstance) newClient(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.rt
	if mi.regErr != nil {
		panic(rt.NewGoError(mi.regErr))
	}
	cfg, err := mi.parseConfig(call.Argument(0))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	cfg.Doer = vuDoer{vu: mi.vu}
	if mi.m != nil {
		cfg.Metrics, cfg.Sink = mi.m, vuSink{vu: mi.vu}
	}
	qc, err := queue.New(cfg)
	if err != nil {
		panic(rt.NewGoError(configError(err, nil)))
	}
	return mi.clients.New(&client{mi: mi, c: qc})
}

// clientSpec is the shape of Client objects: baseUrl, region and mode
// (read-only) and the operations.
var clientSpec = modules.ClassSpec[*client]{
	Name:  "Client",
	Props: []string{"baseUrl", "region", "mode"},
	Prop: func(c *client, name string) sobek.Value {
		switch name {
		case "baseUrl":
			return c.mi.rt.ToValue(c.c.BaseURL())
		case "region":
			return c.mi.rt.ToValue(c.c.Region())
		default:
			return c.mi.rt.ToValue(c.c.Mode())
		}
	},
	Methods: map[string]func(*client, sobek.FunctionCall) sobek.Value{
		"anonymousUser": func(c *client, _ sobek.FunctionCall) sobek.Value { return c.anonymousUser() },
		"join": func(c *client, call sobek.FunctionCall) sobek.Value {
			return c.join(call.Argument(0), call.Argument(1))
		},
		"leave":  func(c *client, call sobek.FunctionCall) sobek.Value { return c.leave(call.Argument(0)) },
		"status": func(c *client, call sobek.FunctionCall) sobek.Value { return c.status(call.Argument(0)) },
		"waitForMatch": func(c *client, call sobek.FunctionCall) sobek.Value {
			return c.waitForMatch(call.Argument(0), call.Argument(1))
		},
		"balance": func(c *client, call sobek.FunctionCall) sobek.Value { return c.balance(call.Argument(0)) },
	},
}

// configError joins the validation errors (and extra problems) into one line.
func configError(err error, extra []string) error {
	var parts []string
	if err != nil {
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		for _, e := range errs {
			parts = append(parts, strings.TrimPrefix(e.Error(), queue.ErrInvalidConfig.Error()+": "))
		}
	}
	parts = append(parts, extra...)
	return errors.New("queue: invalid client config: " + strings.Join(parts, "; "))
}

func (mi *ModuleInstance) parseConfig(v sobek.Value) (queue.Config, error) {
	var cfg queue.Config
	if modules.IsNullish(v) {
		return cfg, configError(cfg.Validate(), nil)
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		panic(mi.rt.NewTypeError("queue: new Client(config): config must be an object such as {baseUrl: 'https://staging.example.com'}"))
	}
	var problems []string
	for _, k := range obj.Keys() {
		switch k {
		case "baseUrl", "region", "mode", "paths", "timeout":
		default:
			problems = append(problems, fmt.Sprintf("option %q is unknown; known options: baseUrl, region, mode, paths, timeout", k))
		}
	}
	str := func(name string) string {
		if x := obj.Get(name); !modules.IsNullish(x) {
			return x.String()
		}
		return ""
	}
	cfg.BaseURL, cfg.Region, cfg.Mode = str("baseUrl"), str("region"), str("mode")
	if t := obj.Get("timeout"); !modules.IsNullish(t) {
		d, err := modules.DurationValue(t)
		if err != nil {
			problems = append(problems, "timeout: "+err.Error())
		} else if d == 0 {
			problems = append(problems, "timeout must be positive")
		} else {
			cfg.Timeout = d
		}
	}
	if p := obj.Get("paths"); !modules.IsNullish(p) {
		po, ok := p.(*sobek.Object)
		if !ok || po.ClassName() == "Array" {
			problems = append(problems, "paths must be an object such as {join: '/queue/join'}")
		} else {
			dst := map[string]*string{
				"anonymous": &cfg.Paths.Anonymous, "me": &cfg.Paths.Me, "join": &cfg.Paths.Join,
				"leave": &cfg.Paths.Leave, "status": &cfg.Paths.Status,
			}
			for _, k := range po.Keys() {
				d, ok := dst[k]
				if !ok {
					problems = append(problems, fmt.Sprintf("paths.%s is unknown; known paths: anonymous, me, join, leave, status", k))
					continue
				}
				*d = po.Get(k).String()
				if *d == "" {
					problems = append(problems, fmt.Sprintf("paths.%s must not be empty", k))
				}
			}
		}
	}
	if err := cfg.Validate(); err != nil || len(problems) > 0 {
		return cfg, configError(err, problems)
	}
	return cfg, nil
}

// user reads the {userId, token} object anonymousUser() returned.
func (c *client) user(v sobek.Value, method string) queue.User {
	if o, ok := v.(*sobek.Object); ok {
		tok, id := o.Get("token"), o.Get("userId")
		if !modules.IsNullish(tok) && tok.String() != "" {
			u := queue.User{Token: queue.Token(tok.String())}
			if !modules.IsNullish(id) {
				u.UserID = id.String()
			}
			return u
		}
	}
	panic(c.mi.rt.NewTypeError(fmt.Sprintf("queue: %s(user): user must be the object anonymousUser() returned ({userId, token})", method)))
}

func (c *client) ctx() context.Context { return c.mi.vu.Context() }

// result turns an operation's outcome into {ok: true, ...} or {ok: false,
// status, error, message?}; other errors are thrown.
func (c *client) result(res queue.Result, err error) sobek.Value {
	rt := c.mi.rt
	o := rt.NewObject()
	if err != nil {
		var oe *queue.OpError
		if !errors.As(err, &oe) {
			panic(rt.NewGoError(err))
		}
		_ = o.Set("ok", false)
		_ = o.Set("status", oe.Status)
		_ = o.Set("error", oe.Code)
		if oe.Message != "" {
			_ = o.Set("message", oe.Message)
		}
		return o
	}
	_ = o.Set("ok", true)
	for _, k := range res.Body.Keys {
		if k == "ok" {
			continue
		}
		_ = o.Set(k, res.Body.Values[k])
	}
	return o
}

func (c *client) anonymousUser() sobek.Value {
	u, _, err := c.c.AnonymousUser(c.ctx())
	if err != nil {
		return c.result(queue.Result{}, err)
	}
	o := c.mi.rt.NewObject()
	_ = o.Set("ok", true)
	_ = o.Set("userId", u.UserID)
	_ = o.Set("token", u.Token.Reveal())
	return o
}

func (c *client) join(user, opts sobek.Value) sobek.Value {
	u := c.user(user, "join")
	return c.result(c.c.Join(c.ctx(), u, c.joinOptions(opts)))
}

// joinOptions reads join's options (a function of its own to keep join's
// frame small: the request runs under it).
//
//go:noinline
func (c *client) joinOptions(opts sobek.Value) queue.JoinOptions {
	var jo queue.JoinOptions
	if o, ok := opts.(*sobek.Object); ok {
		if s := o.Get("sessionSeconds"); !modules.IsNullish(s) {
			f := s.ToFloat()
			if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
				panic(c.mi.rt.NewTypeError(fmt.Sprintf("queue: join: sessionSeconds %s must be a whole number of seconds (1..3600)", s.String())))
			}
			jo.SessionSeconds = int(f)
		}
	}
	return jo
}

func (c *client) leave(user sobek.Value) sobek.Value {
	return c.result(c.c.Leave(c.ctx(), c.user(user, "leave")))
}

func (c *client) status(user sobek.Value) sobek.Value {
	return c.result(c.c.Status(c.ctx(), c.user(user, "status")))
}

func (c *client) balance(user sobek.Value) sobek.Value {
	return c.result(c.c.Balance(c.ctx(), c.user(user, "balance")))
}

func (c *client) waitForMatch(user, opts sobek.Value) sobek.Value {
	u := c.user(user, "waitForMatch")
	var wo queue.WaitOptions
	if o, ok := opts.(*sobek.Object); ok {
		for name, dst := range map[string]*time.Duration{"timeout": &wo.Timeout, "pollInterval": &wo.PollInterval} {
			if v := o.Get(name); !modules.IsNullish(v) {
				d, err := modules.DurationValue(v)
				if err != nil {
					panic(c.mi.rt.NewTypeError(fmt.Sprintf("queue: waitForMatch %s: %v", name, err)))
				}
				*dst = d
			}
		}
	}
	return c.result(c.c.WaitForMatch(c.ctx(), u, wo))
}
