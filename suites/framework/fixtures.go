package framework

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	"github.com/fgharness/fgharness/spec"
)

// Example returns a documented request example of an operation as a JSON
// object, so bodies come from the spec rather than being re-typed here.
func Example(opID, name string) map[string]any {
	GinkgoHelper()
	f := Current()
	for _, ex := range f.Spec.RequestExamples(opID) {
		if name == "" || ex.Name == name {
			var m map[string]any
			Expect(json.Unmarshal(ex.Body, &m)).To(Succeed(), "%s example %s is not a JSON object", opID, ex.Name)
			return m
		}
	}
	Fail("the spec has no request example " + name + " for " + opID)
	return nil
}

// Function is a function a spec created (or was given with --function).
type Function struct {
	Name string
	URN  string // the latest version's URN, as createFunction answered
	// Config is the createFunction answer.
	Config map[string]any
}

// Unqualified is the function's URN without version, naming all of it.
func (fn Function) Unqualified() string { return UnqualifiedURN(fn.URN) }

// UnqualifiedURN strips the version or alias from a function URN.
func UnqualifiedURN(s string) string {
	u, err := urn.Parse(s)
	if err != nil {
		return s
	}
	return u.Unqualified().String()
}

// WithQualifier replaces the version or alias of a function URN.
func WithQualifier(s, q string) string {
	u, err := urn.Parse(s)
	if err != nil {
		return s
	}
	return u.WithQualifier(q).String()
}

// FunctionOptions tune CreateFunction; the body starts as the spec's
// inlineZip example.
type FunctionOptions struct {
	// Env becomes user_data; FGH_HANDLER etc. pick the emulator's built-in
	// behaviour (see internal/emulator/HANDLERS.md).
	Env map[string]string
	// Set overrides body members.
	Set map[string]any
}

// CreateFunction creates a function named for this run and deletes it
// (with all its versions) when the current spec or container ends.
func CreateFunction(opts FunctionOptions) Function {
	GinkgoHelper()
	f := Current()
	if f.Config.ReadOnly {
		Skip("read-only run: creating a function is not allowed")
	}
	body := Example(fgs.OpCreateFunction, "inlineZip")
	name := f.Name("fn")
	body["func_name"] = name
	body["package"] = "default"
	if opts.Env != nil {
		ud, err := json.Marshal(opts.Env)
		Expect(err).NotTo(HaveOccurred())
		body["user_data"] = string(ud)
	}
	for k, v := range opts.Set {
		body[k] = v
	}
	resp := Call(Request{Operation: fgs.OpCreateFunction, Body: body}).ExpectStatus(http.StatusOK)
	cfg := resp.Object()
	fn := Function{Name: name, Config: cfg}
	fn.URN, _ = cfg["func_urn"].(string)
	Expect(fn.URN).NotTo(BeEmpty(), "createFunction: answer has no func_urn: %s", resp.Snippet())
	DeferCleanup(DeleteFunction, fn.Unqualified())
	return fn
}

// DeleteFunction removes a whole function of this run; a 404 counts as done.
func DeleteFunction(ctx SpecContext, functionURN string) {
	GinkgoHelper()
	resp, err := Current().Do(ctx, Request{Operation: fgs.OpDeleteFunction, Path: map[string]string{"function_urn": functionURN}})
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Status).To(Or(Equal(http.StatusNoContent), Equal(http.StatusNotFound)),
		"cleanup: deleteFunction %s answered %d: %s", functionURN, resp.Status, resp.Snippet())
}

// InvocableFunction is the function invocation specs call: the one given
// with --function, or an echo function created for the calling container.
func InvocableFunction() Function {
	GinkgoHelper()
	f := Current()
	if f.Config.FunctionURN != "" {
		return Function{Name: functionName(f.Config.FunctionURN), URN: f.Config.FunctionURN}
	}
	if f.Config.ReadOnly {
		Skip("read-only run without --function: no function to invoke")
	}
	return CreateFunction(FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
}

func functionName(s string) string {
	u, err := urn.Parse(s)
	if err != nil {
		return s
	}
	return u.Name
}

// Invoke calls invokeFunction synchronously with an event and extra headers.
func Invoke(functionURN string, event any, header http.Header) *Response {
	GinkgoHelper()
	return Call(Request{Operation: fgs.OpInvokeFunction, Path: map[string]string{"function_urn": functionURN}, Body: event, Header: header})
}

// ExtensionAPI is where the function's extensions register: an fgh emulator
// hands out one endpoint per function through its admin API; other targets
// need --extension-api. The reason says why there is none.
func ExtensionAPI(ctx context.Context, functionURN string) (addr, reason string) {
	GinkgoHelper()
	addr, reason, err := Current().ExtensionAPIOf(ctx, functionURN)
	Expect(err).NotTo(HaveOccurred())
	return addr, reason
}

// ExtensionAPIOf is ExtensionAPI outside a spec (the fuzzer's): the
// address, or the reason there is none; an error means the emulator's
// admin API did not answer as it should.
func (f *Framework) ExtensionAPIOf(ctx context.Context, functionURN string) (addr, reason string, err error) {
	if f.Config.ExtensionAPI != "" {
		return f.Config.ExtensionAPI, "", nil
	}
	if reason := f.NoExtensionAPI(ctx); reason != "" {
		return "", reason, nil
	}
	// The admin API is the emulator's own, not FunctionGraph's, so this
	// call bypasses the validating transport.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.ExtensionAPIAdminURL(functionURN), nil)
	if err != nil {
		return "", "", err
	}
	if err := f.adminAuthenticate(req); err != nil {
		return "", "", err
	}
	resp, err := sideChannelHTTP.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("emulator admin API: extension-api of %s: %w", functionURN, err)
	}
	defer resp.Body.Close()
	var out struct {
		Address string `json:"address"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Address == "" {
		return "", "", fmt.Errorf("emulator admin API: extension-api of %s: status %d, address %q (%v)", functionURN, resp.StatusCode, out.Address, err)
	}
	return out.Address, "", nil
}

// ExtensionAPIAdminURL is the emulator's admin call that hands out the
// function's Extension API (and starts it).
func (f *Framework) ExtensionAPIAdminURL(functionURN string) string {
	return f.Target.BaseURL + "/_fgh/v1/functions/" + url.PathEscape(functionURN) + "/extension-api"
}

// ComponentSchema is a named schema of the FunctionGraph document, for
// values the spec describes outside a body (the decoded X-Cff-Invoke-Summary).
func ComponentSchema(name string) *openapi3.Schema {
	GinkgoHelper()
	doc, ok := Current().Spec.Document(spec.FunctionGraph)
	Expect(ok).To(BeTrue())
	ref := doc.Components.Schemas[name]
	Expect(ref).NotTo(BeNil(), "the spec has no schema %s", name)
	return ref.Value
}

// PackageZip is a code or dependency package holding one file, built in
// memory. Writing to memory does not fail, so an error is a bug: it panics.
func PackageZip(name, content string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err == nil {
		_, err = io.WriteString(w, content)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		panic(fmt.Sprintf("framework: build a zip in memory: %v", err))
	}
	return buf.Bytes()
}
