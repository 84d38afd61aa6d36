package providertest

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// Fault is a hostile or failed answer an HTTP fake of a panel gives on
// demand. The fakes in this module (cpaneltest, plesktest, directadmintest,
// solusvmtest, openstacktest, proxmoxtest) share these names and add their
// panel's own; each fake's documentation says how it renders each fault in
// its panel's wire format and which requests a fault applies to.
type Fault string

// The faults every panel fake of this module understands.
const (
	// FaultNone answers normally.
	FaultNone Fault = ""
	// FaultUnauthorized refuses the credentials, as the panel does.
	FaultUnauthorized Fault = "unauthorized"
	// FaultServerError answers HTTP 500.
	FaultServerError Fault = "server-error"
	// FaultRateLimited answers HTTP 429 with a short Retry-After.
	FaultRateLimited Fault = "rate-limited"
	// FaultSlow holds the request for the fake's SlowDelay, or until the
	// client gives up, then answers normally.
	FaultSlow Fault = "slow"
	// FaultTruncated declares a longer body than it sends, then hangs up.
	FaultTruncated Fault = "truncated"
	// FaultHTML answers HTTP 200 with an HTML page (a proxy's error page,
	// a login screen) where the API answer was expected.
	FaultHTML Fault = "html"
	// FaultMalformed answers with a body the panel's format cannot parse,
	// or a record the client must reject (each fake says which).
	FaultMalformed Fault = "malformed"
	// FaultRedirect302 answers "302 Found" with a Location set by
	// RedirectTo (another server, in the tests of this module). A client
	// that follows it would send a GET there.
	FaultRedirect302 Fault = "redirect-302"
	// FaultRedirect307 answers "307 Temporary Redirect" to the RedirectTo
	// target: a client that follows it re-sends the method, the headers
	// and the body, credentials included.
	FaultRedirect307 Fault = "redirect-307"
	// FaultWrongShape answers a listing with HTTP 200 and a body that is
	// valid in the panel's format but lacks the list (JSON "{}" or the
	// envelope without its list key; the XML envelope without its
	// records). It applies to listing requests only.
	FaultWrongShape Fault = "wrong-shape"
	// FaultNullList answers a listing with the list present but null
	// (JSON null; in XML, where there is no null, an empty list element
	// where the protocol never sends one). It applies to listing
	// requests only.
	FaultNullList Fault = "null-list"
	// FaultWrongType answers a listing with the list key holding another
	// type (a string or an object where an array belongs). It applies to
	// listing requests only.
	FaultWrongType Fault = "wrong-type"
)

// String returns the fault's name, "none" for FaultNone.
func (f Fault) String() string {
	if f == FaultNone {
		return "none"
	}
	return string(f)
}

// IsRedirect reports whether f is one of the redirect faults.
func (f Fault) IsRedirect() bool { return f == FaultRedirect302 || f == FaultRedirect307 }

// IsWrongShape reports whether f is one of the listing-shape faults:
// [FaultWrongShape], [FaultNullList] or [FaultWrongType].
func (f Fault) IsWrongShape() bool {
	return f == FaultWrongShape || f == FaultNullList || f == FaultWrongType
}

// Request is one request an HTTP fake received, as its Requests method
// returns it. It holds what arrived, secrets included: keep it out of logs.
type Request struct {
	// Function is the fake's name for the API call, the one its Calls
	// method counts ("listaccts", "CMD_API_SHOW_ALL_USERS", ...); for a
	// request that carries several calls (a Plesk packet), their names
	// joined by ",".
	Function string
	Method   string
	Path     string
	Query    url.Values
	Header   http.Header
	// Body is the raw request body; Form is the same body decoded when it
	// was form-encoded (nil otherwise).
	Body []byte
	Form url.Values
}

// HTTPFake is what every panel fake of this module offers besides its
// panel's API, so that a test (or a helper such as [RunRedirects]) can
// drive any of them alike.
type HTTPFake interface {
	// SetFault makes every request the fault applies to get f, until
	// SetFault(FaultNone).
	SetFault(f Fault)
	// FailNext makes the next n requests the fault applies to get f; it
	// takes precedence over SetFault.
	FailNext(f Fault, n int)
	// FailAfter lets the next skip requests the fault applies to pass,
	// then makes n get f: the fault on the Nth request or page.
	FailAfter(f Fault, skip, n int)
	// RedirectTo sets where the redirect faults send the client.
	RedirectTo(target string)
	// Calls returns how many requests for function the fake received,
	// faulted ones included.
	Calls(function string) int
	// Requests returns the requests received for function ("" for every
	// function), oldest first; the fakes keep the most recent ones.
	Requests(function string) []Request
}

// RunRedirects checks that p, a client of fake, never follows a listing's
// redirect to another server: for a 302 and a 307 to a server on another
// loopback address, ListAccounts fails with no accounts and an error
// naming that server (without the target's query string), and that
// server receives nothing. p must list successfully before the fault is
// set, so that any login happens first and the redirect answers the
// listing itself.
func RunRedirects(t *testing.T, fake HTTPFake, p provider.Provider) {
	t.Helper()
	const querySecret = "providertest-redirect-secret"
	var hits atomic.Int32
	foreign := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "{}")
	}))
	// Another loopback address where the system has one, so that the
	// redirect changes the host and not only the port.
	if l, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		foreign.Listener.Close()
		foreign.Listener = l
	}
	foreign.Start()
	defer foreign.Close()
	fake.RedirectTo(foreign.URL + "/landing?token=" + querySecret)

	for _, f := range []Fault{FaultRedirect302, FaultRedirect307} {
		t.Run("a listing answered with "+f.String()+" to another host fails and sends that host nothing", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			fake.SetFault(FaultNone)
			if _, err := p.ListAccounts(ctx); err != nil {
				t.Fatalf("ListAccounts before the fault: %v", err)
			}
			hits.Store(0)
			fake.SetFault(f)
			accts, err := p.ListAccounts(ctx)
			fake.SetFault(FaultNone)
			if err == nil || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want an error and no accounts", len(accts), err)
			}
			if !strings.Contains(err.Error(), foreign.URL+"/landing") {
				t.Errorf("error %q does not name the redirect's target %s/landing", err, foreign.URL)
			}
			if strings.Contains(err.Error(), querySecret) {
				t.Errorf("error %q repeats the target's query string", err)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("the other host received %d requests, want none", n)
			}
		})
	}
}
