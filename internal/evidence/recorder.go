package evidence

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// FailuresFile is the name of the failures record inside a run directory.
const FailuresFile = "failures.json"

// Run is the content of failures.json: what replay needs to know about the
// run besides the failures. It holds no credential, only which kind was used.
type Run struct {
	RunID     string    `json:"run_id,omitempty"`
	Target    string    `json:"target"` // scheme://host:port
	ProjectID string    `json:"project_id,omitempty"`
	Auth      string    `json:"auth,omitempty"` // "token", "ak/sk" or "none"
	Seed      *int64    `json:"seed,omitempty"`
	Failures  []Failure `json:"failures"`
}

// Recorder collects a run's exchanges and failures, redacted. It is safe
// for concurrent use.
type Recorder struct {
	redact *Redactor
	keep   bool

	mu        sync.Mutex
	run       Run
	exchanges []Exchange
	failures  []Failure
	ids       map[string]int
	next      int
}

// Option configures a Recorder.
type Option func(*Recorder)

// WithSecrets adds values to redact wherever they appear (token, SK, passwords).
func WithSecrets(secrets ...string) Option {
	return func(r *Recorder) {
		r.redact = NewRedactor(append(append([]string{}, r.redact.secrets...), secrets...)...)
	}
}

// KeepExchanges keeps every recorded exchange (for HAR); without it Record
// only numbers them, so a long fuzz run's memory stays bounded.
func KeepExchanges(keep bool) Option { return func(r *Recorder) { r.keep = keep } }

// NewRecorder records for the run described by run (its Failures are ignored).
func NewRecorder(run Run, opts ...Option) *Recorder {
	r := &Recorder{redact: NewRedactor(), ids: map[string]int{}}
	run.Failures = nil
	r.run = run
	for _, o := range opts {
		o(r)
	}
	return r
}

// SetSeed records the generator seed of the run, once it is known.
func (r *Recorder) SetSeed(seed int64) {
	r.mu.Lock()
	r.run.Seed = &seed
	r.mu.Unlock()
}

// Redactor is the recorder's redaction, for text that leaves by other ways.
func (r *Recorder) Redactor() *Redactor { return r.redact }

// Record redacts ex, gives it the next id and keeps it when the recorder
// keeps exchanges; it returns the id.
func (r *Recorder) Record(ex Exchange) string {
	ex = r.redact.Exchange(ex)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	ex.ID = "x" + strconv.Itoa(r.next)
	if r.keep {
		r.exchanges = append(r.exchanges, ex)
	}
	return ex.ID
}

// Fail redacts f, gives it its id and keeps it; it returns the id.
func (r *Recorder) Fail(f Failure) string {
	f.Request = r.redact.Request(f.Request)
	f.Response = r.redact.Response(f.Response)
	f.Steps, f.Cleanup = r.redactAll(f.Steps), r.redactAll(f.Cleanup)
	f.Rule = r.redact.Text(f.Rule)
	f.Source = r.redact.Text(f.Source)
	f.Violation = r.redact.violations([]Violation{f.Violation})[0]
	if f.Seed == nil {
		f.Seed = r.run.Seed
	}
	base := baseID(f)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids[base]++
	f.ID = base
	if n := r.ids[base]; n > 1 {
		f.ID = fmt.Sprintf("%s-%d", base, n)
	}
	r.failures = append(r.failures, f)
	return f.ID
}

func (r *Recorder) redactAll(exs []Exchange) []Exchange {
	if len(exs) == 0 {
		return nil
	}
	out := make([]Exchange, len(exs))
	for i, ex := range exs {
		out[i] = r.redact.Exchange(ex)
	}
	return out
}

// Exchanges returns the kept exchanges in recording order.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// Failures returns the failures in the order they were recorded.
func (r *Recorder) Failures() []Failure {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Failure(nil), r.failures...)
}

// SetAccepted marks the failure id as an accepted deviation for reason.
func (r *Recorder) SetAccepted(id, reason string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.failures {
		if r.failures[i].ID == id {
			r.failures[i].Accepted = reason
			return true
		}
	}
	return false
}

// Run is the run's record with its failures so far.
func (r *Recorder) Run() Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.run
	run.Failures = append([]Failure{}, r.failures...)
	return run
}

// WriteFailures writes failures.json into dir (created if missing).
func (r *Recorder) WriteFailures(dir string) error { return WriteRun(dir, r.Run()) }

// WriteRun writes run as dir/failures.json.
func WriteRun(dir string, run Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create run dir: %w", err)
	}
	if run.Failures == nil {
		run.Failures = []Failure{}
	}
	data, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", FailuresFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, FailuresFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", FailuresFile, err)
	}
	return nil
}

// ReadRun reads dir/failures.json.
func ReadRun(dir string) (Run, error) {
	var run Run
	data, err := os.ReadFile(filepath.Join(dir, FailuresFile))
	if err != nil {
		return run, fmt.Errorf("read the run's failures: %w (is %s the --out of a contract run?)", err, dir)
	}
	if err := json.Unmarshal(data, &run); err != nil {
		return run, fmt.Errorf("%s: %w", filepath.Join(dir, FailuresFile), err)
	}
	return run, nil
}

// Failure finds the failure id in run.
func (run Run) Failure(id string) (Failure, bool) {
	for _, f := range run.Failures {
		if f.ID == id {
			return f, true
		}
	}
	return Failure{}, false
}
