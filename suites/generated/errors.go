package generated

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// errorServices are the error_code prefixes each document's answers may
// carry, after the Error schema's description: FunctionGraph's own codes
// (FSS, FGS) and the API gateway's in front of it (APIG, APIGW) for
// credentials it refuses; IAM's codes (IAM, or four bare digits).
var errorServices = map[string][]string{
	spec.FunctionGraph: {"FSS", "FGS"},
	spec.IAM:           {"IAM", ""},
}

// gatewayServices may answer a 401 before the request reaches the service.
var gatewayServices = []string{"APIG", "APIGW"}

// genericCode is a code of FunctionGraph's generic table, which maps one to
// one onto HTTP statuses (FSS.0400 is 400, FSS.0404 is 404, ...).
var genericCode = regexp.MustCompile(`^FSS\.0(\d{3})$`)

var (
	codePatternOnce sync.Once
	codePattern     *regexp.Regexp
)

// errorCodePattern is the documented error_code format, read from the
// spec's Error schema.
func errorCodePattern() *regexp.Regexp {
	GinkgoHelper()
	codePatternOnce.Do(func() {
		prop := fw.ComponentSchema("Error").Properties["error_code"]
		Expect(prop).NotTo(BeNil(), "the spec's Error schema has no error_code")
		codePattern = regexp.MustCompile(prop.Value.Pattern)
	})
	return codePattern
}

// expectDocumentedError judges an error answer: the status the case
// provokes, an Error body (the transport has checked its schema), and an
// error_code in the documented format of the operation's service.
func expectDocumentedError(resp *fw.Response, c testCase) {
	GinkgoHelper()
	op := resp.Operation
	Expect(resp.Status).To(Equal(c.Status), "%s with %s: status: expected %d, got %d (body: %s)",
		op.ID, c.describe(), c.Status, resp.Status, resp.Snippet())
	code, _ := resp.Object()["error_code"].(string)
	Expect(code).To(MatchRegexp(errorCodePattern().String()),
		"%s %d: body /error_code: expected the documented format SERVICE.dddd (FSS.xxxx, FGS.xxxx, ...), got %q", op.ID, resp.Status, code)
	service, _, found := strings.Cut(code, ".")
	if !found {
		service = "" // IAM's bare four digits
	}
	allowed := errorServices[op.Document]
	if resp.Status == 401 {
		allowed = append(slices.Clone(allowed), gatewayServices...)
	}
	Expect(allowed).To(ContainElement(service),
		"%s %d: body /error_code: expected a code of %s, got %q", op.ID, resp.Status, strings.Join(nonEmpty(allowed), "/"), code)
	if m := genericCode.FindStringSubmatch(code); m != nil {
		Expect(m[1]).To(Equal(strconv.Itoa(resp.Status)),
			"%s %d: body /error_code: the generic code %s names status %s, not %d", op.ID, resp.Status, code, m[1], resp.Status)
	}
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s == "" {
			s = "dddd"
		}
		out = append(out, s)
	}
	return out
}

// describe says what the case did to the request, for failure messages.
func (c testCase) describe() string {
	switch c.Kind {
	case caseUnknown:
		return "an unknown " + c.Param
	case caseViolation:
		return c.Broken.String()
	}
	return c.Kind
}

// bodyCase provokes an error status through the body, on operations that
// take their credentials and scope in it (IAM's token request).
type bodyCase struct {
	Status int
	Text   string
	mutate func(body map[string]any)
}

// bodyCases are the body-borne 401/404 cases of operations without
// credentials of their own; bodyDeclines say why the other statuses are not provoked.
var (
	bodyCases = map[string][]bodyCase{
		fgs.OpKeystoneCreateUserTokenByPassword: {
			{Status: 401, Text: "wrong password", mutate: func(body map[string]any) {
				setPath(body, []string{"auth", "identity", "password", "user", "password"}, "fgh-wrong-password")
			}},
			{Status: 404, Text: "scope names a project that does not exist", mutate: func(body map[string]any) {
				setPath(body, []string{"auth", "scope", "project"}, map[string]any{"id": foreignProject(fw.Current().Target.ProjectID)})
			}},
		},
	}
	bodyDeclines = map[string]map[int]string{
		fgs.OpKeystoneCreateUserTokenByPassword: {
			403: "needs an IAM user that is disabled or locked; the suites cannot make one",
		},
	}
)
