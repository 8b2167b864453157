package load

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestProgressBarOnATerminal draws the live bar (as on a TTY) during a short
// run: it shows the attack, the requests sent against the planned total and
// the running figures, and is cleared when the run ends.
func TestProgressBarOnATerminal(t *testing.T) {
	_, o := fakeRun(t, 2500*time.Millisecond)
	var out bytes.Buffer
	o.Progress, o.ProgressTTY = &out, true
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	drawn := out.String()
	if !strings.Contains(drawn, "\r") {
		t.Fatalf("no bar redrawn in place (no carriage return):\n%q", drawn)
	}
	// The planned total is rate × duration: 200/s for 2.5 s.
	if !regexp.MustCompile(`\(\d+/500[,)]`).MatchString(drawn) {
		t.Errorf("bar does not count against the planned 500 requests:\n%q", drawn)
	}
	for _, want := range []string{"sent ", "p99 ", "errors 0"} {
		if !strings.Contains(drawn, want) {
			t.Errorf("bar lacks %q:\n%q", want, drawn)
		}
	}
	if rep.Requests != 500 {
		t.Errorf("requests = %d, want 500", rep.Requests)
	}
}

// TestProgressLinesOffATerminal: a CI log gets whole lines, the last one
// with the final count, and never a carriage return.
func TestProgressLinesOffATerminal(t *testing.T) {
	_, o := fakeRun(t, time.Second)
	var out bytes.Buffer
	o.Progress, o.ProgressTTY = &out, false
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if strings.Contains(text, "\r") {
		t.Fatalf("plain progress contains a carriage return:\n%q", text)
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "sent 200 ") {
		t.Fatalf("last progress line %q does not report the 200 requests sent", last)
	}
}
