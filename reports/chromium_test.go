package reports

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

var screenshotDir = flag.String("screenshots", "", "also copy Chromium screenshots of the HTML pages into this directory (e.g. ../docs)")

// chromiumPath finds a headless-capable Chromium. Without one the browser
// tests skip on a workstation and fail on CI, where the Makefile installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found and CI=true: install it (apt-get install -y chromium) so the HTML report is tested in a real browser")
	}
	t.Skip("chromium not found: install it (apt-get install -y chromium) to test the HTML report in a real browser")
	return ""
}

// chromium runs a headless Chromium with no network and a throwaway profile.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := chromiumPath(t)
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	// A browser that died of a signal (a segmentation fault of a cold
	// Chromium on a loaded runner, seen once in CI) says nothing about the
	// page: it is run again, at most twice. Any other failure is final.
	for attempt := 1; ; attempt++ {
		out, stderr, err := runChromium(bin, append(base, args...))
		if err == nil {
			return out
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) && !ee.Exited() && attempt < 3 {
			t.Logf("chromium %v: %v (attempt %d, run again)", args, err, attempt)
			continue
		}
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr)
	}
}

// runChromium runs one browser and returns its standard output and error.
func runChromium(bin string, args []string) (out, stderr []byte, err error) {
	// Generous: a cold Chromium on a loaded 2-core runner takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err = exec.CommandContext(ctx, bin, args...).Output()
	if ctx.Err() != nil {
		return out, nil, fmt.Errorf("no answer in 2 minutes: %w", ctx.Err()) // killed: not run again
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		stderr = ee.Stderr
	}
	return out, stderr, err
}

// dumpDOM opens file in Chromium and returns the DOM after the page ran.
func dumpDOM(t *testing.T, file string) string {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(chromium(t, "--dump-dom", "file://"+abs))
}

// screenshot saves a PNG of file as Chromium draws it and returns its path.
func screenshot(t *testing.T, file, name string, width, height int) string {
	t.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(t.TempDir(), name)
	chromium(t, "--hide-scrollbars", "--screenshot="+png, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height), "file://"+abs)
	st, err := os.Stat(png)
	if err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or blank (%v)", png, err)
	}
	if *screenshotDir != "" {
		data, err := os.ReadFile(png)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*screenshotDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return png
}
