package reports

import (
	"encoding/xml"
	"fmt"
	"io"
)

// JUnit XML as Jenkins, GitLab and GitHub test reporters read it: one test
// case per SLO threshold, so a failed gate shows up as a failed test.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// renderJUnit writes one test case per threshold of r.
func renderJUnit(w io.Writer, r *Report) error {
	scenario := r.Scenario
	if scenario == "" {
		scenario = "load"
	}
	suite := junitSuite{
		Name: "fgh load " + scenario + " SLO thresholds",
		Time: fmt.Sprintf("%.3f", r.DurationS),
		Properties: []junitProperty{
			{"target", displayTarget(r.Target)},
			{"requests", fmt.Sprint(r.Requests)},
			{"throughput_rps", fmt.Sprintf("%.2f", r.ThroughputRPS)},
		},
	}
	if !r.StartedAt.IsZero() {
		suite.Timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for _, t := range r.Thresholds {
		c := junitCase{Name: t.Expr, Classname: "fgh.load." + scenario, Time: "0",
			SystemOut: fmt.Sprintf("%s = %s", t.Metric, FormatThresholdValue(t.Actual, t.Unit))}
		if !t.Pass {
			msg := fmt.Sprintf("%s is %s, want %s %s", t.Metric, FormatThresholdValue(t.Actual, t.Unit), t.Op, FormatThresholdValue(t.Target, t.Unit))
			c.Failure = &junitFailure{Message: msg, Type: "ThresholdFailed", Text: msg}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "fgh", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
