package load

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/reports"
)

// MergeRuns merges the run directories of a sharded run (or of any runs)
// into one report, written with its renderings, results.bin and
// histograms.jsonl to outDir. Counts add up; percentiles come from the
// merged per-second HDR histograms, so the merge equals one run of the whole
// rate; thresholds found in the shard reports are judged again on the merged data.
func MergeRuns(dirs []string, outDir string) (*reports.Report, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no run directories given")
	}
	runs := make([]*reports.Report, len(dirs))
	for i, d := range dirs {
		r, err := reports.ReadReport(d)
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		runs[i] = r
	}
	if err := checkOneRun(dirs, runs); err != nil {
		return nil, err
	}
	m := mergeTotals(runs)

	whole := newClockHistograms()
	perSec := map[int64]*clockHistograms{}
	for i, d := range dirs {
		shift := int64(math.Round(runs[i].StartedAt.Sub(m.StartedAt).Seconds()))
		if err := mergeHistogramFile(filepath.Join(d, reports.HistogramsFile), shift, &whole, perSec); err != nil {
			return nil, fmt.Errorf("merge %s: %w", d, err)
		}
	}
	m.Latency, m.ServiceTime, m.SendLag = percentilesOf(whole[0]), percentilesOf(whole[1]), percentilesOf(whole[2])
	if c := m.Connections; c != nil {
		c.ConnectMS, c.HandshakeMS = percentilesOf(whole[3]), percentilesOf(whole[4])
	}
	m.Series = mergeSeries(runs, m, perSec)
	if m.Fanout != nil {
		if err := mergeFanoutHistograms(dirs, m.Fanout); err != nil {
			return nil, err
		}
	}
	finishTotals(m)
	var exprs []string
	seen := map[string]bool{}
	for _, r := range runs {
		for _, t := range r.Thresholds {
			if !seen[t.Expr] {
				seen[t.Expr] = true
				exprs = append(exprs, t.Expr)
			}
		}
	}
	if len(exprs) > 0 {
		res, err := reports.EvaluateThresholds(m, exprs)
		if err != nil {
			return nil, fmt.Errorf("merge: judge thresholds: %w", err)
		}
		m.Thresholds = res
	}

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if err := writeMergedHistograms(filepath.Join(outDir, reports.HistogramsFile), perSec); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if err := mergeResultFiles(dirs, filepath.Join(outDir, ResultsFile)); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if err := reports.WriteAll(outDir, m); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	return m, nil
}

// checkOneRun refuses a merge that would not describe one run: a directory
// given twice, a shard given twice (a copied directory), different
// scenarios, or shards of different runs.
func checkOneRun(dirs []string, runs []*reports.Report) error {
	seen := make([]os.FileInfo, len(dirs))
	for i, d := range dirs {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		seen[i] = st
		for j := range i {
			if os.SameFile(seen[j], st) {
				return fmt.Errorf("merge: %s and %s are the same run directory: give each shard once", dirs[j], d)
			}
		}
	}
	first := runs[0]
	for i, r := range runs[1:] {
		d := dirs[i+1]
		if r.Scenario != first.Scenario {
			return fmt.Errorf("merge: %s ran %s but %s ran %s: merge only the shards of one run", dirs[0], first.Scenario, d, r.Scenario)
		}
		if r.RunID != first.RunID {
			return fmt.Errorf("merge: %s belongs to run %s but %s to run %s: merge only the shards of one run (fgh load --run-id names a run)",
				dirs[0], orUnknown(first.RunID), d, orUnknown(r.RunID))
		}
		if first.RunID == "" && r.Settings["start_at"] != first.Settings["start_at"] {
			return fmt.Errorf("merge: %s started at %s but %s at %s: merge only the shards of one run",
				dirs[0], orUnknown(first.Settings["start_at"]), d, orUnknown(r.Settings["start_at"]))
		}
	}
	byShard := map[string]string{}
	for i, r := range runs {
		shard := r.Settings["shard"]
		if shard == "" {
			shard = "the whole run"
		}
		if prev, ok := byShard[shard]; ok {
			return fmt.Errorf("merge: %s and %s are both %s of run %s: give each shard once", prev, dirs[i], shard, orUnknown(r.RunID))
		}
		byShard[shard] = dirs[i]
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(not recorded)"
	}
	return s
}

// mergeTotals adds up everything that is a count.
func mergeTotals(runs []*reports.Report) *reports.Report {
	first := runs[0]
	m := &reports.Report{
		RunID:       first.RunID,
		Scenario:    first.Scenario,
		Attack:      first.Scenario,
		Target:      first.Target,
		Function:    first.Function,
		StartedAt:   first.StartedAt,
		EndedAt:     first.EndedAt,
		StatusCodes: map[string]int64{},
		Settings:    map[string]string{},
	}
	errs := map[string]int64{}
	var protocols []string
	for k, v := range first.Settings {
		if k != "shard" {
			m.Settings[k] = v
		}
	}
	m.Settings["merged_runs"] = strconv.Itoa(len(runs))
	for _, r := range runs {
		if r.Target != m.Target {
			m.Target = "several targets"
		}
		if r.StartedAt.Before(m.StartedAt) {
			m.StartedAt = r.StartedAt
		}
		if r.EndedAt.After(m.EndedAt) {
			m.EndedAt = r.EndedAt
		}
		m.Interrupted = m.Interrupted || r.Interrupted
		m.Shards += max(1, r.Shards)
		m.RateRPS += r.RateRPS
		m.AchievedRPS += r.AchievedRPS
		addCounts(m, r)
		if r.Protocol != "" && !slices.Contains(protocols, r.Protocol) {
			protocols = append(protocols, r.Protocol)
		}
		if c := r.Connections; c != nil {
			if m.Connections == nil {
				m.Connections = &reports.Connections{}
			}
			addCounts(m.Connections, c)
			m.Connections.TotalSeconds += c.TotalSeconds
		}
		for c, n := range r.StatusCodes {
			m.StatusCodes[c] += n
		}
		for _, e := range r.Errors {
			errs[e.Message] += e.Count
		}
		if v := r.Validation; v != nil {
			if m.Validation == nil {
				m.Validation = &reports.Validation{SampleRatio: v.SampleRatio, ByOperation: map[string]int64{}}
			}
			addCounts(m.Validation, v)
			for _, ex := range v.Examples {
				if len(m.Validation.Examples) < maxExamples {
					m.Validation.Examples = append(m.Validation.Examples, ex)
				}
			}
			for op, n := range v.ByOperation {
				m.Validation.ByOperation[op] += n
			}
		}
		if f := r.Fanout; f != nil {
			if m.Fanout == nil {
				m.Fanout = &reports.Fanout{Extensions: f.Extensions}
				for _, e := range f.PerExtension {
					m.Fanout.PerExtension = append(m.Fanout.PerExtension, reports.ExtensionDelivery{Name: e.Name, Address: e.Address})
				}
			}
			addCounts(m.Fanout, f)
			for i := range min(len(f.PerExtension), len(m.Fanout.PerExtension)) {
				addCounts(&m.Fanout.PerExtension[i], &f.PerExtension[i])
			}
		}
	}
	if m.Fanout != nil && m.Fanout.Expected > 0 {
		m.Fanout.DeliveredRatio = float64(m.Fanout.Delivered) / float64(m.Fanout.Expected)
	}
	m.Errors = errorTable(errs)
	m.Protocol = strings.Join(protocols, "; ") // shards that spoke differently are all named
	return m
}

// addCounts adds every int64 field of src to dst: in the report's accounts
// (a run, its validation, its fan-out, one extension's deliveries) an int64
// is always a count, so merging runs adds them all. Derived ones
// (DueRequests) are computed again after the merge.
func addCounts[T any](dst, src *T) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for i := range d.NumField() {
		if f := d.Field(i); f.Kind() == reflect.Int64 && f.CanSet() {
			f.SetInt(f.Int() + s.Field(i).Int())
		}
	}
}

// mergeHistogramFile adds one run's per-second histograms, its seconds shifted onto the merged run's clock.
// clockHistograms holds one histogram per clock, in histogramClocks order.
type clockHistograms [5]*hdr.Histogram

var histogramClocks = [5]string{reports.ClockLatency, reports.ClockService, reports.ClockSendLag, reports.ClockConnect, reports.ClockHandshake}

func newClockHistograms() clockHistograms {
	var c clockHistograms
	for i := range c {
		c[i] = newHistogram()
	}
	return c
}

func mergeHistogramFile(path string, shift int64, whole *clockHistograms, perSec map[int64]*clockHistograms) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var line reports.HistogramLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if line.Unit != "" && line.Unit != "us" {
			return fmt.Errorf("line %d: unit %q: fgh writes microseconds", n, line.Unit)
		}
		h, err := hdr.Decode([]byte(line.HDR))
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		sec := int64(line.T) + shift
		slot := perSec[sec]
		if slot == nil {
			c := newClockHistograms()
			slot = &c
			perSec[sec] = slot
		}
		i := 0 // lines without a clock are latency
		for j, clock := range histogramClocks {
			if line.Clock == clock {
				i = j
			}
		}
		slot[i].Merge(h)
		whole[i].Merge(h)
	}
	return sc.Err()
}

// mergeSeries adds the per-second counts of every run and takes p50/p99 from the merged histograms.
func mergeSeries(runs []*reports.Report, m *reports.Report, perSec map[int64]*clockHistograms) []reports.Second {
	bySec := map[int64]*reports.Second{}
	for _, r := range runs {
		shift := int64(math.Round(r.StartedAt.Sub(m.StartedAt).Seconds()))
		for _, s := range r.Series {
			sec := int64(s.T) + shift
			out := bySec[sec]
			if out == nil {
				out = &reports.Second{T: float64(sec)}
				bySec[sec] = out
			}
			out.AskedRPS += s.AskedRPS
			out.AchievedRPS += s.AchievedRPS
			out.Count += s.Count
			out.Errors += s.Errors
			out.Late += s.Late
			out.NewConnections += s.NewConnections
			out.ConnectMS += s.ConnectMS
		}
	}
	for sec, out := range bySec {
		if slot := perSec[sec]; slot != nil {
			l, s := percentilesOf(slot[0]), percentilesOf(slot[1])
			out.P50, out.P99, out.ServiceP50, out.ServiceP99 = l.P50, l.P99, s.P50, s.P99
		}
	}
	return sortedSeries(bySec)
}

func writeMergedHistograms(path string, perSec map[int64]*clockHistograms) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	secs := make([]int64, 0, len(perSec))
	for s := range perSec {
		secs = append(secs, s)
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	for _, s := range secs {
		for i, clock := range histogramClocks {
			h := perSec[s][i]
			if h.TotalCount() == 0 && i > 0 {
				continue
			}
			line, err := reports.EncodeHistogramLine(float64(s), clock, h)
			if err != nil {
				f.Close()
				return err
			}
			w.Write(append(line, '\n'))
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// mergeFanoutHistograms recomputes delivery latency percentiles from every run's fan-out histograms.
func mergeFanoutHistograms(dirs []string, f *reports.Fanout) error {
	all := newHistogram()
	per := map[string]*hdr.Histogram{}
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, FanoutHistogramsFile))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		for _, raw := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var line fanoutHistogramLine
			if err := json.Unmarshal([]byte(raw), &line); err != nil {
				return fmt.Errorf("merge %s: %w", FanoutHistogramsFile, err)
			}
			h, err := hdr.Decode([]byte(line.HDR))
			if err != nil {
				return fmt.Errorf("merge %s: %w", FanoutHistogramsFile, err)
			}
			if line.Extension == "" {
				all.Merge(h)
				continue
			}
			if per[line.Extension] == nil {
				per[line.Extension] = newHistogram()
			}
			per[line.Extension].Merge(h)
		}
	}
	f.Latency = percentilesOf(all)
	for i := range f.PerExtension {
		if h := per[f.PerExtension[i].Name]; h != nil {
			f.PerExtension[i].Latency = percentilesOf(h)
		}
	}
	return nil
}

// mergeResultFiles re-encodes every run's results.bin into one Vegeta stream
// (gob streams cannot simply be concatenated).
func mergeResultFiles(dirs []string, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	enc := vegeta.NewEncoder(w)
	var res vegeta.Result
	for _, d := range dirs {
		in, err := os.Open(filepath.Join(d, ResultsFile))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			f.Close()
			return err
		}
		dec := vegeta.NewDecoder(bufio.NewReaderSize(in, 64<<10))
		for {
			res = vegeta.Result{}
			if err = dec.Decode(&res); err != nil {
				break
			}
			if err = enc.Encode(&res); err != nil {
				break
			}
		}
		in.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			f.Close()
			return fmt.Errorf("%s: %w", filepath.Join(d, ResultsFile), err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
