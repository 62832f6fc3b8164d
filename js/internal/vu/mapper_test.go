package vu

import "testing"

func TestUncap(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Get": "get", "URL": "url", "HTTPCode": "httpCode", "ID": "id", "A": "a", "already": "already", "SetTimeout": "setTimeout",
	} {
		if got := Uncap(in); got != want {
			t.Errorf("Uncap(%q) = %q, want %q", in, got, want)
		}
	}
}
