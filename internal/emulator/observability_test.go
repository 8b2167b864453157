package emulator

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/syncbuf"
)

func TestMetricsEndpointCountsAndTimesEachOperation(t *testing.T) {
	te := startTest(t)
	te.createFunction("measured", nil)
	inv := te.path("/fgs/functions/" + esc(te.fnURN("measured")) + "/invocations")
	te.do("POST", inv, `{}`)
	te.do("POST", inv, `{}`)
	te.strict = false
	te.do("GET", te.path("/fgs/functions"), nil, "X-Auth-Token", "wrong")

	r := te.do("GET", "/metrics", nil)
	if r.status != 200 {
		t.Fatalf("/metrics: %d", r.status)
	}
	text := string(r.body)
	for _, want := range []string{
		`fgh_emulator_requests_total{code="200",operation="invokeFunction"} 2`,
		`fgh_emulator_requests_total{code="200",operation="createFunction"} 1`,
		`fgh_emulator_requests_total{code="401",operation="listFunctions"} 1`,
		`fgh_emulator_request_duration_seconds_count{operation="invokeFunction"} 2`,
		`fgh_emulator_request_duration_seconds_bucket{operation="invokeFunction",le="0.001"}`,
		`fgh_emulator_executions_in_flight 0`,
		`fgharness_extapi_deliveries_in_flight`, // the extension hub shares the registry
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestLogsAreStructuredAndKeepSecrets reads every log line the emulator
// writes at debug level while it is driven with every kind of credential.
func TestLogsAreStructuredAndKeepSecrets(t *testing.T) {
	logs := &syncbuf.Buffer{}
	te := startTest(t, func(c *Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	te.createFunction("logged", nil)
	te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("logged"))+"/invocations"), `{"k":1}`)
	req, _ := http.NewRequest("GET", te.local.URL+te.path("/fgs/functions"), nil)
	if err := aksk.Sign(req, nil, DefaultAK, DefaultSK, time.Now()); err != nil {
		t.Fatal(err)
	}
	te.send(req, nil)
	tok := te.do("POST", "/v3/auth/tokens", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": DefaultUser, "password": DefaultPassword, "domain": map[string]any{"name": "dev"}}}},
		"scope": map[string]any{"project": map[string]any{"id": te.project()}}}}, "X-Auth-Token", "")
	issued := tok.header.Get("X-Subject-Token")
	if issued == "" {
		t.Fatalf("no token issued: %d %s", tok.status, tok.body)
	}
	te.strict = false
	te.do("GET", te.path("/fgs/functions"), nil, "X-Auth-Token", "wrong-token-value")

	var sawRequest, sawCreated bool
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		line := sc.Text()
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil || entry["msg"] == nil || entry["level"] == nil {
			t.Errorf("not a structured log entry: %s", line)
			continue
		}
		for _, secret := range []string{DefaultToken, DefaultSK, DefaultPassword, issued, "wrong-token-value"} {
			if strings.Contains(line, secret) {
				t.Errorf("log line carries a credential: %s", line)
			}
		}
		sawRequest = sawRequest || (entry["msg"] == "request" && entry["operation"] == fgs.OpInvokeFunction && entry["status"] == float64(200))
		sawCreated = sawCreated || (entry["msg"] == "function created" && entry["urn"] == te.fnURN("logged"))
	}
	if !sawRequest || !sawCreated {
		t.Errorf("missing entries (request log %v, function created %v) in:\n%s", sawRequest, sawCreated, logs.String())
	}
}

func TestFaultsFileLoads(t *testing.T) {
	dir := t.TempDir()
	yamlFile := filepath.Join(dir, "faults.yaml")
	if err := os.WriteFile(yamlFile, []byte("latency:\n  distribution: uniform\n  min: 1ms\n  max: 3ms\nerror_rate: 0.25\nerror_statuses: [500, 503]\nerror_code: FSS.0503\ncold_start: 20\nextension_delay: 150ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFaults(yamlFile)
	if err != nil {
		t.Fatal(err)
	}
	if f.Latency.Distribution != "uniform" || time.Duration(f.Latency.Max) != 3*time.Millisecond || f.ErrorRate != 0.25 ||
		len(f.ErrorStatuses) != 2 || f.ErrorCode != "FSS.0503" || time.Duration(f.ColdStart) != 20*time.Millisecond ||
		time.Duration(f.ExtensionDelay) != 150*time.Millisecond {
		t.Fatalf("loaded %+v", f)
	}
	for name, body := range map[string]string{
		"unknown key":  "error_rat: 0.5\n",
		"rate over 1":  `{"error_rate": 2}`,
		"2xx status":   `{"error_rate": 0.1, "error_statuses": [200]}`,
		"bad duration": `{"cold_start": "soon"}`,
		"bad dist":     `{"latency": {"distribution": "zipf"}}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadFaults(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v should name the file", name, err)
		}
	}
	if _, err := LoadFaults(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing faults file loaded")
	}
}
