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
