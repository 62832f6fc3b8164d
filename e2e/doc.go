// Package e2e holds Stampede's end-to-end tests: the real stampede binary,
// built once per test run, runs the QA scenarios in scripts/ against the
// reference staging API (package target), and the tests check exit codes,
// summaries and the API's own books.
package e2e
