package emulator

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"1m": time.Minute, "3m": 3 * time.Minute, "60m": time.Hour,
		"1h": time.Hour, "24h": 24 * time.Hour, "1d": 24 * time.Hour, "30d": 30 * 24 * time.Hour,
	} {
		got, err := parseRate(s)
		if err != nil || time.Duration(got) != want {
			t.Errorf("parseRate(%q) = %v, %v; want %v", s, time.Duration(got), err, want)
		}
	}
	for _, s := range []string{"", "m", "0m", "61m", "25h", "31d", "30s", "1.5h", "-1m", "1M", "1 m", "soon"} {
		if _, err := parseRate(s); err == nil {
			t.Errorf("parseRate(%q) accepted an undocumented rate", s)
		}
	}
}

func TestParseCronEvery(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"@every 30m": 30 * time.Minute, "@every 1.5h": 90 * time.Minute, "@every 2h30m": 150 * time.Minute,
		"@every 10ms": time.Second, // under a second rounds up
	} {
		sched, err := parseCron(s)
		if err != nil {
			t.Errorf("parseCron(%q): %v", s, err)
			continue
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if got := sched.next(from).Sub(from); got != want {
			t.Errorf("parseCron(%q) fires every %v, want %v", s, got, want)
		}
	}
}

func TestCronNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct{ expr, from, want string }{
		// 2026-11-20 is a Friday.
		{"CRON_TZ=UTC 0 30 8 * * Mon-Fri", "2026-11-20 09:00:00", "2026-11-23 08:30:00"},
		{"CRON_TZ=UTC 0 30 8 * * Mon-Fri", "2026-11-20 08:29:59", "2026-11-20 08:30:00"},
		{"CRON_TZ=UTC 0 15 2 * *", "2026-11-20 02:15:00", "2026-11-21 02:15:00"},
		{"CRON_TZ=UTC */15 * * * * ?", "2026-11-20 10:00:07", "2026-11-20 10:00:15"},
		{"CRON_TZ=UTC 5/20 * * * * ?", "2026-11-20 10:00:26", "2026-11-20 10:00:45"},
		{"CRON_TZ=UTC 0 0 12 1,15 jan,JUL ?", "2026-11-20 00:00:00", "2027-01-01 12:00:00"},
		{"CRON_TZ=UTC 0 0 0 29 Feb ?", "2026-03-01 00:00:00", "2028-02-29 00:00:00"},
		// Both day fields restricted: either matches (the 1st, or a Sunday).
		{"CRON_TZ=UTC 0 0 0 1 * Sun", "2026-11-20 00:00:00", "2026-11-22 00:00:00"},
		{"CRON_TZ=UTC 0 0 0 1 * 0", "2026-11-23 00:00:00", "2026-11-29 00:00:00"},
		{"CRON_TZ=UTC 0 0 0 1-3 * 0", "2026-11-30 00:00:00", "2026-12-01 00:00:00"},
	}
	for _, c := range cases {
		sched, err := parseCron(c.expr)
		if err != nil {
			t.Errorf("parseCron(%q): %v", c.expr, err)
			continue
		}
		if got := sched.next(at(c.from)).UTC(); !got.Equal(at(c.want)) {
			t.Errorf("%q after %s: %s, want %s", c.expr, c.from, got.Format(time.DateTime), c.want)
		}
	}
}

func TestParseCronRefuses(t *testing.T) {
	for _, s := range []string{
		"", "* * * *", "* * * * * * *", "60 * * * * *", "* 60 * * * *", "* * 24 * * *",
		"* * * 0 * *", "* * * 32 * *", "* * * * 13 *", "* * * * * 7", "* * * * Foo *",
		"? * * * * *", "* * * * ? *", "5-1 * * * * *", "*/0 * * * * *", "*/x * * * * *",
		"0 0 0 30 Feb ?", "CRON_TZ=Nowhere/Atlantis 0 0 0 * * *", "@every", "@every -5m", "@every soon",
	} {
		if _, err := parseCron(s); err == nil {
			t.Errorf("parseCron(%q) accepted it", s)
		}
	}
	if _, err := parseSchedule("Hourly", "1h"); err == nil {
		t.Error("an unknown schedule_type was accepted")
	}
}
