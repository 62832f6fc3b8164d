package js_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/engine"
	"github.com/stampede-load/stampede/js"
)

// TestScripts runs each script's default function once on VU 1 (after
// setup). Scripts assert with `throw`; wantErr is a substring of the error
// from loading (init) or from the iteration.
func TestScripts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   map[string]string
		env     map[string]string
		wantErr string
		is      error // errors.Is target for wantErr
	}{
		{
			name: "esm default and named imports of built-ins",
			files: map[string]string{"script.js": `
				import exec from "k6/execution";
				import { check, sleep } from "k6";
				import * as k6 from "k6";
				export default function () {
					if (typeof check !== "function" || typeof sleep !== "function" || typeof k6.group !== "function") throw new Error("named imports");
					if (exec.vu.idInInstance !== 1) throw new Error("default import: " + exec.vu.idInInstance);
				}`},
		},
		{
			name: "commonjs require",
			files: map[string]string{
				"script.js": `const k6 = require("k6"); const lib = require("./lib.js");
					module.exports.default = function () { if (lib.twice(2) !== 4 || typeof k6.check !== "function") throw new Error("cjs") };`,
				"lib.js": `module.exports = { twice: (x) => x * 2 };`,
			},
		},
		{
			name: "relative imports resolve against the importing file",
			files: map[string]string{
				"script.js":         `import { value } from "./lib/util.js"; export default function () { if (value !== "nested:7") throw new Error(value) }`,
				"lib/util.js":       `import data from "../data.json"; import { prefix } from "./sub/prefix.ts"; export const value = prefix + data.n;`,
				"lib/sub/prefix.ts": `export const prefix: string = "nested:";`,
				"data.json":         `{"n": 7}`,
			},
		},
		{
			name: "absolute import",
			files: map[string]string{
				"script.js": `import { v } from "/s/abs.mjs"; export default function () { if (v !== 1) throw new Error() }`,
				"abs.mjs":   `export const v = 1;`,
			},
		},
		{
			name: "modules are evaluated once per VU",
			files: map[string]string{
				"script.js":  `import "./counter.js"; import "./counter.js"; import { n } from "./counter.js"; export default function () { if (globalThis.loads !== 1) throw new Error("loads " + globalThis.loads) }`,
				"counter.js": `globalThis.loads = (globalThis.loads || 0) + 1; export const n = 1;`,
			},
		},
		{
			name: "exports are live bindings",
			files: map[string]string{
				"script.js": `import * as lib from "./lib.js"; import { counter, inc } from "./lib.js"; import def from "./lib.js";
					export default function () {
						inc(); inc();
						if (lib.counter !== 2 || counter !== 2) throw new Error("live binding: " + lib.counter + "/" + counter);
						if (lib["my-key"] !== 1 || def() !== "d") throw new Error("keys");
						if (Object.keys(lib).sort().join() !== "counter,default,inc,my-key") throw new Error(Object.keys(lib).join());
						if (!("inc" in lib) || ("nope" in lib) || lib.nope !== undefined) throw new Error("in");
					}`,
				"lib.js": `export let counter = 0; export function inc() { counter++ } const a = 1; export { a as "my-key" }; export default () => "d";`,
			},
		},
		{
			name: "typescript main script",
			files: map[string]string{"script.ts": `
				interface Data { n: number }
				export function setup(): Data { return { n: 3 } }
				export default function (data: Data): void { if (data.n !== 3) throw new Error("ts") }`},
		},
		{
			name:    "remote module",
			files:   map[string]string{"script.js": `import x from "https://example.com/lib/helpers.js"; export default function () {}`},
			wantErr: `cannot load "https://example.com/lib/helpers.js": Stampede does not download modules while loading a script; save the file next to your script and import it by its relative path (for example "./helpers.js")`,
			is:      engine.ErrScriptException,
		},
		{
			name:    "bare module name",
			files:   map[string]string{"script.js": `import _ from "lodash"; export default function () {}`},
			wantErr: `"lodash" is not a k6 module, a registered extension`,
		},
		{
			name:    "unknown extension",
			files:   map[string]string{"script.js": `import x from "k6/x/nothing"; export default function () {}`},
			wantErr: `unknown module "k6/x/nothing"`,
		},
		{
			name:    "missing local file",
			files:   map[string]string{"script.js": `import x from "./nope.js"; export default function () {}`},
			wantErr: "cannot read /s/nope.js",
		},
		{
			name: "jslib k6-utils",
			files: map[string]string{"script.js": `
				import { randomIntBetween, randomItem, randomString, uuidv4, findBetween, normalDistributionStages } from "https://jslib.k6.io/k6-utils/1.4.0/index.js";
				export default function () {
					for (let i = 0; i < 200; i++) { const n = randomIntBetween(3, 5); if (n < 3 || n > 5 || n !== Math.floor(n)) throw new Error("int " + n) }
					if (![1, 2].includes(randomItem([1, 2]))) throw new Error("item");
					const s = randomString(12, "ab"); if (!/^[ab]{12}$/.test(s)) throw new Error("string " + s);
					if (!/^[a-z]{8}$/.test(randomString(8))) throw new Error("default charset");
					const u = uuidv4(); if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)) throw new Error("uuid " + u);
					if (findBetween("<a>1</a><a>2</a>", "<a>", "</a>") !== "1") throw new Error("between");
					if (findBetween("<a>1</a><a>2</a>", "<a>", "</a>", true).join() !== "1,2") throw new Error("between repeat");
					if (findBetween("x", "<a>", "</a>") !== null) throw new Error("between missing");
					const st = normalDistributionStages(100, 130, 10);
					if (st.length !== 13 || st[12].target !== 0 || Math.max(...st.map(s => s.target)) !== 100 || st[0].duration !== "10s") throw new Error(JSON.stringify(st));
				}`},
		},
		{
			name: "open text and binary, relative to the importing file",
			files: map[string]string{
				"script.js": `import { fromLib } from "./lib/l.js"; const txt = open("data.txt"); const bin = open("./data.txt", "b");
					export default function () {
						if (txt !== "héllo") throw new Error("text " + txt);
						if (!(bin instanceof ArrayBuffer) || bin.byteLength !== 6) throw new Error("binary");
						if (fromLib !== "lib data") throw new Error("lib " + fromLib);
					}`,
				"data.txt":  "héllo",
				"lib/l.js":  `export const fromLib = open("./d.txt");`,
				"lib/d.txt": "lib data",
			},
		},
		{
			// Modules that do not mention open get no open parameter; one
			// that reaches it through eval does, and the global is there.
			name: "open through eval and the global",
			files: map[string]string{
				"script.js": `import { viaEval } from "./lib/e.js"; import { n } from "./lib/plain.js";
					const viaGlobal = globalThis["op" + "en"]("./data.txt");
					export default function () {
						if (viaEval !== "lib data" || viaGlobal !== "héllo" || n !== 1) throw new Error([viaEval, viaGlobal, n].join());
					}`,
				"data.txt":     "héllo",
				"lib/e.js":     `export const viaEval = eval("op" + "en")("./d.txt");`,
				"lib/plain.js": `export const n = 1;`,
				"lib/d.txt":    "lib data",
			},
		},
		{
			name:    "open outside the init context",
			files:   map[string]string{"script.js": `export default function () { open("script.js") }`},
			wantErr: `the "open()" function is only available in the init context`,
			is:      engine.ErrScriptException,
		},
		{
			name:    "open a missing file",
			files:   map[string]string{"script.js": `open("missing.txt"); export default function () {}`},
			wantErr: "open(): cannot read /s/missing.txt: file does not exist",
		},
		{
			name: "__ENV and __VU",
			files: map[string]string{"script.js": `
				const initVU = __VU;
				export function setup() { if (__VU !== 0) throw new Error("setup __VU " + __VU); return {} }
				export default function () {
					if (__ENV.BASE_URL !== "http://x" || initVU !== 1 || __VU !== 1 || __ITER !== 0) throw new Error([__ENV.BASE_URL, initVU, __VU, __ITER].join());
				}`},
			env: map[string]string{"BASE_URL": "http://x"},
		},
		{
			name: "__ENV is writable per VU",
			files: map[string]string{"script.js": `
				const check = (got, want) => { if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(JSON.stringify(got) + " != " + JSON.stringify(want)); };
				check(Object.keys(__ENV), ["A", "B"]);
				__ENV.C = 3; __ENV.A = "a2"; delete __ENV.B;
				check([__ENV.A, __ENV.B, __ENV.C, "B" in __ENV, "C" in __ENV], ["a2", undefined, 3, false, true]);
				check(JSON.stringify(__ENV), '{"A":"a2","C":3}');
				delete __ENV.C; __ENV.B = "b2";
				check(Object.keys(__ENV), ["A", "B"]);
				check(__ENV.B, "b2");
				export default function () {}`},
			env: map[string]string{"A": "a", "B": "b"},
		},
		{
			name:    "syntax error position",
			files:   map[string]string{"script.js": "export default function () {\n  let x = ;\n}\n"},
			wantErr: "file:///s/script.js:2:11: Unexpected \";\"",
			is:      engine.ErrScriptException,
		},
		{
			name:    "typescript runtime error position",
			files:   map[string]string{"script.ts": "type T = { a: number };\nconst t: T = { a: 1 };\n\nexport default function (): void {\n  const o: any = undefined;\n  o.boom();\n}\n"},
			wantErr: "file:///s/script.ts:6:",
			is:      engine.ErrScriptException,
		},
		{
			name:    "error in imported typescript points at its line",
			files:   map[string]string{"script.js": `import { f } from "./lib.ts"; export default function () { f() }`, "lib.ts": "export function f(): never {\n  // comment\n  throw new Error(\"from lib\");\n}\n"},
			wantErr: "file:///s/lib.ts:3:9",
		},
		{
			name:    "exception in init",
			files:   map[string]string{"script.js": "const a = 1;\nthrow new Error('init failed');\nexport default function () {}"},
			wantErr: "Error: init failed\n\tat file:///s/script.js:2:7",
			is:      engine.ErrScriptException,
		},
		{
			name:    "invalid options",
			files:   map[string]string{"script.js": `export const options = { vus: "ten" }; export default function () {}`},
			wantErr: "vus",
			is:      config.ErrInvalidConfig,
		},
		{
			name: "extension with one import",
			files: map[string]string{"script.js": `
				import example from "k6/x/example";
				import { greet } from "k6/x/example";
				export default async function () {
					if (greet("you") !== "hello, you" || example.greet("me") !== "hello, me") throw new Error("greet");
					const v = await example.later(5, 5);
					if (v !== 5) throw new Error("later " + v);
				}`},
		},
		{
			name: "async default awaits timers",
			files: map[string]string{"script.js": `
				import { setTimeout as st } from "k6/timers";
				export default async function () {
					const order = [];
					await new Promise((r) => st(() => { order.push(1); r() }, 10));
					await new Promise((r) => setTimeout(() => { order.push(2); r() }, 1));
					if (order.join() !== "1,2") throw new Error(order.join());
				}`},
		},
		{
			name:    "rejected async iteration",
			files:   map[string]string{"script.js": "export default async function () {\n  await null;\n  throw new Error('async boom');\n}"},
			wantErr: "Uncaught (in promise) Error: async boom",
			is:      engine.ErrScriptException,
		},
		{
			name:    "unhandled rejection",
			files:   map[string]string{"script.js": `export default function () { Promise.reject(new Error("lost")) }`},
			wantErr: "Uncaught (in promise) Error: lost",
			is:      engine.ErrScriptException,
		},
		{
			name:    "error in a timer callback",
			files:   map[string]string{"script.js": `export default function () { setTimeout(() => { throw new Error("in timer") }, 1) }`},
			wantErr: "in timer",
			is:      engine.ErrScriptException,
		},
		{
			name:    "fail",
			files:   map[string]string{"script.js": `import { fail } from "k6"; export default function () { fail("custom reason") }`},
			wantErr: "custom reason",
			is:      engine.ErrScriptException,
		},
		{
			name:    "group rejects async functions",
			files:   map[string]string{"script.js": `import { group } from "k6"; export default function () { group("g", async () => {}) }`},
			wantErr: "group() does not support async functions",
		},
		{
			name:    "check in init",
			files:   map[string]string{"script.js": `import { check } from "k6"; check(1, { a: true }); export default function () {}`},
			wantErr: "using check() in the init context is not supported",
		},
		{
			name:    "check rethrows",
			files:   map[string]string{"script.js": `import { check } from "k6"; export default function () { check(1, { a: () => { throw new Error("in check") } }) }`},
			wantErr: "in check",
		},
		{
			name: "randomSeed",
			files: map[string]string{"script.js": `import { randomSeed } from "k6";
				export default function () {
					randomSeed(7); const a = [Math.random(), Math.random()];
					randomSeed(7); const b = [Math.random(), Math.random()];
					if (a.join() !== b.join() || a[0] === a[1]) throw new Error(a + " / " + b);
				}`},
		},
		{
			name: "setup data is a JSON copy",
			files: map[string]string{"script.js": `
				export function setup() { return { d: new Date(0), n: 1, f: function () {} } }
				export default function (data) {
					if (data.d !== "1970-01-01T00:00:00.000Z" || data.n !== 1 || "f" in data) throw new Error(JSON.stringify(data));
				}`},
		},
		{
			name: "execution info",
			files: map[string]string{"script.js": `
				import exec from "k6/execution";
				export const options = { vus: 3, tags: { t: "1" } };
				export function setup() {
					let threw = false;
					try { exec.scenario.name } catch (e) { threw = true }
					if (!threw) throw new Error("scenario in setup");
				}
				export default function () {
					const got = [exec.vu.idInInstance, exec.vu.idInTest, exec.vu.iterationInInstance, exec.vu.iterationInScenario,
						exec.scenario.name, exec.scenario.executor, exec.scenario.startTime, exec.scenario.progress,
						exec.scenario.iterationInInstance, exec.scenario.iterationInTest,
						exec.instance.vusActive, exec.instance.vusInitialized, exec.instance.iterationsCompleted,
						exec.instance.iterationsInterrupted, exec.instance.currentTestRunDuration, exec.test.options.vus].join();
					if (got !== "1,1,0,0,default,shared-iterations,100000,0.5,0,100,7,8,9,1,1500,3") throw new Error(got);
					if (exec.vu.metrics.tags.t !== "1" || exec.vu.metrics.tags.scenario !== "default") throw new Error(JSON.stringify(exec.vu.metrics.tags));
					let threw = false;
					try { exec.vu.metrics.tags.x = {} } catch (e) { threw = true }
					if (!threw) throw new Error("object tag accepted");
				}`},
		},
		{
			name:    "exec in init",
			files:   map[string]string{"script.js": `import exec from "k6/execution"; exec.vu.idInInstance; export default function () {}`},
			wantErr: "getting VU information in the init context is not supported",
		},
		{
			name:    "abort",
			files:   map[string]string{"script.js": `import exec from "k6/execution"; export default function () { exec.test.abort("enough"); throw new Error("not reached") }`},
			wantErr: "test aborted by the script: enough",
			is:      engine.ErrScriptAborted,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := runOnce(t, tc.files, tc.env)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tc.wantErr)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v does not wrap %v", err, tc.is)
			}
		})
	}
}

// runOnce loads files, runs setup and one iteration of default on VU 1.
func runOnce(t *testing.T, files map[string]string, envVars map[string]string) error {
	t.Helper()
	e, err := load(t, files, envVars)
	if err != nil {
		return err
	}
	if _, err := e.r.Setup(context.Background(), e.out); err != nil {
		return err
	}
	v, err := e.r.NewVU(context.Background(), 1, 1, e.out)
	if err != nil {
		return err
	}
	return activate(context.Background(), v, "").RunOnce()
}

var _ = js.ErrInterrupted
