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
