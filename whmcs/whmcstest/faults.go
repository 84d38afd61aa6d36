package whmcstest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync/provider/providertest"
)

// Fault is a way for the server to fail a request: one of the names every
// fake of this module shares (package providertest), or one of WHMCS's own
// below. Only FaultSlow lets the action run (late); the others answer
// before WHMCS would act, so they change nothing. To fail after acting,
// use [Server.DropAfter].
//
// How this fake renders the shared faults: FaultUnauthorized is HTTP 403
// {"result":"error","message":"Authentication Failed"}, whatever the
// credentials; FaultServerError is HTTP 500 with a PHP fatal error page;
// FaultRateLimited is HTTP 429 with "Retry-After: 1", as a web application
// firewall in front of WHMCS may send; FaultSlow holds the request for
// Options.SlowDelay, or until its context ends, then answers normally;
// FaultTruncated declares a Content-Length larger than the body it sends,
// then hangs up; FaultHTML is HTTP 200 with the admin login page, as a
// wrong BaseURL or a misconfigured proxy gives; FaultMalformed is HTTP 200
// with JSON cut short; FaultRedirect302 and FaultRedirect307 redirect to
// the [Server.RedirectTo] target. The listing faults apply to the list
// actions (GetClientsProducts, GetClients, GetProducts, GetUsers,
// GetServers) only: FaultWrongShape answers {"result":"success"} and
// nothing else, FaultNullList keeps the totals and makes the list null,
// and FaultWrongType puts a string where the list belongs.
type Fault = providertest.Fault

// The faults [Server.SetFault], [Server.FailNext] and [Server.FailAfter]
// inject.
const (
	FaultNone         = providertest.FaultNone
	FaultUnauthorized = providertest.FaultUnauthorized
	FaultServerError  = providertest.FaultServerError
	FaultRateLimited  = providertest.FaultRateLimited
	FaultSlow         = providertest.FaultSlow
	FaultTruncated    = providertest.FaultTruncated
	FaultHTML         = providertest.FaultHTML
	FaultMalformed    = providertest.FaultMalformed
	FaultRedirect302  = providertest.FaultRedirect302
	FaultRedirect307  = providertest.FaultRedirect307
	FaultWrongShape   = providertest.FaultWrongShape
	FaultNullList     = providertest.FaultNullList
	FaultWrongType    = providertest.FaultWrongType

	// FaultAPIError answers HTTP 200 {"result":"error"} with a message, an
	// action-level failure.
	FaultAPIError Fault = "whmcs-api-error"
	// FaultNVP answers in the deprecated name=value format, as when a
	// proxy drops the responsetype parameter.
	FaultNVP Fault = "whmcs-nvp"
)

// listActions answer in XML when no responsetype is sent, refuse NVP, and
// are the requests the listing faults apply to.
var listActions = map[string]bool{
	"getclients": true, "getclientsproducts": true, "getproducts": true, "getorders": true,
	"getclientsaddons": true, "getclientsdomains": true, "getinvoices": true, "getemails": true,
	"getactivitylog": true, "getcurrencies": true, "getpaymentmethods": true,
}

// applies reports whether f can affect a request for action: the listing
// faults touch list actions only.
func applies(f Fault, action string) bool {
	return !f.IsWrongShape() || listActions[action] || action == "getusers" || action == "getservers"
}

// SetFault makes every request the fault applies to get f, until
// SetFault(FaultNone).
func (s *Server) SetFault(f Fault) { s.faults.SetFault(f) }

// FailNext makes the next n requests the fault applies to get f; it takes
// precedence over SetFault.
func (s *Server) FailNext(f Fault, n int) { s.faults.FailNext(f, n) }

// FailAfter lets the next skip requests the fault applies to pass, then
// makes n of them get f: the fault on the Nth request or page.
func (s *Server) FailAfter(f Fault, skip, n int) { s.faults.FailAfter(f, skip, n) }

// RedirectTo sets where the redirect faults send the client (by default a
// closed port on loopback).
func (s *Server) RedirectTo(target string) { s.faults.RedirectTo(target) }

// Calls returns how many requests for action (in any case), faulted or
// refused ones included, the server received.
func (s *Server) Calls(action string) int { return s.faults.Calls(strings.ToLower(action)) }

// Requests returns the requests received for action (in any case; "" for
// every action), oldest first; the server keeps the most recent ones.
// Function is the action in lower case, Form the POST body's parameters.
// They hold what arrived, secrets included: keep them out of logs.
func (s *Server) Requests(action string) []providertest.Request {
	return s.faults.Requests(strings.ToLower(action))
}

// FailCall makes the nth call (from 1, counting every request for the
// action so far) of action answer {"result":"error","message":message}
// with HTTP 200 instead of acting.
func (s *Server) FailCall(action string, nth int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := strings.ToLower(action)
	if s.failCalls[a] == nil {
		s.failCalls[a] = map[int]string{}
	}
	s.failCalls[a][nth] = message
}

// DropAfter makes the nth call of action (from 1) act, then close the
// connection without an answer: what the caller sees when it crashes, or
// a proxy times out, after WHMCS did the work.
func (s *Server) DropAfter(action string, nth int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := strings.ToLower(action)
	if s.drops[a] == nil {
		s.drops[a] = map[int]bool{}
	}
	s.drops[a][nth] = true
}

// OnCall runs fn before every authorised call of action, with the call's
// number (from 1), outside the server's lock: fn may seed or change
// state, as another admin would between two pages of a listing.
func (s *Server) OnCall(action string, fn func(call int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := strings.ToLower(action)
	s.hooks[a] = append(s.hooks[a], fn)
}

// network applies the faults that happen before WHMCS sees the request,
// and reports whether it answered.
func (s *Server) network(w http.ResponseWriter, f Fault) bool {
	switch f {
	case FaultServerError:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("<html><head><title>500 Internal Server Error</title></head><body><b>Fatal error</b>: Uncaught Error: Call to a member function on null in /home/whmcs/public_html/vendor/whmcs/whmcs-foundation/lib/Api/V1/Catalog.php:42</body></html>\n"))
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<!DOCTYPE html>\n<html lang=\"en\"><head><title>WHMCS - Login</title></head><body><form method=\"post\" action=\"dologin.php\"><input type=\"text\" name=\"username\"><input type=\"password\" name=\"password\"></form></body></html>\n"))
	case FaultRateLimited:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte("<html><body><h1>429 Too Many Requests</h1></body></html>\n"))
	case FaultTruncated:
		body := `{"result":"success","totalresults":"2","products":{"product":[{"id":"1"`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)+4096))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(body))
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"result":"success","totalresults":"2","products":{"product":[{"id":"1","domain":"a.exa`))
	default:
		return false
	}
	return true
}
