package urn

import (
	"errors"
	"testing"
)

func TestParseForms(t *testing.T) {
	const p = "46b6f338fc3445b8846c71dfb1fb1234"
	cases := []struct {
		in   string
		want URN
	}{
		{"urn:fss:cn-north-4:" + p + ":function:default:hello:latest", Function("cn-north-4", p, "default", "hello", "latest")},
		{"urn:fss:cn-north-4:" + p + ":function:default:hello", Function("cn-north-4", p, "default", "hello", "")},
		{"urn:fss:cn-north-4:" + p + ":function:default:hello:v1", Function("cn-north-4", p, "default", "hello", "v1")},
		{"urn:fss:cn-north-4:" + p + ":function:default:hello:!prod", Function("cn-north-4", p, "default", "hello", "!prod")},
		{"urn%3Afss%3Acn-north-4%3A" + p + "%3Afunction%3Adefault%3Ahello%3Alatest", Function("cn-north-4", p, "default", "hello", "latest")},
		{"urn:fss:cn-north-7:" + p + ":workflow:default:testflow:latest", Workflow("cn-north-7", p, "default", "testflow")},
		{"sn:cn:yrk:1111:function:0@test@hello:latest", Function("yrk", "1111", "test", "hello", "latest")},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("Parse(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	u := Function("cn-north-4", "p1", "default", "hello", "latest")
	got, err := Parse(u.String())
	if err != nil || got != u {
		t.Fatalf("round trip of %s: %+v, %v", u, got, err)
	}
	if u.Unqualified().String() != "urn:fss:cn-north-4:p1:function:default:hello" {
		t.Errorf("Unqualified = %s", u.Unqualified())
	}
	if !u.IsLatest() || u.WithQualifier("v1").IsLatest() {
		t.Error("IsLatest wrong")
	}
	if Function("r", "p", "k", "n", "!a").Alias() != "a" {
		t.Error("Alias wrong")
	}
}

func TestParseMalformed(t *testing.T) {
	bad := []string{
		"", "hello", "urn:fss:", "urn:fss:r:p:function:pkg", "urn:fss:r:p:function:pkg:name:v1:extra",
		"urn:fss:r:p:lambda:pkg:name", "urn:fss::p:function:pkg:name", "urn:fss:r:p:function:pkg:name:",
		"urn:fss:r:p:function:pkg:na/me", "urn:fss:r:p:function:pkg:a%2541", "urn%zz", "sn:cn:r:p:function:pkg:latest", "urn:fss:r:p:function::name",
		"urn:fss:r:p:function:pkg:na%00me", "urn:fss:r:p:function:pkg:na\x00me", "urn:fss:r:p:function:pkg:na\x7fme",
	}
	for _, s := range bad {
		if _, err := Parse(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) error = %v, want ErrMalformed", s, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("urn:fss:cn-north-4:p:function:default:hello:latest")
	f.Add("sn:cn:yrk:1111:function:0@test@hello:latest")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(u.String())
		if err != nil || again != u {
			t.Fatalf("reparse of %q (%s): %+v %v", s, u, again, err)
		}
	})
}
