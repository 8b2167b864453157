package load

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/fgharness/fgharness/reports"
)

func TestScenarioFilesParse(t *testing.T) {
	files, _ := filepath.Glob("scenarios/*.yaml")
	if len(files) < 2 {
		t.Fatalf("want the shipped scenarios under load/scenarios, got %v", files)
	}
	for _, f := range files {
		sf, err := ReadScenarioFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRate(sf.Values["rate"][0]); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if _, err := reports.ParseThresholds(Exprs(sf.Thresholds)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		for _, k := range []string{"token", "sk", "ak"} {
			if _, ok := sf.Values[k]; ok {
				t.Errorf("%s holds a secret (%s)", f, k)
			}
		}
	}
}

func TestParseScenarioFile(t *testing.T) {
	sf, err := ParseScenarioFile([]byte(`
rate: 300/s
fanout: [0, 5]
thresholds:
  - "p99 < 200ms"
  - expr: "success >= 99%"
    abort_on_fail: true
    delay: 5s
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := sf.Values["rate"]; len(got) != 1 || got[0] != "300/s" {
		t.Errorf("rate = %v", got)
	}
	if got := sf.Values["fanout"]; len(got) != 2 || got[1] != "5" {
		t.Errorf("fanout = %v", got)
	}
	want := []ThresholdSpec{{Expr: "p99 < 200ms"}, {Expr: "success >= 99%", AbortOnFail: true, Delay: 5 * time.Second}}
	if len(sf.Thresholds) != 2 || sf.Thresholds[0] != want[0] || sf.Thresholds[1] != want[1] {
		t.Errorf("thresholds = %+v", sf.Thresholds)
	}
	for _, bad := range []string{"rate: {a: 1}", "- 1", "thresholds: [{abort_on_fail: true}]", "thresholds: [{expr: x, delay: soon}]"} {
		if _, err := ParseScenarioFile([]byte(bad)); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

func TestParseRateAndSize(t *testing.T) {
	for in, want := range map[string]float64{"200": 200, "200/s": 200, "200/1s": 200, "6000/1m": 100, "5/100ms": 50} {
		r, err := ParseRate(in)
		if err != nil || RPS(r) != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %g/s", in, r, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-5/s", "x/s", "5/x"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	for in, want := range map[string]int{"512": 512, "1KB": 1024, "1kib": 1024, "2MB": 2 << 20, "10B": 10} {
		if n, err := ParseSize(in); err != nil || n != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
	if n := len(Payload(1024)); n != 1024 {
		t.Errorf("Payload(1024) is %d bytes", n)
	}
}

func TestPacingShapes(t *testing.T) {
	count := func(p Pacing, d time.Duration) int {
		pc, err := p.Pacer()
		if err != nil {
			t.Fatal(err)
		}
		s, n := newSchedule(pc, 0, Shard{}), 0
		for {
			off, ok := s.next()
			if !ok || off >= d {
				return n
			}
			n++
		}
	}
	rate, _ := ParseRate("100/s")
	if n := count(Pacing{Rate: rate}, 10*time.Second); n != 1000 {
		t.Errorf("constant: %d requests in 10 s, want 1000", n)
	}
	// 100/s rising by 10/s every second: ∫ = 100·10 + 10·10²/2 = 1500.
	if n := count(Pacing{Shape: "linear", Rate: rate, Slope: 10}, 10*time.Second); n < 1490 || n > 1510 {
		t.Errorf("linear: %d requests in 10 s, want about 1500", n)
	}
	amp, _ := ParseRate("50/s")
	// A whole sine period averages to the mean.
	if n := count(Pacing{Shape: "sine", Rate: rate, Amplitude: amp, Period: 10 * time.Second}, 10*time.Second); n < 990 || n > 1010 {
		t.Errorf("sine: %d requests over one period, want about 1000", n)
	}
	if _, err := (Pacing{Shape: "sine", Rate: rate, Amplitude: rate, Period: time.Second}).Pacer(); err == nil {
		t.Error("sine with amplitude = mean accepted")
	}
}

func TestWorkerCap(t *testing.T) {
	if n := WorkerCap(10, 30*time.Second); n != 300 && n != 128*2 && n > 768 {
		t.Errorf("WorkerCap(10/s, 30s) = %d", n)
	}
	if n := WorkerCap(1, time.Second); n != 1 {
		t.Errorf("WorkerCap(1/s, 1s) = %d, want 1", n)
	}
	if n := WorkerCap(1e6, time.Minute); n > 768 {
		t.Errorf("WorkerCap(1e6/s, 1m) = %d, want at most 768", n)
	}
}
