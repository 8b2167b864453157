// Package extension holds the contract specs of the Extension API: the registration rules and the fan-out of every invocation to every registered extension.
package extension

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// Delivery is asynchronous: an invocation's answer may come back before its
// events reach the extensions. These bound the wait, and how long a count
// must hold still to show no duplicate follows.
const (
	deliveryTimeout = 5 * time.Second
	deliveryPoll    = 10 * time.Millisecond
	duplicateWindow = 200 * time.Millisecond
)

// The registration headers of the Extension API.
const (
	nameHeader    = "FunctionGraph-Extension-Name"
	addressHeader = "FunctionGraph-Extension-Address"
)

// registration is one call to registerExtension; an empty field leaves its header out.
type registration struct{ name, address string }

// extensionAPI is a function's Extension API as the specs use it.
type extensionAPI struct {
	fn      fw.Function
	baseURL string
	// tolerate lets well-formed registrations through when the run's
	// extension ports lie outside the documented 8081–8090 (a test range).
	tolerate fw.Tolerate
}

// openExtensionAPI finds the Extension API of a fresh function, or says why
// there is none; specs then skip with that reason.
func openExtensionAPI(ctx context.Context) (extensionAPI, string) {
	GinkgoHelper()
	if reason := fw.ExtensionAPIReason(ctx); reason != "" {
		return extensionAPI{}, reason
	}
	fn := fw.InvocableFunction()
	addr, reason := fw.ExtensionAPI(ctx, fn.URN)
	if reason != "" {
		return extensionAPI{}, reason
	}
	api := extensionAPI{fn: fn, baseURL: "http://" + addr}
	if fw.Current().ExtensionBasePort != fw.DefaultExtensionBasePort {
		api.tolerate.AcceptRequest = []string{"header " + addressHeader}
	}
	return api, ""
}

// register sends one registration; invalid lets a spec send a request the
// spec forbids on purpose.
func (api extensionAPI) register(r registration, invalid bool) *fw.Response {
	GinkgoHelper()
	h := http.Header{}
	if r.name != "" {
		h.Set(nameHeader, r.name)
	}
	if r.address != "" {
		h.Set(addressHeader, r.address)
	}
	tol := api.tolerate
	tol.InvalidRequest = invalid
	return fw.Call(fw.Request{Operation: fgs.OpRegisterExtension, BaseURL: api.baseURL, Header: h, Body: map[string]any{}, Tolerate: tol})
}

// expectRefused fails unless the registration was answered 400 with an error body.
func expectRefused(resp *fw.Response, what string) {
	GinkgoHelper()
	Expect(resp.Status).To(Equal(http.StatusBadRequest),
		"registerExtension %s: status: expected 400 (refused), got %d: %s", what, resp.Status, resp.Snippet())
	Expect(resp.Object()).To(HaveKey("error_code"), "registerExtension %s: body: expected an error body", what)
}

func extensionAddress(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

var _ = area.Describe("Extension API registration rules", Ordered, Label(fw.LabelExtension, fw.LabelNegative, fw.LabelErrors, fw.LabelDestructive), func() {
	var (
		api    extensionAPI
		reason string
	)
	BeforeAll(func(ctx SpecContext) { api, reason = openExtensionAPI(ctx) })
	BeforeEach(func() {
		if reason != "" {
			Skip(reason)
		}
	})

	It("refuses a registration without FunctionGraph-Extension-Name",
		fw.Judges(fgs.OpRegisterExtension, fw.CheckStatus, fw.CheckErrors, fw.CheckHeaders), func() {
			base := fw.Current().ExtensionBasePort
			expectRefused(api.register(registration{address: extensionAddress(base)}, true), "without "+nameHeader)
		})

	It("refuses a registration without FunctionGraph-Extension-Address",
		fw.Judges(fgs.OpRegisterExtension, fw.CheckStatus, fw.CheckErrors, fw.CheckHeaders), func() {
			expectRefused(api.register(registration{name: fw.Current().Name("ext")}, true), "without "+addressHeader)
		})

	It("refuses an address outside 127.0.0.1 and the ten extension ports",
		fw.Judges(fgs.OpRegisterExtension, fw.CheckStatus, fw.CheckErrors, fw.CheckHeaders), func() {
			base := fw.Current().ExtensionBasePort
			for _, addr := range []string{
				extensionAddress(base - 1),
				extensionAddress(base + fgs.MaxExtensions),
				net.JoinHostPort("127.0.0.2", strconv.Itoa(base)),
				net.JoinHostPort("localhost", strconv.Itoa(base)),
			} {
				expectRefused(api.register(registration{name: fw.Current().Name("ext"), address: addr}, true),
					fmt.Sprintf("with %s %s", addressHeader, addr))
			}
		})
})

var _ = area.Describe("Extension API fan-out", Ordered, Label(fw.LabelExtension, fw.LabelBehaviour, fw.LabelDestructive), func() {
	var (
		api     extensionAPI
		reason  string
		servers []*fw.ExtensionServer
		names   []string
	)
	BeforeAll(func(ctx SpecContext) {
		if api, reason = openExtensionAPI(ctx); reason != "" {
			return
		}
		servers = fw.StartExtensionServers(fgs.MaxExtensions)
		for range servers {
			names = append(names, fw.Current().Name("ext")+".sh")
		}
	})
	BeforeEach(func() {
		if reason != "" {
			Skip(reason)
		}
	})

	// Each spec registers what it relies on (a repeat changes nothing), so
	// a label filter may pick any one of them.
	registerAt := func(i int) *fw.Response {
		GinkgoHelper()
		return api.register(registration{name: names[i], address: servers[i].Address}, false)
	}
	registerAll := func() {
		GinkgoHelper()
		for i := range servers {
			registerAt(i).ExpectStatus(http.StatusOK)
		}
	}

	It("registers an extension and answers with the function's name and version",
		fw.Judges(fgs.OpRegisterExtension, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			body := registerAt(0).ExpectStatus(http.StatusOK).Object()
			Expect(body["functionName"]).To(Equal(api.fn.Name), "registerExtension: body /functionName: expected the function %s", api.fn.Name)
			Expect(body["functionVersion"]).NotTo(BeEmpty(), "registerExtension: body /functionVersion: expected the version the extension serves")
		})

	It("answers a repeated registration of the same name and address with 200",
		fw.Judges(fgs.OpRegisterExtension, fw.CheckStatus, fw.CheckBehaviour), func() {
			registerAt(0).ExpectStatus(http.StatusOK)
			registerAt(0).ExpectStatus(http.StatusOK)
		})

	It("refuses a second extension on a port already registered",
		Label(fw.LabelNegative), fw.Judges(fgs.OpRegisterExtension, fw.CheckStatus, fw.CheckErrors), func() {
			registerAt(0).ExpectStatus(http.StatusOK)
			expectRefused(api.register(registration{name: fw.Current().Name("ext") + ".sh", address: servers[0].Address}, false),
				"of another extension on "+servers[0].Address)
		})

	It("accepts ten extensions and refuses the eleventh",
		fw.Judges(fgs.OpRegisterExtension, fw.CheckStatus, fw.CheckErrors, fw.CheckBehaviour), func() {
			registerAll()
			// Ten extensions hold all ten ports, so the eleventh can only reuse one.
			eleventh := registration{name: fw.Current().Name("ext") + ".sh", address: servers[len(servers)-1].Address}
			expectRefused(api.register(eleventh, false), "of an eleventh extension")
		})

	It("delivers each invocation to every extension exactly once, naming the request and the invoked function",
		fw.Conformance([]string{fgs.OpInvokeExtension, fgs.OpInvokeFunction}, fw.CheckSchema, fw.CheckBehaviour), func() {
			registerAll()
			for n := range 2 {
				resp := fw.Invoke(api.fn.URN, map[string]any{"extension": n}, nil).ExpectStatus(http.StatusOK)
				traceID := resp.Header.Get("X-Cff-Request-Id")
				Expect(traceID).NotTo(BeEmpty(), "invokeFunction: header X-Cff-Request-Id: expected the request ID the extensions receive as traceId")
				expectDeliveredOnce(servers, names, traceID, api.fn.URN)
			}
		})
})

// expectDeliveredOnce waits until every server received the event of
// traceID, then checks that none receives it again and that every event
// names the invoked function and matches invokeExtension.
func expectDeliveredOnce(servers []*fw.ExtensionServer, names []string, traceID, invokedURN string) {
	GinkgoHelper()
	counts := func(g Gomega) {
		for i, s := range servers {
			got := s.EventsFor(traceID)
			g.Expect(got).To(HaveLen(1), "extension %s at %s: expected the event of request %s exactly once, got it %d times (all events: %+v)",
				names[i], s.Address, traceID, len(got), s.Events())
		}
	}
	Eventually(counts).WithTimeout(deliveryTimeout).WithPolling(deliveryPoll).Should(Succeed())
	Consistently(counts).WithTimeout(duplicateWindow).WithPolling(deliveryPoll * 5).Should(Succeed())
	for i, s := range servers {
		ev := s.EventsFor(traceID)[0]
		Expect(ev.InvokedFunctionURN).To(Equal(invokedURN),
			"extension %s: event invokedFunctionUrn: expected the invoked function %s", names[i], invokedURN)
		Expect(ev.Violations).To(BeEmpty(), "extension %s: invokeExtension event of request %s violates the spec: %v", names[i], traceID, ev.Violations)
	}
}

// area holds this package's specs until Register.
var area fw.Area

// Register adds the extension specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
