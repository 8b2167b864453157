package reports

import (
	"context"
	"flag"
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
	// Generous: a cold Chromium on a loaded 2-core runner takes seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr []byte
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr)
	}
	return out
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
