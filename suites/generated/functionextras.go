package generated

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// Resources of the alias, test event and snapshot operations.
const (
	needVersion = "version"
	needAlias   = "alias"
	needEvent   = "event"
)

// functionSetup is how an operation's function is made when the default
// (an echo function) cannot satisfy its positive case.
var functionSetup = map[string]fw.FunctionOptions{
	// cancel needs an invocation still queued or running when it arrives
	fgs.OpCancelAsyncInvocation: {Env: map[string]string{"FGH_HANDLER": "sleep", "FGH_SLEEP": "1s"}},
	// snapshot start is for published versions of Java functions only
	fgs.OpShowFuncSnapshotState: {Set: javaFunction},
	fgs.OpUpdateFuncSnapshot:    {Set: javaFunction},
}

var javaFunction = map[string]any{"runtime": "Java11", "handler": "com.example.Handler::handle"}

// versionedURN lists operations whose function_urn names a published
// version of the kit's function.
var versionedURN = map[string]bool{fgs.OpShowFuncSnapshotState: true, fgs.OpUpdateFuncSnapshot: true}

// extraNeeds lists what the operation needs beyond the function, from its
// path parameters and versionedURN.
func extraNeeds(opID string, params []string) map[string]bool {
	want := map[string]bool{}
	for _, p := range params {
		switch p {
		case "alias_name":
			want[needVersion], want[needAlias] = true, true
		case "event_id":
			want[needEvent] = true
		}
	}
	if versionedURN[opID] || opID == fgs.OpUpdateVersionAlias {
		want[needVersion] = true
	}
	return want
}

// functionOptions is how prepare makes the function of a destructive operation.
func functionOptions(opID string) fw.FunctionOptions {
	if opts, ok := functionSetup[opID]; ok {
		return opts
	}
	return fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}}
}

func (k *kit) makeVersion() {
	GinkgoHelper()
	k.version = fw.Current().Name("v")
	fw.Call(fw.Request{Operation: fgs.OpCreateFunctionVersion, Path: map[string]string{"function_urn": k.fn.Unqualified()},
		Body: map[string]any{"version": k.version}}).ExpectStatus(http.StatusOK)
}

func (k *kit) makeAlias() {
	GinkgoHelper()
	k.alias = fw.Current().Name("alias")
	fw.Call(fw.Request{Operation: fgs.OpCreateVersionAlias, Path: map[string]string{"function_urn": k.fn.Unqualified()},
		Body: map[string]any{"name": k.alias, "version": k.version}}).ExpectStatus(http.StatusOK)
}

func (k *kit) makeEvent() {
	GinkgoHelper()
	resp := fw.Call(fw.Request{Operation: fgs.OpCreateEvent, Path: map[string]string{"function_urn": k.fn.URN},
		Body: map[string]any{"name": fw.Current().Name("event"), "content": "eyJrIjoidiJ9"}})
	resp.ExpectStatus(http.StatusOK)
	k.event = resp.String("id")
	Expect(k.event).NotTo(BeEmpty(), "createEvent: body /id: expected the new test event's ID")
}

// extraPath fills the path parameters of the alias, test event, pinning
// and snapshot operations.
func (k *kit) extraPath(param string) (string, bool) {
	switch param {
	case "alias_name":
		return k.alias, true
	case "event_id":
		return k.event, true
	case "state":
		return "true", true // pin
	case "action":
		if versionedURN[k.op.ID] {
			return k.firstEnum(param) // state for show, enable for update
		}
	}
	return "", false
}

// firstEnum is the first documented value of an enumerated path parameter.
func (k *kit) firstEnum(param string) (string, bool) {
	for _, ref := range k.op.Raw().Parameters {
		if p := ref.Value; p != nil && p.In == "path" && p.Name == param && p.Schema != nil && p.Schema.Value != nil && len(p.Schema.Value.Enum) > 0 {
			s, _ := p.Schema.Value.Enum[0].(string)
			return s, true
		}
	}
	return "", false
}

// bindImport imports the createFunction example's code package under a name of this run.
func bindImport(_ *kit, body map[string]any) {
	body["func_name"] = fw.Current().Name("imported")
	body["file_name"] = "code.zip"
	body["file_code"] = documentedZip()
}

// bindAliasUpdate keeps the example's shape (latest plus weighted
// routing) but routes to the kit's published version.
func bindAliasUpdate(k *kit, body map[string]any) {
	body["version"] = "latest"
	body["additional_version_weights"] = map[string]any{k.version: 10}
	delete(body, "additional_version_strategy")
}

// bindCancel queues an invocation of the kit's sleeping function and
// names it, so that the cancel finds it still queued or running.
func bindCancel(k *kit, body map[string]any) {
	GinkgoHelper()
	resp := fw.Call(fw.Request{Operation: fgs.OpAsyncInvokeFunction, Path: map[string]string{"function_urn": k.fn.URN},
		Body: map[string]any{"k": "v"}}).ExpectStatus(http.StatusAccepted)
	body["request_id"] = resp.String("request_id")
}
