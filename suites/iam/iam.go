// Package iam holds the contract specs of authentication: IAM password tokens and how FunctionGraph treats missing or invalid credentials.
package iam

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/fgharness/fgharness/suites/framework"

	"github.com/fgharness/fgharness/internal/fgs"
)

const issueToken = fgs.OpKeystoneCreateUserTokenByPassword

// withoutCredentials accepts the request-side violation a spec that sends
// no credentials provokes on purpose.
var withoutCredentials = fw.Tolerate{AcceptRequest: []string{"header X-Auth-Token or Authorization"}}

// passwordBody is the spec's project-scoped example with the given user,
// password and project ID.
func passwordBody(user, password, projectID string) map[string]any {
	GinkgoHelper()
	body := fw.Example(issueToken, "projectById")
	auth := body["auth"].(map[string]any)
	u := auth["identity"].(map[string]any)["password"].(map[string]any)["user"].(map[string]any)
	u["name"], u["password"] = user, password
	auth["scope"].(map[string]any)["project"].(map[string]any)["id"] = projectID
	return body
}

// localUser is the IAM user of the in-process emulator; other targets get no
// IAM options, so the password specs skip there.
func localUser() (user, password string) {
	GinkgoHelper()
	if fw.Current().Local == nil {
		Skip("no IAM endpoint and user are configured for this target (fgh contract takes a token or AK/SK only), so password sign-in cannot be tried")
	}
	l := fw.Current().Local
	if l.IAMUser == "" {
		Skip("the in-process emulator was started without an IAM user, so password sign-in cannot be tried")
	}
	return l.IAMUser, l.IAMPassword
}

var _ = area.Describe("IAM password tokens", Label(fw.LabelIAM), func() {
	It("issues a project-scoped token in X-Subject-Token with 201, and FunctionGraph accepts it",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Provokes(issueToken, http.StatusCreated), fw.Judges(issueToken, fw.CheckSchema, fw.CheckStatus, fw.CheckHeaders, fw.CheckBehaviour), func() {
			user, password := localUser()
			project := fw.Current().Target.ProjectID
			resp := fw.Call(fw.Request{Operation: issueToken, Body: passwordBody(user, password, project), NoCredentials: true}).ExpectStatus(http.StatusCreated)
			token := resp.Header.Get("X-Subject-Token")
			Expect(token).NotTo(BeEmpty(), "%s: header X-Subject-Token: expected the issued token, got none", issueToken)

			var body struct {
				Token struct {
					ExpiresAt string   `json:"expires_at"`
					Methods   []string `json:"methods"`
					Project   struct {
						ID string `json:"id"`
					} `json:"project"`
				} `json:"token"`
			}
			resp.Decode(&body)
			Expect(body.Token.Methods).To(ContainElement("password"), "%s: token.methods: expected password", issueToken)
			Expect(body.Token.Project.ID).To(Equal(project), "%s: token.project.id: expected the requested project scope", issueToken)
			expires, err := time.Parse(time.RFC3339, body.Token.ExpiresAt)
			Expect(err).NotTo(HaveOccurred(), "%s: token.expires_at %q: expected a timestamp", issueToken, body.Token.ExpiresAt)
			Expect(expires).To(BeTemporally(">", time.Now()), "%s: token.expires_at: expected a time in the future", issueToken)

			// The token is a secret: it goes only into the header, never into a message.
			use := fw.Call(fw.Request{Operation: fgs.OpListFunctions, NoCredentials: true, Header: http.Header{"X-Auth-Token": {token}}})
			Expect(use.Status).To(Equal(http.StatusOK), "listFunctions with the token IAM issued: expected 200, got %d (body: %s)", use.Status, use.Snippet())
		})

	It("refuses a wrong password with 401 and the Error body",
		Label(fw.LabelErrors, fw.LabelNegative), fw.Provokes(issueToken, http.StatusUnauthorized), fw.Judges(issueToken, fw.CheckStatus, fw.CheckErrors), func() {
			user, password := localUser()
			body := passwordBody(user, password+"-wrong", fw.Current().Target.ProjectID)
			resp := fw.Call(fw.Request{Operation: issueToken, Body: body, NoCredentials: true}).ExpectStatus(http.StatusUnauthorized)
			Expect(resp.String("error_code")).NotTo(BeEmpty(), "%s with a wrong password: error_code", issueToken)
			Expect(resp.Header.Get("X-Subject-Token")).To(BeEmpty(), "%s with a wrong password: header X-Subject-Token: a token was issued", issueToken)
		})

	It("refuses a body without the password method with 400",
		Label(fw.LabelErrors, fw.LabelNegative), fw.Provokes(issueToken, http.StatusBadRequest), fw.Judges(issueToken, fw.CheckStatus, fw.CheckErrors), func() {
			user, password := localUser()
			body := passwordBody(user, password, fw.Current().Target.ProjectID)
			identity := body["auth"].(map[string]any)["identity"].(map[string]any)
			delete(identity, "password")
			resp := fw.Call(fw.Request{Operation: issueToken, Body: body, NoCredentials: true, Tolerate: fw.Tolerate{AcceptRequest: []string{"body"}}}).
				ExpectStatus(http.StatusBadRequest)
			Expect(resp.String("error_code")).NotTo(BeEmpty(), "%s without identity.password: error_code", issueToken)
		})
})

var _ = area.Describe("FunctionGraph credentials", Label(fw.LabelIAM, fw.LabelErrors, fw.LabelNegative), func() {
	It("answers 401 with the Error body when a request carries no credentials",
		fw.Provokes(fgs.OpListFunctions, http.StatusUnauthorized), fw.Judges(fgs.OpListFunctions, fw.CheckStatus, fw.CheckErrors), func() {
			resp := fw.Call(fw.Request{Operation: fgs.OpListFunctions, NoCredentials: true, Tolerate: withoutCredentials}).ExpectStatus(http.StatusUnauthorized)
			Expect(resp.String("error_code")).To(BeElementOf("FSS.0401", "APIG.0301", "APIGW.0301"),
				"listFunctions without credentials: error_code: expected FSS.0401 or the gateway's APIG.0301")
		})

	It("answers 401 when the token is not one IAM issued",
		fw.Judges(fgs.OpListFunctions, fw.CheckStatus, fw.CheckErrors), func() {
			bogus := http.Header{"X-Auth-Token": {"fgh-not-a-token-" + fw.Current().RunID}}
			resp := fw.Call(fw.Request{Operation: fgs.OpListFunctions, NoCredentials: true, Header: bogus}).ExpectStatus(http.StatusUnauthorized)
			Expect(resp.String("error_code")).NotTo(BeEmpty(), "listFunctions with an invalid token: error_code")
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the iam specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
