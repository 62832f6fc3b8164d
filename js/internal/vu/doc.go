// Package vu is the core of one virtual user's JavaScript environment, shared
// by the script runner (package js) and the module test harness
// (js/modulestest): a sobek runtime with Stampede's field-name mapping, the
// VU's event loop, the console, timer globals, and per-VU instances of
// registered modules. It implements modules.VU.
package vu
