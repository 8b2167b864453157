package framework

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/fgharness/fgharness/reports"
)

// Area labels: one per API area, matching the spec's operation tags.
const (
	LabelInvocation   = "invocation"
	LabelFunctions    = "functions"
	LabelVersions     = "versions"
	LabelWorkflows    = "workflows"
	LabelDependencies = "dependencies"
	LabelTriggers     = "triggers"
	LabelMetrics      = "metrics"
	LabelIAM          = "iam"
	LabelExtension    = "extension"
	LabelTags         = "tags"
	LabelReserved     = "reserved-instances"
	LabelLogs         = "logs"
	LabelApps         = "apps"
	LabelNetwork      = "network"
	LabelEvents       = "events"
)

// Kind labels: what a spec checks.
const (
	LabelSchema    = "schema"
	LabelErrors    = "errors"
	LabelBehaviour = "behaviour"
	LabelNegative  = "negative"
	// LabelConformance marks specs that count towards the conformance summary.
	LabelConformance = "conformance"
	// LabelDestructive marks specs that create, change or delete resources;
	// --read-only skips them.
	LabelDestructive = "destructive"
)

// Checks of the conformance summary: each operation is judged on these.
const (
	CheckSchema    = reports.CheckSchema
	CheckStatus    = reports.CheckStatus
	CheckErrors    = reports.CheckErrorCode
	CheckHeaders   = reports.CheckHeaders
	CheckBehaviour = reports.CheckBehaviour
)

// Label-set keys that tie a spec to the operations and checks it judges,
// e.g. "op:invokeFunction" and "check:headers". Ginkgo label sets make them
// filterable too: --label-filter 'op: {invokeFunction}'.
const (
	opLabelKey    = "op:"
	checkLabelKey = "check:"
)

// Conformance decorates a spec that judges checks of one or more
// operations; its outcome becomes those rows of the conformance summary.
//
//	It("...", framework.Conformance([]string{fgs.OpInvokeFunction}, framework.CheckHeaders), func() {...})
func Conformance(ops []string, checks ...string) Labels {
	l := Labels{LabelConformance}
	for _, op := range ops {
		l = append(l, opLabelKey+op)
	}
	for _, c := range checks {
		l = append(l, checkLabelKey+c)
	}
	return l
}

// Judges is Conformance for a single operation.
func Judges(op string, checks ...string) Labels { return Conformance([]string{op}, checks...) }

// labelledOpsAndChecks reads back what Conformance encoded.
func labelledOpsAndChecks(labels []string) (ops, checks []string) {
	for _, l := range labels {
		switch {
		case strings.HasPrefix(l, opLabelKey):
			ops = append(ops, strings.TrimPrefix(l, opLabelKey))
		case strings.HasPrefix(l, checkLabelKey):
			checks = append(checks, strings.TrimPrefix(l, checkLabelKey))
		}
	}
	return ops, checks
}
