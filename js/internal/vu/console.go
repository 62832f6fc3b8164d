package vu

import (
	"strings"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
)

// console is the global console object; its methods are created on first use.
type console struct {
	v     *VU
	funcs map[string]sobek.Value
}

var consoleLevels = map[string]logrus.Level{
	"log": logrus.InfoLevel, "info": logrus.InfoLevel, "debug": logrus.DebugLevel,
	"warn": logrus.WarnLevel, "error": logrus.ErrorLevel,
}

var consoleKeys = []string{"debug", "error", "info", "log", "warn"}

func (c *console) Get(key string) sobek.Value {
	if f, ok := c.funcs[key]; ok {
		return f
	}
	level, ok := consoleLevels[key]
	if !ok {
		return nil
	}
	f := c.v.rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
		c.v.consoleLog(level, call.Arguments)
		return sobek.Undefined()
	})
	if c.funcs == nil {
		c.funcs = make(map[string]sobek.Value, 2)
	}
	c.funcs[key] = f
	return f
}

func (c *console) Set(string, sobek.Value) bool { return false }
func (c *console) Has(key string) bool          { _, ok := consoleLevels[key]; return ok }
func (c *console) Delete(string) bool           { return false }
func (c *console) Keys() []string               { return consoleKeys }

// consoleLog writes one console call through the VU's logger with the fields
// source=console and, while the VU runs, vu and iter.
func (v *VU) consoleLog(level logrus.Level, args []sobek.Value) {
	logger := v.logger
	if st := v.state; st != nil && st.Logger != nil {
		logger = st.Logger
	}
	if logger == nil {
		return
	}
	fields := logrus.Fields{"source": "console"}
	if st := v.state; st != nil {
		fields["vu"] = st.VUID
		fields["iter"] = st.Iteration
	}
	entry := logger.WithFields(fields)
	msg := FormatConsoleArgs(v.rt, args)
	switch level {
	case logrus.DebugLevel:
		entry.Debug(msg)
	case logrus.WarnLevel:
		entry.Warn(msg)
	case logrus.ErrorLevel:
		entry.Error(msg)
	default:
		entry.Info(msg)
	}
}

// FormatConsoleArgs renders console arguments as k6 does: strings as they
// are, errors as their stack (or message), other objects as JSON when they
// can be encoded, everything else by its string conversion; separated by
// spaces.
func FormatConsoleArgs(rt *sobek.Runtime, args []sobek.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(formatValue(rt, a))
	}
	return b.String()
}

func formatValue(rt *sobek.Runtime, a sobek.Value) (out string) {
	if a == nil {
		return "undefined"
	}
	o, ok := a.(*sobek.Object)
	if !ok {
		return a.String()
	}
	if _, isFn := sobek.AssertFunction(a); isFn {
		return a.String()
	}
	if o.ClassName() == "Error" {
		if st := o.Get("stack"); st != nil && !sobek.IsUndefined(st) {
			return st.String()
		}
		return a.String()
	}
	defer func() {
		if recover() != nil {
			out = a.String()
		}
	}()
	if b, err := o.MarshalJSON(); err == nil {
		return string(b)
	}
	return a.String()
}
