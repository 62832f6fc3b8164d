// Package html is the `k6/html` module: parseHTML(src) parses a document
// into a Selection, a jQuery-like API (find, filter, attr, text, val,
// serialize, ...), whose get(i) gives Element objects with a DOM-like API
// (nodeName(), textContent(), getAttribute(), querySelector(), ... and,
// for form controls, links, tables and the like, the methods @types/k6
// declares for their element type). As in k6, Element properties are
// methods: el.id(), not el.id.
//
// Parsing and selectors are goquery's (golang.org/x/net/html, the HTML5
// parsing algorithm; cascadia CSS selectors). A selector cascadia cannot
// parse matches nothing, as in k6.
//
// k6/http's Response.html(), submitForm() and clickLink() build their
// Selections through For, so that they are instances of the Selection class
// the script imports from k6/html.
package html
