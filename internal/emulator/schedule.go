package emulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// schedule says when a TIMER trigger fires next.
type schedule interface {
	// next is the first firing strictly after t, or the zero time if the
	// schedule never fires again.
	next(t time.Time) time.Time
}

// fixedRate fires every period (schedule_type Rate, and Cron "@every").
type fixedRate time.Duration

func (r fixedRate) next(t time.Time) time.Time { return t.Add(time.Duration(r)) }

// parseSchedule reads a TIMER trigger's schedule_type and schedule.
func parseSchedule(kind, s string) (schedule, error) {
	switch kind {
	case "Rate":
		return parseRate(s)
	case "Cron":
		return parseCron(s)
	}
	return nil, fmt.Errorf("schedule_type %q is neither Rate nor Cron", kind)
}

// rateLimits are the documented fixed-rate ranges: 1–60 minutes, 1–24
// hours, 1–30 days.
var rateLimits = map[byte]struct {
	unit time.Duration
	max  int
}{
	'm': {time.Minute, 60},
	'h': {time.Hour, 24},
	'd': {24 * time.Hour, 30},
}

// parseRate reads a Rate schedule: a whole number and a unit, "3m", "1h", "1d".
func parseRate(s string) (fixedRate, error) {
	const form = "a rate is a whole number and m, h or d: 1–60m, 1–24h or 1–30d (for example 3m)"
	if len(s) < 2 {
		return 0, fmt.Errorf("%q: %s", s, form)
	}
	lim, ok := rateLimits[s[len(s)-1]]
	n, err := strconv.Atoi(s[:len(s)-1])
	if !ok || err != nil || n < 1 || n > lim.max {
		return 0, fmt.Errorf("%q: %s", s, form)
	}
	return fixedRate(time.Duration(n) * lim.unit), nil
}

// cronSchedule is a parsed standard cron expression: one bit per allowed
// value of each field.
type cronSchedule struct {
	second, minute, hour, dom, month, dow uint64
	anyDom, anyDow                        bool // * or ? (day-of-week also when omitted)
	loc                                   *time.Location
}

type cronField struct {
	name     string
	min, max int
	names    []string // value names from min on (months, weekdays)
	question bool     // ? allowed
}

var cronFields = [6]cronField{
	{name: "seconds", max: 59},
	{name: "minutes", max: 59},
	{name: "hours", max: 23},
	{name: "day-of-month", min: 1, max: 31, question: true},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day-of-week", max: 6, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, question: true},
}

// parseCron reads the documented Cron forms: "@every DURATION" (a Go
// duration, at least a second) and "seconds minutes hours day-of-month
// month [day-of-week]" with , - * / (and ? in the day fields), optionally
// prefixed by "CRON_TZ=Zone". Without CRON_TZ, times are in the emulator
// host's local time zone.
func parseCron(s string) (schedule, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q: @every needs a positive duration such as 30m or 2h30m", s)
		}
		return fixedRate(max(d, time.Second)), nil
	}
	loc := time.Local
	if rest, ok := strings.CutPrefix(s, "CRON_TZ="); ok {
		zone, expr, _ := strings.Cut(rest, " ")
		l, err := time.LoadLocation(zone)
		if err != nil {
			return nil, fmt.Errorf("%q: unknown CRON_TZ time zone %q", s, zone)
		}
		loc, s = l, strings.TrimSpace(expr)
	}
	parts := strings.Fields(s)
	if len(parts) != 5 && len(parts) != 6 {
		return nil, fmt.Errorf("%q: want 5 or 6 fields (seconds minutes hours day-of-month month [day-of-week]) or @every DURATION", s)
	}
	var bits [6]uint64
	var star [6]bool
	for i, p := range parts {
		b, s6, err := parseCronField(p, cronFields[i])
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		bits[i], star[i] = b, s6
	}
	c := &cronSchedule{second: bits[0], minute: bits[1], hour: bits[2], dom: bits[3], month: bits[4], dow: bits[5],
		anyDom: star[3], anyDow: len(parts) == 5 || star[5], loc: loc}
	if len(parts) == 5 {
		c.dow = 1<<7 - 1
	}
	if c.next(time.Now()).IsZero() {
		return nil, fmt.Errorf("%q never fires (no such date in the next years)", s)
	}
	return c, nil
}

// parseCronField turns "a,b-c,*/n,d-e/n" into a bit set; star tells
// whether the field was * or ? (any value).
func parseCronField(p string, f cronField) (bits uint64, star bool, err error) {
	for item := range strings.SplitSeq(p, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		lo, hi := f.min, f.max
		switch {
		case rng == "*" || (rng == "?" && f.question):
			star = !hasStep
		case rng == "?":
			return 0, false, fmt.Errorf("%s: ? is only allowed in day-of-month and day-of-week", f.name)
		default:
			a, b, isRange := strings.Cut(rng, "-")
			if lo, err = cronValue(a, f); err != nil {
				return 0, false, err
			}
			hi = lo
			if isRange {
				if hi, err = cronValue(b, f); err != nil {
					return 0, false, err
				}
			} else if hasStep {
				hi = f.max // "5/15": from 5 to the end, every 15
			}
			if hi < lo {
				return 0, false, fmt.Errorf("%s: range %s runs backwards", f.name, rng)
			}
		}
		step := 1
		if hasStep {
			if step, err = strconv.Atoi(stepText); err != nil || step < 1 {
				return 0, false, fmt.Errorf("%s: step %q is not a positive number", f.name, stepText)
			}
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << v
		}
	}
	return bits, star, nil
}

func cronValue(s string, f cronField) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max {
		return 0, fmt.Errorf("%s: %q is not a value in %d–%d", f.name, s, f.min, f.max)
	}
	return v, nil
}

// next walks forward field by field, from the largest unit down, the way
// cron implementations do; it gives up after five years (Feb 30 never comes).
func (c *cronSchedule) next(t time.Time) time.Time {
	orig := t.Location()
	t = t.In(c.loc).Add(time.Second - time.Duration(t.Nanosecond()))
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case c.month&(1<<uint(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, c.loc)
		case !c.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, c.loc)
		case c.hour&(1<<uint(t.Hour())) == 0:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, c.loc)
		case c.minute&(1<<uint(t.Minute())) == 0:
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()+1, 0, 0, c.loc)
		case c.second&(1<<uint(t.Second())) == 0:
			t = t.Add(time.Second)
		default:
			return t.In(orig)
		}
	}
	return time.Time{}
}

// dayMatches applies cron's day rule: when both day fields are restricted,
// either may match; otherwise both must.
func (c *cronSchedule) dayMatches(t time.Time) bool {
	dom := c.dom&(1<<uint(t.Day())) != 0
	dow := c.dow&(1<<uint(t.Weekday())) != 0
	if c.anyDom || c.anyDow {
		return dom && dow
	}
	return dom || dow
}
