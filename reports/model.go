// Package reports owns the report model (report.json), its renderers, baseline comparison and gates.
package reports

import (
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is bumped whenever a field of report.json changes meaning or is removed.
// 2: fanout.late and per_extension[].late became after_answer (schema 1 files still read).
const SchemaVersion = 2

// ReportFile is the name of the machine-readable report inside a run directory.
const ReportFile = "report.json"

// Report is one load run (or the merge of several shards), as written to report.json.
// It is the stable interface between `fgh load` and every renderer, gate and comparison.
// It never holds credentials: Target is scheme://host:port only.
type Report struct {
	SchemaVersion int `json:"schema_version"`
	// RunID names the run: every shard of a sharded run carries the same one.
	RunID       string    `json:"run_id,omitempty"`
	Scenario    string    `json:"scenario"`
	Attack      string    `json:"attack,omitempty"`
	Target      string    `json:"target"`
	Function    string    `json:"function,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	EndedAt     time.Time `json:"ended_at"`
	DurationS   float64   `json:"duration_s"`
	Interrupted bool      `json:"interrupted"`
	Shards      int       `json:"shards,omitempty"`

	RateRPS       float64          `json:"rate_rps"`
	ThroughputRPS float64          `json:"throughput_rps"`
	Requests      int64            `json:"requests"`
	Successes     int64            `json:"successes"`
	SuccessRatio  float64          `json:"success_ratio"`
	StatusCodes   map[string]int64 `json:"status_codes"`
	Errors        []ErrorCount     `json:"errors"`
	LateRequests  int64            `json:"late_requests"`
	// DroppedRequests were due but never sent: the generator fell further
	// behind than its backlog allows, or every worker was still busy when the
	// run's duration ended. They count as late and as failed, and enter the
	// latency distribution as censored values: the lag they had when dropped,
	// a lower bound of what their latency would have been.
	DroppedRequests int64 `json:"dropped_requests"`
	// InterruptedRequests were due but not yet sent when the run was
	// interrupted or stopped early; they are in no other count.
	InterruptedRequests int64 `json:"interrupted_requests"`
	// DueRequests is Requests + DroppedRequests + InterruptedRequests: every
	// request the schedule had made due.
	DueRequests int64 `json:"due_requests"`
	// Protocol is what the generator spoke: HTTP/1.1, HTTP/1.1 over TLS, or with
	// --http2 what net/http's answers came over (HTTP/2 over TLS unless the server did not offer it).
	Protocol string `json:"protocol,omitempty"`
	// Connections counts the connections the generator opened and what
	// opening them took, apart from request latency (it is part of the
	// service time of the requests that waited for it).
	Connections *Connections `json:"connections,omitempty"`
	// AchievedRPS is the rate at which requests actually left the generator.
	AchievedRPS float64 `json:"achieved_rps"`
	BytesIn     int64   `json:"bytes_in"`
	BytesOut    int64   `json:"bytes_out"`

	// Latency runs from the intended send time (no coordinated omission);
	// ServiceTime from the moment the request actually left.
	Latency     Percentiles `json:"latency_ms"`
	ServiceTime Percentiles `json:"service_time_ms"`
	// SendLag is how late requests left: actual minus intended send time,
	// the generator's own delay (a request is late past the late_after
	// setting). Latency minus service time is about this much.
	SendLag Percentiles `json:"send_lag_ms"`
	Series  []Second    `json:"series"`

	Fanout     *Fanout           `json:"fanout,omitempty"`
	Sweep      []SweepPoint      `json:"sweep,omitempty"`
	FindMax    *FindMax          `json:"find_max,omitempty"`
	Validation *Validation       `json:"validation,omitempty"`
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	Settings   map[string]string `json:"settings,omitempty"`
}

// Connections is how many connections a run opened and how long their TCP
// connects and TLS handshakes took.
type Connections struct {
	Opened       int64       `json:"opened"`
	ConnectMS    Percentiles `json:"connect_ms"`
	HandshakeMS  Percentiles `json:"tls_handshake_ms"`
	TotalSeconds float64     `json:"total_s"` // connect + handshake time, summed over every connection
}

// Percentiles summarises one latency distribution in float milliseconds.
type Percentiles struct {
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
}

// ErrorCount is one distinct error message and how often it occurred.
type ErrorCount struct {
	Message string `json:"message"`
	Count   int64  `json:"count"`
}

// Second is one second of the run, counted by intended send time.
type Second struct {
	T            float64 `json:"t"` // seconds since StartedAt
	AskedRPS     float64 `json:"asked_rps"`
	AchievedRPS  float64 `json:"achieved_rps"`
	Count        int64   `json:"count"`
	Errors       int64   `json:"errors"`
	Late         int64   `json:"late"`
	P50          float64 `json:"p50_ms"`
	P99          float64 `json:"p99_ms"`
	ServiceP50   float64 `json:"service_p50_ms"`
	ServiceP99   float64 `json:"service_p99_ms"`
	ServiceCount int64   `json:"-"`
	// NewConnections opened this second and the connect + TLS handshake time they took (a handshake storm shows here).
	NewConnections int64   `json:"new_connections,omitempty"`
	ConnectMS      float64 `json:"connect_ms,omitempty"`
}

// Fanout accounts extension deliveries of an extension-fanout run.
type Fanout struct {
	Extensions     int                 `json:"extensions"`
	Invocations    int64               `json:"invocations"`
	Expected       int64               `json:"expected"`
	Delivered      int64               `json:"delivered"`
	DeliveredRatio float64             `json:"delivered_ratio"`
	Missing        int64               `json:"missing"`
	Duplicates     int64               `json:"duplicates"`
	AfterAnswer    int64               `json:"after_answer"` // see ExplainAfterAnswer
	Latency        Percentiles         `json:"latency_ms"`
	PerExtension   []ExtensionDelivery `json:"per_extension,omitempty"`
	// Unmatched events named a request id no successful invocation answered with.
	Unmatched int64 `json:"unmatched,omitempty"`
}

// ExtensionDelivery is the delivery account of one extension sink.
type ExtensionDelivery struct {
	Name        string      `json:"name"`
	Address     string      `json:"address"`
	Delivered   int64       `json:"delivered"`
	Missing     int64       `json:"missing"`
	Duplicates  int64       `json:"duplicates"`
	AfterAnswer int64       `json:"after_answer"`
	Latency     Percentiles `json:"latency_ms"`
}

// The two kinds of lateness a fan-out report counts, explained alike in every rendering.
const (
	ExplainLate        = "late: requests that left the generator more than late_after after their intended send time (the generator fell behind; their latency still counts from the intended time)"
	ExplainAfterAnswer = "after answer: extension events that arrived after their invocation had already answered (still counted as delivered when within the fan-out grace); they say nothing about the generator"
)

// UnmarshalJSON also reads schema 1's "late", the old name of after_answer.
func (f *Fanout) UnmarshalJSON(data []byte) error {
	type plain Fanout
	if err := json.Unmarshal(data, (*plain)(f)); err != nil {
		return err
	}
	return adoptLegacyLate(data, &f.AfterAnswer)
}

// UnmarshalJSON also reads schema 1's "late", the old name of after_answer.
func (e *ExtensionDelivery) UnmarshalJSON(data []byte) error {
	type plain ExtensionDelivery
	if err := json.Unmarshal(data, (*plain)(e)); err != nil {
		return err
	}
	return adoptLegacyLate(data, &e.AfterAnswer)
}

// adoptLegacyLate copies an object's schema-1 "late" into afterAnswer when the new name is absent.
func adoptLegacyLate(data []byte, afterAnswer *int64) error {
	var old struct {
		Late *int64 `json:"late"`
	}
	if err := json.Unmarshal(data, &old); err != nil {
		return err
	}
	if old.Late != nil && *afterAnswer == 0 {
		*afterAnswer = *old.Late
	}
	return nil
}

// SweepPoint is one step of a fan-out sweep or a find-max search.
type SweepPoint struct {
	Extensions    int         `json:"extensions,omitempty"`
	RateRPS       float64     `json:"rate_rps"`
	ThroughputRPS float64     `json:"throughput_rps"`
	SuccessRatio  float64     `json:"success_ratio"`
	Latency       Percentiles `json:"latency_ms"`
	Held          bool        `json:"held"`
}

// FindMax is the outcome of a find-max search.
type FindMax struct {
	SLO         []string `json:"slo"`
	MaxRateRPS  float64  `json:"max_rate_rps"`
	BrokenAtRPS float64  `json:"broken_at_rps,omitempty"`
	BrokenBy    string   `json:"broken_by,omitempty"`
	// Stopped says why the search ended without breaking the SLO: it
	// reached --max-rate or --max-steps (the service may hold more), or it
	// was interrupted; empty when a step broke the SLO.
	Stopped string `json:"stopped,omitempty"`
}

// Validation counts spec violations found in sampled responses.
type Validation struct {
	SampleRatio float64          `json:"sample_ratio"`
	Checked     int64            `json:"checked"`
	Violations  int64            `json:"violations"`
	Examples    []string         `json:"examples,omitempty"`
	ByOperation map[string]int64 `json:"by_operation,omitempty"`
}

// ThresholdResult is one SLO expression judged against a report.
type ThresholdResult struct {
	Expr    string  `json:"expr"`
	Metric  string  `json:"metric"`
	Op      string  `json:"op"`
	Target  float64 `json:"target"`
	Actual  float64 `json:"actual"`
	Unit    string  `json:"unit,omitempty"`
	Pass    bool    `json:"pass"`
	Aborted bool    `json:"aborted,omitempty"`
}

// ReadReport loads a report from a report.json file or from a run directory holding one.
func ReadReport(path string) (*Report, error) {
	var r Report
	if _, err := readJSONFile(path, ReportFile, "report", &r, &r.SchemaVersion, SchemaVersion); err != nil {
		return nil, err
	}
	return &r, nil
}

// WriteReport writes r as indented JSON to dir/report.json, creating dir.
func WriteReport(dir string, r *Report) error {
	r.SchemaVersion = SchemaVersion
	if err := writeJSONFile(dir, ReportFile, r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
