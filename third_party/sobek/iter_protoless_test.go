package sobek

import "testing"

// STAMPEDE: iterating an array before %ArrayIteratorPrototype% exists uses
// an iterator without prototype (protolessArrayIter). Each script must
// give the same result as in a runtime that made the prototype first,
// where the ordinary path runs.
func TestProtolessArrayIter(t *testing.T) {
	scripts := map[string]string{
		"values": `var out = []; for (const x of [1, , 3]) out.push(x); out.push(...[4, 5]); const [a, b] = [6, 7, 8];
			out.push(a, b, Array.from([9]).length, new Set([1, 1, 2]).size, new Map([[1, 2]]).get(1)); out.join()`,
		"return on Object.prototype": `var log = [];
			Object.prototype.return = function () { log.push("return " + (this !== undefined)); return {}; };
			for (const x of [1, 2]) { log.push(x); break; }
			const [c] = [1, 2];
			try { for (const x of [1]) throw new Error("e"); } catch (e) { log.push(e.message); }
			delete Object.prototype.return; log.join()`,
		"return on %IteratorPrototype%": `var log = [];
			const IP = Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())));
			IP.return = function () { log.push("IP return"); return {}; };
			for (const x of [1, 2]) break;
			delete IP.return; log.join()`,
		"getter receives the iterator": `var log = [];
			Object.defineProperty(Object.prototype, "return", { configurable: true, get() { log.push(Object.prototype.toString.call(this)); return undefined; } });
			for (const x of [1, 2]) break;
			delete Object.prototype.return; log.join()`,
		"the iterator handed to return": `var leaked;
			Object.prototype.return = function () { leaked = this; return {}; };
			for (const x of [1, 2]) break;
			delete Object.prototype.return;
			[Object.getPrototypeOf(leaked) === Object.getPrototypeOf([][Symbol.iterator]()), leaked.next().value, String(leaked)].join()`,
		"yield* delegating": `var log = [];
			Object.prototype.return = function (v) { log.push("return " + v); return { done: true, value: v }; };
			function* g() { yield* [1, 2, 3]; }
			const it = g(); log.push(it.next().value); log.push(JSON.stringify(it.return(9)));
			delete Object.prototype.return;
			const it2 = g(); it2.next();
			try { it2.throw(new Error("t")); } catch (e) { log.push(e.constructor.name); }
			log.join()`,
		"replaced iterator": `var out = []; const arr = [1, 2]; arr[Symbol.iterator] = function* () { yield "own"; };
			for (const x of arr) out.push(x); out.join()`,
		"array-like with values": `var out = []; const o = { length: 2, 0: "a", 1: "b", [Symbol.iterator]: Array.prototype.values };
			for (const x of o) out.push(x); out.join()`,
	}
	for name, src := range scripts {
		t.Run(name, func(t *testing.T) {
			fresh := New()
			got, err := fresh.RunString(src)
			if err != nil {
				t.Fatal(err)
			}
			ordinary := New()
			if _, err := ordinary.RunString(`[][Symbol.iterator]()`); err != nil {
				t.Fatal(err)
			}
			want, err := ordinary.RunString(src)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
	// The fast path ran and left the prototypes unmade.
	r := New()
	if _, err := r.RunString(`for (const x of [1, 2]) {}`); err != nil {
		t.Fatal(err)
	}
	if r.global.ArrayIteratorPrototype != nil || r.global.IteratorPrototype != nil {
		t.Fatal("a for-of over an array made the iterator prototypes")
	}
}
