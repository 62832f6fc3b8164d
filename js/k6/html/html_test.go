package html_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	_ "github.com/stampede-load/stampede/js/k6/html"
	"github.com/stampede-load/stampede/js/modulestest"
)

// page is the document most tests query.
const page = `<!DOCTYPE html>
<html lang="en">
<head>
  <title>Test page</title>
  <meta name="description" content="a test">
  <link rel="stylesheet alternate" href="/style.css">
  <script src="app.js" async></script>
</head>
<body>
<h1 id="top" class="title main" data-test-id="data-value" data-count="42" data-flag="true" data-obj='{"a":[1,2]}' data-none="null" data-float="1.50">Hello <b>world</b></h1>
<!-- a comment -->
<dl>
  <dt id="term-1">term 1</dt>
  <dd>definition 1-a</dd>
  <dd>definition 1-b</dd>
  <dt id="term-2">term 2</dt>
  <dd>definition 2-a</dd>
  <dt id="term-3">term 3</dt>
  <dd>definition 3-a</dd>
</dl>
<ul id="list"><li class="a">one</li><li class="b">two</li><li class="a b">three</li></ul>
<a id="rel" href="/path/page?x=1&amp;y=2#frag" rel="next nofollow">Relative</a>
<a id="abs" href="https://user:pw@example.com:8443/a/b?q=z#h">Absolute</a>
<img id="logo" src="img/logo.png" alt="Logo" width="120">
<form id="login" action="/login" method="POST">
  <fieldset id="fs">
    <legend>Login</legend>
    <label for="user">User</label>
    <input type="text" id="user" name="username" value="alice">
    <label id="pwlabel">Password <input type="password" name="password" value="s3cret"></label>
  </fieldset>
  <input type="hidden" name="csrf" value="tok en&amp;=1">
  <input type="checkbox" name="remember" checked>
  <input type="checkbox" name="news" value="yes">
  <input type="radio" name="color" value="red">
  <input type="radio" name="color" value="blue" checked>
  <select name="lang"><option value="en">English</option><option selected>  Fran&ccedil;ais </option></select>
  <select name="tags" multiple><option value="a" selected>A</option><option value="b">B</option><optgroup label="more"><option value="c" selected>C</option></optgroup></select>
  <select name="empty"><option disabled>no</option><option value="first">first</option></select>
  <textarea name="bio">line1
line2</textarea>
  <input type="text" name="off" value="x" disabled>
  <fieldset disabled><input name="inDisabled" value="y"></fieldset>
  <input type="file" name="upload">
  <input type="text" value="noname">
  <button type="submit" name="action" value="go">Go</button>
  <button type="button" name="other">Other <i>btn</i></button>
</form>
<input form="login" name="outside" value="o">
<table id="t"><caption>Cap</caption><thead><tr><th>H</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr><tr><td>3</td><td id="cell">4</td></tr></tbody><tfoot><tr><td>F</td></tr></tfoot></table>
<progress id="prog" value="30" max="120"></progress>
<svg id="svg"><a xlink:href="#x"></a></svg>
</body></html>`

// newRT returns a runtime with k6/html as `html` and page parsed as `doc`.
func newRT(t *testing.T) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.New(t)
	if err := rt.Sobek().Set("PAGE", page); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RunScript(`var html = require("k6/html"); var doc = html.parseHTML(PAGE);`); err != nil {
		t.Fatal(err)
	}
	return rt
}

type jsCase struct {
	expr string // a JS expression
	want string // its value as JSON
}

// check evaluates each expression with JSON.stringify and compares it with
// the expected JSON.
func check(t *testing.T, rt *modulestest.Runtime, cases []jsCase) {
	t.Helper()
	for _, c := range cases {
		v, err := rt.RunScript("JSON.stringify(" + c.expr + ")")
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		var got, want any
		undef := v == nil || v.ExportType() == nil
		if c.want == "undefined" || undef {
			if !undef || c.want != "undefined" {
				t.Errorf("%s = %v, want %s", c.expr, v, c.want)
			}
			continue
		}
		if err := json.Unmarshal([]byte(v.String()), &got); err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if err := json.Unmarshal([]byte(c.want), &want); err != nil {
			t.Fatalf("bad want %q: %v", c.want, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %s\nwant %s", c.expr, v.String(), c.want)
		}
	}
}

func TestDocsExamples(t *testing.T) {
	rt := modulestest.New(t)
	// k6's Element example.
	check(t, rt, []jsCase{{`(() => {
		const { parseHTML } = require("k6/html");
		const sel = parseHTML('<dl>\n  <dt id="term-1">Value term 1</dt>\n  <dt id="term-2">Value term 2</dt>\n</dl>').find('dl').children();
		const el1 = sel.get(0), el2 = sel.get(1);
		return [el1.nodeName(), el1.id(), el1.textContent(), el2.nodeName(), el2.id(), el2.textContent()];
	})()`, `["dt","term-1","Value term 1","dt","term-2","Value term 2"]`}})
}

func TestSelectionTraversal(t *testing.T) {
	rt := newRT(t)
	check(t, rt, []jsCase{
		{`doc.find("title").text()`, `"Test page"`},
		{`doc.find("html").attr("lang")`, `"en"`},
		{`doc.find("dt").size()`, `3`},
		{`doc.find("dl").children().size()`, `7`},
		{`doc.find("dl").children("dt").map((i, s) => s.text())`, `["term 1","term 2","term 3"]`},
		{`doc.find("#term-2").next().text()`, `"definition 2-a"`},
		{`doc.find("#term-2").next("dt").size()`, `0`},
		{`doc.find("#term-2").nextAll().map((i, s) => s.text())`, `["definition 2-a","term 3","definition 3-a"]`},
		{`doc.find("#term-2").nextAll("dd").size()`, `2`},
		{`doc.find("#term-1").nextUntil("#term-3").size()`, `4`},
		{`doc.find("#term-1").nextUntil("#term-3", "dd").map((i, s) => s.text())`, `["definition 1-a","definition 1-b","definition 2-a"]`},
		{`doc.find("#term-1").nextUntil(doc.find("#term-2")).size()`, `2`},
		{`doc.find("#term-1").nextUntil().size()`, `6`},
		{`doc.find("#term-2").prev().text()`, `"definition 1-b"`},
		{`doc.find("#term-2").prevAll().map((i, s) => s.text())`, `["definition 1-b","definition 1-a","term 1"]`},
		{`doc.find("#term-2").prevAll("dt").size()`, `1`},
		{`doc.find("#term-3").prevUntil("#term-1").size()`, `4`},
		{`doc.find("#term-3").prevUntil("#term-1", "dt").text()`, `"term 2"`},
		{`doc.find("#term-1").parent().is("dl")`, `true`},
		{`doc.find("#term-1").parent("ul").size()`, `0`},
		{`doc.find("#term-1").parents().map((i, s) => s.get(0).nodeName())`, `["dl","body","html"]`},
		{`doc.find("#term-1").parents("body").size()`, `1`},
		{`doc.find("#term-1").parentsUntil("html").map((i, s) => s.get(0).nodeName())`, `["dl","body"]`},
		{`doc.find("b").closest("h1").attr("id")`, `"top"`},
		{`doc.find("b").closest("table").size()`, `0`},
		{`doc.find("h1").contents().size()`, `2`},
		{`doc.find("h1").contents().first().text()`, `"Hello "`},
		{`doc.find("li").first().text()`, `"one"`},
		{`doc.find("li").last().text()`, `"three"`},
		{`doc.find("li").eq(1).text()`, `"two"`},
		{`doc.find("li").eq(-1).text()`, `"three"`},
		{`doc.find("li").eq(5).size()`, `0`},
		{`doc.find("li").slice(1).map((i, s) => s.text())`, `["two","three"]`},
		{`doc.find("li").slice(0, 2).map((i, s) => s.text())`, `["one","two"]`},
		{`doc.find("li").slice(-2, -1).text()`, `"two"`},
		{`doc.find("li").slice(2, 1).size()`, `0`},
		{`doc.find("li").text()`, `"onetwothree"`},
		{`doc.find("h1").html()`, `"Hello <b>world</b>"`},
		{`doc.find("nothing").html()`, `undefined`},
		{`doc.find("h1, dl").has("b").attr("id")`, `"top"`},
		{`doc.find("ul").find("li.b").size()`, `2`},
		{`doc.find("body").find(doc.find("li")).size()`, `3`},
		{`doc.find("[[[").size()`, `0`},
		{`doc.find("li").siblings(".b").size()`, `2`},
	})
}

func TestSelectionFilters(t *testing.T) {
	rt := newRT(t)
	check(t, rt, []jsCase{
		{`doc.find("li").filter(".a").map((i, s) => s.text())`, `["one","three"]`},
		{`doc.find("li").filter((i, s) => i % 2 === 0).map((i, s) => s.text())`, `["one","three"]`},
		{`doc.find("li").filter(doc.find(".b")).map((i, s) => s.text())`, `["two","three"]`},
		{`doc.find("li").filter(doc.find("li").get(1)).text()`, `"two"`},
		{`doc.find("li").not(".a").text()`, `"two"`},
		{`doc.find("li").not((i, s) => s.text() === "one").map((i, s) => s.text())`, `["two","three"]`},
		{`doc.find("li").not(doc.find(".b")).text()`, `"one"`},
		{`doc.find("li").is(".b")`, `true`},
		{`doc.find("li").is("dt")`, `false`},
		{`doc.find("li").is((i, s) => s.text() === "three")`, `true`},
		{`doc.find("li").is(doc.find("#list li.b"))`, `true`},
		{`doc.find("dt").is(doc.find("li"))`, `false`},
		{`doc.find("#term-2").index()`, `3`},
		{`doc.find("#term-2").index("dt")`, `1`},
		{`doc.find("dt").index(doc.find("#term-3"))`, `2`},
		{`doc.find("dt").index(doc.find("li"))`, `-1`},
		{`doc.find("nothing").index()`, `-1`},
	})
}

func TestSelectionIteration(t *testing.T) {
	rt := newRT(t)
	check(t, rt, []jsCase{
		{`(() => { const out = []; doc.find("dt").each((i, el) => { out.push(i + ":" + el.id()); }); return out; })()`,
			`["0:term-1","1:term-2","2:term-3"]`},
		{`(() => { const out = []; doc.find("dt").each(function (i, el) { out.push(this.id()); return i < 1 ? undefined : false; }); return out; })()`,
			`["term-1","term-2"]`},
		{`doc.find("dt").each(() => {})`, `undefined`},
		{`doc.find("dt").map((i, s) => ({ i, id: s.attr("id"), isSel: s instanceof html.Selection, n: s.size() }))`,
			`[{"i":0,"id":"term-1","isSel":true,"n":1},{"i":1,"id":"term-2","isSel":true,"n":1},{"i":2,"id":"term-3","isSel":true,"n":1}]`},
		{`doc.find("nothing").map(() => 1)`, `[]`},
		{`doc.find("li").toArray().map(s => [s.text(), s instanceof html.Selection])`, `[["one",true],["two",true],["three",true]]`},
		{`doc.find("li").get(1).textContent()`, `"two"`},
		{`doc.find("li").get(-1).textContent()`, `"three"`},
		{`doc.find("li").get(3)`, `undefined`},
		{`doc.find("li").get().textContent()`, `"one"`},
		{`doc.find("li").get(0) instanceof html.Element`, `true`},
	})
}

func TestSelectionAttrAndData(t *testing.T) {
	rt := newRT(t)
	check(t, rt, []jsCase{
		{`doc.find("a").attr("href")`, `"/path/page?x=1&y=2#frag"`},
		{`doc.find("a").attr("HREF")`, `"/path/page?x=1&y=2#frag"`},
		{`doc.find("a").attr("missing")`, `undefined`},
		{`doc.find("a").attr("missing", "fallback")`, `"fallback"`},
		{`doc.find("nothing").attr("id")`, `undefined`},
		{`doc.find("h1").data()`, `{"testId":"data-value","count":42,"flag":true,"obj":{"a":[1,2]},"none":null,"float":"1.50"}`},
		{`doc.find("h1").data("test-id")`, `"data-value"`},
		{`doc.find("h1").data("testId")`, `"data-value"`},
		{`typeof doc.find("h1").data("count")`, `"number"`},
		{`doc.find("h1").data("obj").a[1]`, `2`},
		{`doc.find("h1").data("missing")`, `undefined`},
		{`doc.find("nothing").data()`, `undefined`},
		{`doc.find("li").data()`, `{}`},
	})
}

func TestSelectionForms(t *testing.T) {
	rt := newRT(t)
	const fields = `[{"name":"username","value":"alice"},{"name":"password","value":"s3cret"},` +
		`{"name":"csrf","value":"tok en&=1"},{"name":"remember","value":"on"},{"name":"color","value":"blue"},` +
		`{"name":"lang","value":"Français"},{"name":"tags","value":"a"},{"name":"tags","value":"c"},` +
		`{"name":"empty","value":"first"},{"name":"bio","value":"line1\r\nline2"},{"name":"outside","value":"o"}]`
	check(t, rt, []jsCase{
		{`doc.find("form").serializeArray()`, fields},
		{`doc.find("form").serialize()`, `"username=alice&password=s3cret&csrf=tok+en%26%3D1&remember=on&color=blue&lang=Fran%C3%A7ais&tags=a&tags=c&empty=first&bio=line1%0D%0Aline2&outside=o"`},
		{`doc.find("form").serializeObject()`, `{"username":"alice","password":"s3cret","csrf":"tok en&=1","remember":"on","color":"blue","lang":"Français","tags":"c","empty":"first","bio":"line1\r\nline2","outside":"o"}`},
		// Controls themselves (not a form) serialize as they are.
		{`doc.find("input[name=username], input[name=news], select[name=tags]").serialize()`, `"username=alice&tags=a&tags=c"`},
		{`doc.find("li").serialize()`, `""`},
		{`doc.find("input[name=username]").val()`, `"alice"`},
		{`doc.find("input[name=remember]").val()`, `"on"`},
		{`doc.find("input[name=news]").val()`, `"yes"`},
		{`doc.find("select[name=lang]").val()`, `"Français"`},
		{`doc.find("select[name=tags]").val()`, `["a","c"]`},
		{`doc.find("select[name=empty]").val()`, `"first"`},
		{`doc.find("textarea").val()`, `"line1\nline2"`},
		{`doc.find("button[name=action]").val()`, `"go"`},
		{`doc.find("option").first().val()`, `"en"`},
		{`doc.find("h1").val()`, `undefined`},
		{`doc.find("nothing").val()`, `undefined`},
	})
}

func TestElement(t *testing.T) {
	rt := newRT(t)
	if _, err := rt.RunScript(`var h1 = doc.find("h1").get(0); var li = doc.find("li");`); err != nil {
		t.Fatal(err)
	}
	check(t, rt, []jsCase{
		{`[h1.nodeName(), h1.nodeType(), h1.nodeValue(), h1.id(), h1.textContent(), h1.innerHTML()]`,
			`["h1",1,null,"top","Hello world","Hello <b>world</b>"]`},
		{`String(h1)`, `"[object html.Node]"`},
		{`h1.toString()`, `"[object html.Node]"`},
		{`[h1.firstChild().nodeName(), h1.firstChild().nodeType(), h1.firstChild().nodeValue(), String(h1.firstChild())]`,
			`["#text",3,"Hello ","[object #text]"]`},
		{`h1.firstChild().innerHTML()`, `undefined`},
		{`[h1.nextSibling().nextSibling().nodeType(), h1.nextSibling().nextSibling().nodeValue()]`, `[8," a comment "]`},
		{`h1.nextElementSibling().nodeName()`, `"dl"`},
		{`h1.previousElementSibling()`, `undefined`},
		{`doc.find("dl").get(0).previousElementSibling().id()`, `"top"`},
		{`[h1.ownerDocument().nodeName(), h1.ownerDocument().nodeType()]`, `["#document",9]`},
		{`h1.ownerDocument().ownerDocument()`, `undefined`},
		{`[h1.parentElement().nodeName(), h1.parentNode().nodeName()]`, `["body","body"]`},
		{`h1.ownerDocument().firstChild().nodeType()`, `10`},
		{`h1.ownerDocument().firstChild().nodeName()`, `"html"`},
		{`doc.find("html").get(0).parentElement()`, `undefined`},
		{`doc.find("html").get(0).parentNode().nodeName()`, `"#document"`},
		{`[h1.childElementCount(), h1.children().length, h1.childNodes().length]`, `[1,1,2]`},
		{`h1.firstElementChild().nodeName()`, `"b"`},
		{`doc.find("ul").get(0).lastElementChild().textContent()`, `"three"`},
		{`doc.find("ul").get(0).lastChild().textContent()`, `"three"`},
		{`doc.find("b").get(0).firstElementChild()`, `undefined`},
		{`[h1.classList(), h1.className(), li.get(0).className(), doc.find("dl").get(0).className()]`,
			`[["title","main"],"title main","a",null]`},
		{`doc.find("dl").get(0).className()`, `undefined`},
		{`[doc.find("html").get(0).lang(), h1.lang()]`, `["en",null]`},
		{`[h1.hasAttribute("data-count"), h1.hasAttribute("nope"), h1.getAttribute("data-count"), h1.getAttribute("nope")]`,
			`[true,false,"42",null]`},
		{`h1.getAttribute("nope")`, `undefined`},
		{`[h1.hasAttributes(), doc.find("dl").get(0).hasAttributes(), h1.hasChildNodes(), doc.find("b").get(0).firstChild().hasChildNodes()]`,
			`[true,false,true,false]`},
		{`Object.keys(h1.attributes())`, `["id","class","data-test-id","data-count","data-flag","data-obj","data-none","data-float"]`},
		{`(() => { const a = h1.attributes()["class"]; return [a.name, a.value, a.ownerElement.id(), a.localName(), a.prefix(), a.namespaceURI()]; })()`,
			`["class","title main","top","class","",""]`},
		{`(() => { const a = h1.getAttributeNode("ID"); return [a.name, a.value]; })()`, `["id","top"]`},
		{`h1.getAttributeNode("nope")`, `undefined`},
		{`(() => { const a = doc.find("svg a").get(0).attributes()["xlink:href"]; return [a.name, a.value, a.localName(), a.prefix(), a.namespaceURI()]; })()`,
			`["xlink:href","#x","href","xlink","http://www.w3.org/1999/xlink"]`},
		{`[h1.namespaceURI(), h1.isDefaultNamespace(), doc.find("#svg").get(0).namespaceURI(), doc.find("#svg").get(0).isDefaultNamespace()]`,
			`["http://www.w3.org/1999/xhtml",true,"http://www.w3.org/2000/svg",false]`},
		{`[li.get(0).isSameNode(li.get(0)), li.get(0).isSameNode(li.get(2)), li.get(0).isSameNode("x")]`, `[true,false,false]`},
		{`[li.get(0).isEqualNode(li.get(2)), li.get(0).isEqualNode(html.parseHTML('<ul><li class="a">one</li></ul>').find("li").get(0))]`, `[false,true]`},
		{`[h1.contains(h1), h1.contains(h1.firstElementChild()), h1.firstElementChild().contains(h1), h1.contains(h1.firstChild())]`,
			`[true,true,false,true]`},
		{`[h1.matches("h1.title"), h1.matches("#nope"), h1.matches("body > h1")]`, `[true,false,true]`},
		{`doc.find("body").get(0).querySelector("li.b").textContent()`, `"two"`},
		{`doc.find("body").get(0).querySelector("nothing")`, `undefined`},
		{`doc.find("ul").get(0).querySelectorAll("li").map(e => e.textContent())`, `["one","two","three"]`},
		{`doc.find("body").get(0).getElementsByTagName("LI").map(e => e.textContent())`, `["one","two","three"]`},
		{`doc.find("ul").get(0).getElementsByTagName("*").length`, `3`},
		{`doc.find("ul").get(0).getElementsByClassName("a b").map(e => e.textContent())`, `["three"]`},
		{`doc.find("ul").get(0).getElementsByClassName("a").map(e => e.textContent())`, `["one","three"]`},
		{`h1.selection().attr("id")`, `"top"`},
		{`h1.selection() instanceof html.Selection`, `true`},
	})
}

func TestElementTypes(t *testing.T) {
	rt := newRT(t)
	check(t, rt, []jsCase{
		{`(() => { const a = doc.find("#rel").get(0); return [a.href(), a.pathname(), a.search(), a.hash(), a.host(), a.protocol(), a.text(), a.relList()]; })()`,
			`["/path/page?x=1&y=2#frag","/path/page","?x=1&y=2","#frag","","","Relative",["next","nofollow"]]`},
		{`(() => { const a = doc.find("#abs").get(0); return [a.href(), a.protocol(), a.username(), a.password(), a.host(), a.hostname(), a.port(), a.origin(), a.pathname(), a.search(), a.hash(), a.relList()]; })()`,
			`["https://user:pw@example.com:8443/a/b?q=z#h","https:","user","pw","example.com:8443","example.com","8443","https://example.com:8443","/a/b","?q=z","#h",[]]`},
		{`(() => { const i = doc.find("#logo").get(0); return [i.src(), i.alt(), i.width(), i.height()]; })()`, `["img/logo.png","Logo",120,0]`},
		{`doc.find("link").get(0).relList()`, `["stylesheet","alternate"]`},
		{`[doc.find("script").get(0).src(), doc.find("script").get(0).async(), doc.find("script").get(0).text()]`, `["app.js",true,""]`},
		{`doc.find("title").get(0).text()`, `"Test page"`},
		{`doc.find("meta").get(0).content()`, `"a test"`},
		{`(() => { const f = doc.find("form").get(0); return [f.method(), f.action(), f.enctype(), f.length(), f.elements().map(e => e.nodeName() + ":" + (e.getAttribute("name") || ""))]; })()`,
			`["post","/login","application/x-www-form-urlencoded",20,["fieldset:","input:username","input:password","input:csrf","input:remember","input:news","input:color","input:color","select:lang","select:tags","select:empty","textarea:bio","input:off","fieldset:","input:inDisabled","input:upload","input:","button:action","button:other","input:outside"]]`},
		{`(() => { const i = doc.find("#user").get(0); return [i.form().id(), i.labels().map(l => l.textContent()), i.name(), i.value(), i.type(), i.defaultValue(), i.formMethod(), i.formAction(), i.formEnctype(), i.formNoValidate(), i.formTarget()]; })()`,
			`["login",["User"],"username","alice","text","alice","post","/login","application/x-www-form-urlencoded",false,""]`},
		{`doc.find("input[name=password]").get(0).labels().map(l => l.id())`, `["pwlabel"]`},
		{`[doc.find("input[name=remember]").get(0).checked(), doc.find("input[name=news]").get(0).checked(), doc.find("input[name=remember]").get(0).value()]`,
			`[true,false,"on"]`},
		{`[doc.find("input[name=outside]").get(0).form().id(), doc.find("input[name=off]").get(0).disabled()]`, `["login",true]`},
		{`doc.find("#top").get(0).form`, `undefined`},
		{`[doc.find("button[name=action]").get(0).value(), doc.find("button[name=other]").get(0).value(), doc.find("button[name=other]").get(0).type()]`,
			`["go","Other <i>btn</i>","button"]`},
		{`(() => { const s = doc.find("select[name=lang]").get(0); return [s.length(), s.options().map(o => o.value()), s.selectedIndex(), s.selectedOptions().map(o => o.text()), s.value(), s.type(), s.size(), s.form().id()]; })()`,
			`[2,["en","Français"],1,["Français"],"Français","select-one",0,"login"]`},
		{`(() => { const s = doc.find("select[name=tags]").get(0); return [s.type(), s.length(), s.selectedIndex(), s.selectedOptions().map(o => o.value()), s.value()]; })()`,
			`["select-multiple",3,0,["a","c"],"a"]`},
		{`(() => { const o = doc.find("select[name=lang] option").get(1); return [o.index(), o.label(), o.text(), o.value(), o.selected(), o.disabled(), o.form().id()]; })()`,
			`[1,"Français","Français","Français",true,false,"login"]`},
		{`[doc.find("select[name=empty] option").get(0).disabled(), doc.find("select[name=empty] option").get(1).selected(), doc.find("select[name=tags] option").get(2).index()]`,
			`[true,true,2]`},
		{`(() => { const a = doc.find("textarea").get(0); return [a.length(), a.value(), a.type(), a.form().id()]; })()`,
			`[11,"line1\nline2","textarea","login"]`},
		{`[doc.find("label").get(0).control().id(), doc.find("#pwlabel").get(0).control().getAttribute("name"), doc.find("label").get(0).form().id()]`,
			`["user","password","login"]`},
		{`[doc.find("legend").get(0).form().id(), doc.find("#fs").get(0).type(), doc.find("#fs").get(0).validity(), doc.find("#fs").get(0).elements().length, doc.find("#fs").get(0).form().id()]`,
			`["login","fieldset",null,2,"login"]`},
		{`(() => { const t = doc.find("#t").get(0); return [t.caption().textContent(), t.rows().length, t.tBodies().length, t.tHead().nodeName(), t.tFoot().rows().length]; })()`,
			`["Cap",4,1,"thead",1]`},
		{`(() => { const c = doc.find("#cell").get(0); const r = c.parentElement(); return [c.cellIndex(), r.cells().length, r.rowIndex(), r.sectionRowIndex(), c.colSpan()]; })()`,
			`[1,2,2,1,1]`},
		{`(() => { const p = doc.find("#prog").get(0); return [p.max(), p.value(), p.position(), p.labels()]; })()`, `[120,30,0.25,[]]`},
		{`doc.find("li").get(0).href`, `undefined`},
	})
}

func TestClassesAndErrors(t *testing.T) {
	rt := newRT(t)
	check(t, rt, []jsCase{
		{`[typeof html.parseHTML, typeof html.Selection, typeof html.Element, html.Selection.name, html.Element.name]`,
			`["function","function","function","Selection","Element"]`},
		{`doc instanceof html.Selection`, `true`},
		{`Object.getPrototypeOf(doc) === html.Selection.prototype && html.Selection.prototype.constructor === html.Selection`, `true`},
		{`html.NodeType`, `{"1":"ElementNode","3":"TextNode","8":"CommentNode","9":"DocumentNode","10":"DoctypeNode","ElementNode":1,"TextNode":3,"CommentNode":8,"DocumentNode":9,"DoctypeNode":10}`},
		{`(() => { html.Selection.prototype.texts = function () { return this.map((i, s) => s.text()); }; return doc.find("li").texts(); })()`,
			`["one","two","three"]`},
		{`Object.keys(doc)`, `[]`},
		{`"find" in doc`, `true`},
		{`html.parseHTML("").find("body").size()`, `1`},
		{`html.parseHTML(new Uint8Array([60, 112, 62, 98, 121, 116, 101, 115]).buffer).find("p").text()`, `"bytes"`},
		{`html.parseHTML(42).text()`, `"42"`},
	})
	for _, c := range []struct{ src, want string }{
		{`html.parseHTML()`, "TypeError: parseHTML: the HTML source (first argument) is required"},
		{`html.parseHTML(null)`, "TypeError: parseHTML: the HTML source (first argument) is required"},
		{`new html.Selection()`, "TypeError: Selection cannot be constructed: get one from parseHTML(src) or res.html()"},
		{`new html.Element()`, "TypeError: Element cannot be constructed: get one from Selection.get(index)"},
		{`const f = doc.find; f("li")`, "TypeError: Selection.find must be called on a Selection object"},
		{`doc.find("li").each()`, "TypeError: Selection.each: the argument must be a function(index, element)"},
		{`doc.find("li").map("x")`, "TypeError: Selection.map: the argument must be a function(index, selection)"},
		{`doc.find("li").each(() => { throw new Error("boom"); })`, "Error: boom"},
		{`doc.find("li").filter(() => { throw new Error("bang"); })`, "Error: bang"},
	} {
		_, err := rt.RunScript(c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestESModuleImports(t *testing.T) {
	rt := modulestest.New(t)
	v, err := rt.RunModule("", `
import html, { parseHTML, Selection } from "k6/html";
export const out = [parseHTML("<p class=x>hi</p>").find("p.x").text(), html.parseHTML("<i>a</i>").find("i").text(), parseHTML("<b></b>") instanceof Selection];
`)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(v.ToObject(rt.Sobek()).Get("out").Export())
	if string(got) != `["hi","a",true]` {
		t.Fatalf("got %s", got)
	}
}
