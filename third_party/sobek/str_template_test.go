package sobek

import "testing"

// STAMPEDE: the String constructor made from a template (createStringTemplate)
// looks and behaves as upstream's: want is upstream's output for the script.
func TestStringConstructorTemplate(t *testing.T) {
	const src = `[
		Object.getOwnPropertyNames(String).join(),
		String.length, String.name, typeof String, String.prototype.constructor === String,
		JSON.stringify(Object.getOwnPropertyDescriptor(String, "prototype")),
		JSON.stringify(Object.getOwnPropertyDescriptor(String, "raw").enumerable),
		String.fromCharCode(104, 105), String.fromCodePoint(0x1F600).length, String.raw` + "`a\\\\n${1}`" + `,
		String(12), typeof new String("x"), new String("ab").length, String(Symbol("s")),
		class S extends String {}, new (class S extends String { up() { return this.toUpperCase() } })("q").up(),
		Object.getPrototypeOf(String) === Function.prototype, String.toString(),
		Reflect.construct(String, ["z"], Object) instanceof String, delete String.raw, String.raw, Object.getOwnPropertyNames(String).join(),
	].map(String).join("|")`
	v, err := New().RunString(src)
	if err != nil {
		t.Fatal(err)
	}
	const want = `length,name,prototype,fromCharCode,fromCodePoint,raw|1|String|function|true|{"value":{},"writable":false,"enumerable":false,"configurable":false}|false|hi|2|a\\n1|12|object|2|Symbol(s)|class S extends String {}|Q|true|function String() { [native code] }|false|true|undefined|length,name,prototype,fromCharCode,fromCodePoint`
	if v.String() != want {
		t.Fatalf("got  %s\nwant %s", v, want)
	}
}
