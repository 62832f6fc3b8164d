package data

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modules"
)

func init() { modules.RegisterBuiltin("k6/data", New()) }

// RootModule is the k6/data module.
type RootModule struct{}

// New returns the k6/data module.
func New() *RootModule { return &RootModule{} }

// Data is one VU's k6/data instance.
type Data struct {
	vu modules.VU

	// Per-VU helpers, taken on first use: JSON.stringify, Object.freeze and
	// Object.preventExtensions as they were then.
	stringify, freeze, preventExtensions sobek.Callable
	building                             map[string]bool // names whose function runs now (recursion guard)
}

var (
	_ modules.Module   = (*RootModule)(nil)
	_ modules.Instance = (*Data)(nil)
)

// NewModuleInstance returns the VU's instance.
func (*RootModule) NewModuleInstance(vu modules.VU) modules.Instance { return &Data{vu: vu} }

// Exports returns the SharedArray constructor.
func (d *Data) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"SharedArray": d.construct}}
}

func (d *Data) helpers() error {
	if d.freeze != nil {
		return nil
	}
	rt := d.vu.Runtime()
	method := func(global, name string) (sobek.Callable, bool) {
		o, ok := rt.Get(global).(*sobek.Object)
		if !ok {
			return nil, false
		}
		return sobek.AssertFunction(o.Get(name))
	}
	stringify, ok1 := method("JSON", "stringify")
	freeze, ok2 := method("Object", "freeze")
	preventExtensions, ok3 := method("Object", "preventExtensions")
	if !ok1 || !ok2 || !ok3 {
		return errors.New("JSON.stringify, Object.freeze or Object.preventExtensions is not a function")
	}
	d.stringify, d.freeze, d.preventExtensions = stringify, freeze, preventExtensions
	return nil
}

// construct implements `new SharedArray(name, fn)`.
func (d *Data) construct(call sobek.ConstructorCall) *sobek.Object {
	rt := d.vu.Runtime()
	if d.vu.InitEnv() == nil {
		panic(rt.NewGoError(errors.New("new SharedArray must be called in the init context (outside of default, setup and teardown)")))
	}
	name := ""
	if v := call.Argument(0); !sobek.IsUndefined(v) && !sobek.IsNull(v) {
		name = v.String()
	}
	if name == "" {
		panic(rt.NewTypeError("SharedArray: the name (first argument) must be a non-empty string"))
	}
	fn, ok := sobek.AssertFunction(call.Argument(1))
	if !ok {
		panic(rt.NewTypeError(fmt.Sprintf("SharedArray %q: the second argument must be a function that returns an array", name)))
	}
	if err := d.helpers(); err != nil {
		panic(rt.NewGoError(fmt.Errorf("SharedArray %q: %w", name, err)))
	}
	data, err := d.get(name, fn)
	if err != nil {
		var jsErr *sobek.Exception
		if errors.As(err, &jsErr) {
			panic(jsErr) // the user's function threw: rethrow it as is
		}
		panic(rt.NewGoError(fmt.Errorf("SharedArray %q: %w", name, err)))
	}
	return rt.NewDynamicArray(&array{d: d, data: data})
}

// get returns the run's data for name, running fn on this VU if no VU has
// built it yet. VUs initialising concurrently with the same name wait for the
// first; if fn fails, the next VU tries again.
func (d *Data) get(name string, fn sobek.Callable) (*shared, error) {
	if d.building[name] {
		return nil, errors.New("its function constructs a SharedArray of the same name")
	}
	e := slot(d.vu.InitEnv().Registry, name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.data != nil {
		return e.data, nil
	}
	if d.building == nil {
		d.building = make(map[string]bool)
	}
	d.building[name] = true
	defer delete(d.building, name)
	data, err := d.build(fn)
	if err != nil {
		return nil, err
	}
	e.data = data
	return data, nil
}

// build runs fn and stores each element of the array it returns as JSON.
func (d *Data) build(fn sobek.Callable) (*shared, error) {
	res, err := fn(sobek.Undefined())
	if err != nil {
		return nil, err
	}
	obj, ok := res.(*sobek.Object)
	if !ok || obj.ClassName() != "Array" {
		return nil, errors.New("its function must return an array")
	}
	n := int(obj.Get("length").ToInteger())
	s := &shared{offs: make([]int, 1, n+1)}
	for i := range n {
		js, err := d.stringify(sobek.Undefined(), obj.Get(strconv.Itoa(i)))
		if err != nil {
			// %v, not %w: this is not the user's exception to rethrow as is
			return nil, fmt.Errorf("element %d cannot be serialised as JSON: %v", i, err) //nolint:errorlint

		}
		if sobek.IsUndefined(js) { // undefined, functions and symbols: null, as JSON.stringify does in arrays
			s.buf = append(s.buf, "null"...)
		} else {
			s.buf = append(s.buf, js.String()...)
		}
		s.offs = append(s.offs, len(s.buf))
	}
	// Trim the spare capacity: this copy lives for the whole run.
	s.buf = append([]byte(nil), s.buf...)
	return s, nil
}

// array is a VU's view of shared data: a read-only Array whose elements are
// decoded on each access.
type array struct {
	d    *Data
	data *shared
}

var _ sobek.DynamicArray = (*array)(nil)

// Len returns the number of elements.
func (a *array) Len() int { return a.data.Len() }

// Get decodes element idx into deep-frozen values; undefined outside the array.
func (a *array) Get(idx int) sobek.Value {
	if idx < 0 || idx >= a.data.Len() {
		return sobek.Undefined()
	}
	rt := a.d.vu.Runtime()
	dec := decoder{rt: rt, freeze: a.d.freeze, preventExtensions: a.d.preventExtensions}
	v, err := dec.decode(a.data.JSON(idx))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	return v
}

// Set refuses: the array is read-only (a TypeError in strict code).
func (a *array) Set(int, sobek.Value) bool { return false }

// SetLen refuses: the array is read-only.
func (a *array) SetLen(int) bool { return false }
