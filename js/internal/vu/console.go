package vu

import (
	"strings"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
)

func (v *VU) installConsole() {
	rt := v.rt
	c := rt.NewObject()
	mk := func(level logrus.Level) func(sobek.FunctionCall) sobek.Value {
		return func(call sobek.FunctionCall) sobek.Value {
			v.consoleLog(level, call.Arguments)
			return sobek.Undefined()
		}
	}
	_ = c.Set("log", mk(logrus.InfoLevel))
	_ = c.Set("info", mk(logrus.InfoLevel))
	_ = c.Set("debug", mk(logrus.DebugLevel))
	_ = c.Set("warn", mk(logrus.WarnLevel))
	_ = c.Set("error", mk(logrus.ErrorLevel))
	_ = rt.GlobalObject().Set("console", c)
}

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
