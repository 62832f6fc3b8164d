package metrics

import (
	"reflect"
	"testing"
)

func TestTagSetWithTags(t *testing.T) {
	base := NewTagSet(map[string]string{"b": "1", "d": "2", "scenario": "s"})
	cases := []struct {
		name string
		base *TagSet
		add  []Tag
		want map[string]string
	}{
		{"nothing added keeps the set", base, nil, map[string]string{"b": "1", "d": "2", "scenario": "s"}},
		{"nil base", nil, []Tag{{"z", "9"}, {"a", "0"}}, map[string]string{"a": "0", "z": "9"}},
		{"merge and override", base, []Tag{{"c", "x"}, {"b", "new"}, {"a", "y"}}, map[string]string{"a": "y", "b": "new", "c": "x", "d": "2", "scenario": "s"}},
		{"later duplicate wins", base, []Tag{{"name", "one"}, {"name", "two"}}, map[string]string{"b": "1", "d": "2", "name": "two", "scenario": "s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]Tag(nil), tc.add...)
			got := tc.base.WithTags(tc.add...)
			if !reflect.DeepEqual(got.Map(), tc.want) {
				t.Fatalf("got %v, want %v", got.Map(), tc.want)
			}
			tags := got.Tags()
			for i := 1; i < len(tags); i++ {
				if tags[i-1].Key >= tags[i].Key {
					t.Fatalf("tags not sorted and unique: %v", tags)
				}
			}
			if !reflect.DeepEqual(in, tc.add) {
				t.Fatalf("argument modified: %v", tc.add)
			}
			if tc.base.Len() != 0 && base.Map()["b"] != "1" {
				t.Fatal("base set modified")
			}
		})
	}
}

func BenchmarkTagSetWithTags(b *testing.B) {
	base := NewTagSet(map[string]string{"group": "", "scenario": "default"})
	add := []Tag{{"method", "GET"}, {"url", "http://127.0.0.1/x"}, {"name", "http://127.0.0.1/x"}, {"status", "200"}, {"proto", "HTTP/1.1"}, {"expected_response", "true"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = base.WithTags(add...)
	}
}

func TestWithCache(t *testing.T) {
	base := NewTagSet(map[string]string{"scenario": "default", "group": ""})
	a1 := base.With("check", "a")
	b1 := base.With("check", "b")
	if base.With("check", "a") != a1 || base.With("check", "b") != b1 {
		t.Fatal("With did not reuse its recent results")
	}
	// Different keys or values never get a cached set of another pair.
	for i, tc := range []struct{ k, v string }{{"check", "a"}, {"name", "a"}, {"check", "aa"}, {"check", ""}, {"group", "g"}, {"scenario", "default"}} {
		for range 2 {
			got := base.With(tc.k, tc.v)
			want := base.Map()
			want[tc.k] = tc.v
			if m := got.Map(); len(m) != len(want) {
				t.Fatalf("%d: %v, want %v", i, m, want)
			}
			for k, v := range want {
				if gv, _ := got.Get(k); gv != v {
					t.Fatalf("%d: %v, want %v", i, got.Map(), want)
				}
			}
		}
	}
	if base.With("scenario", "default") != base {
		t.Fatal("With of a present tag is not the set itself")
	}
	var empty *TagSet
	if s := empty.With("k", "v"); s.Len() != 1 {
		t.Fatalf("nil.With: %v", s.Map())
	}
}
