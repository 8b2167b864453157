// Package fgs is the one home of FunctionGraph platform facts: documented limits, operation ids generated from the spec, Extension API names and the wire structs the client and the emulator share.
package fgs

//go:generate go run ./opgen

// Documented limits of the platform. A limit that a schema can state (a
// pattern, a maxLength) lives in spec/*.yaml instead; these are the ones the
// schemas cannot express, or that code needs as a number.
const (
	// MaxExtensions is how many extensions may register with one function.
	MaxExtensions = 10
	// MaxSyncPayloadBytes bounds a synchronous invocation's request body and
	// the function's result (6 MB).
	MaxSyncPayloadBytes = 6 << 20
	// MaxCodePackageBytes bounds a function's code package (50 MB, FSS.1071);
	// sent inline it travels base64-encoded in the request body.
	MaxCodePackageBytes = 50 << 20
	// MaxTailLogBytes bounds the log a synchronous invocation returns with
	// X-Cff-Log-Type: tail (4 KB, the last bytes of the execution log).
	MaxTailLogBytes = 4 << 10
)

// Request body bounds per kind of operation, derived from the limits above:
// an invocation's event (6 MB), a 50 MB code package base64-encoded plus
// room for the JSON around it on the operations that carry one, and 1 MB
// for every other body, which holds nothing bigger than a 4 KB user_data or
// a workflow definition. The emulator refuses bodies past them; the proxy
// forwards a little more, so the upstream's own answer to an oversize body
// is what gets judged.
const (
	MaxCodeRequestBytes  = (MaxCodePackageBytes+2)/3*4 + 1<<20
	MaxPlainRequestBytes = 1 << 20
)

// codeOperations carry a code or dependency package in their body.
var codeOperations = map[string]bool{
	OpCreateFunction:          true,
	OpUpdateFunctionCode:      true,
	OpCreateDependency:        true,
	OpCreateDependencyVersion: true,
}

// CarriesCodePackage tells whether opID's request body may hold a code or dependency package.
func CarriesCodePackage(opID string) bool { return codeOperations[opID] }

// InvokesFunction tells whether opID's request body is an invocation's event.
func InvokesFunction(opID string) bool {
	return opID == OpInvokeFunction || opID == OpAsyncInvokeFunction
}

// MaxRequestBytes is the largest request body opID may carry ("" or an
// unknown id: the plain bound).
func MaxRequestBytes(opID string) int64 {
	switch {
	case InvokesFunction(opID):
		return MaxSyncPayloadBytes
	case CarriesCodePackage(opID):
		return MaxCodeRequestBytes
	}
	return MaxPlainRequestBytes
}

// The Extension API's fixed names. Extensions register at EXTENSION_API_ADDR
// and listen on one of the documented loopback ports.
const (
	ExtensionRegisterPath  = "/extension/register"
	ExtensionInvokePath    = "/extension/invoke"
	HeaderExtensionName    = "FunctionGraph-Extension-Name"
	HeaderExtensionAddress = "FunctionGraph-Extension-Address"
	// ExtensionPortMin and ExtensionPortMax bound the addresses an extension
	// may register: 127.0.0.1:8081 to 127.0.0.1:8090, each port once.
	ExtensionPortMin = 8081
	ExtensionPortMax = ExtensionPortMin + MaxExtensions - 1
)
