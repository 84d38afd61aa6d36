package whmcstest

import (
	"net/http"
	"strconv"
	"strings"
)

// Fault is a way for the server to fail a request. Only FaultSlow lets the
// action run (late); the others answer before WHMCS would act, so they
// change nothing. To fail after acting, use [Server.DropAfter].
type Fault int

// The faults [Server.SetFault] and [Server.FailNext] inject.
const (
	// FaultNone answers normally.
	FaultNone Fault = iota
	// FaultUnauthorized answers HTTP 403 {"result":"error","message":
	// "Authentication Failed"}, whatever the credentials.
	FaultUnauthorized
	// FaultServerError answers HTTP 500 with a PHP fatal error page.
	FaultServerError
	// FaultHTML answers HTTP 200 with the admin login page, as a WHMCS
	// behind a misconfigured proxy or a wrong BaseURL does.
	FaultHTML
	// FaultRateLimited answers HTTP 429 with "Retry-After: 1", as a web
	// application firewall in front of WHMCS may.
	FaultRateLimited
	// FaultSlow holds the request for Options.SlowDelay, or until its
	// context ends, then answers normally.
	FaultSlow
	// FaultTruncated declares a Content-Length larger than the body it
	// sends, then hangs up.
	FaultTruncated
	// FaultMalformed answers HTTP 200 with JSON cut short.
	FaultMalformed
	// FaultAPIError answers HTTP 200 {"result":"error"} with a message, an
	// action-level failure.
	FaultAPIError
	// FaultWrongShape answers HTTP 200 {"result":"success"} and nothing
	// else: no totals, no lists.
	FaultWrongShape
	// FaultNullLists answers list actions with their totals but null
	// lists, and other actions normally.
	FaultNullLists
	// FaultRedirect answers 302 to the same path on another host, as a
	// moved installation or a captive portal does.
	FaultRedirect
	// FaultNVP answers in the deprecated name=value format, as when a
	// proxy drops the responsetype parameter.
	FaultNVP
)

// String names the fault, as in "FaultHTML".
func (f Fault) String() string {
	names := [...]string{"FaultNone", "FaultUnauthorized", "FaultServerError", "FaultHTML", "FaultRateLimited",
		"FaultSlow", "FaultTruncated", "FaultMalformed", "FaultAPIError", "FaultWrongShape", "FaultNullLists",
		"FaultRedirect", "FaultNVP"}
	if f >= 0 && int(f) < len(names) {
		return names[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// RedirectHost is where [FaultRedirect] sends the caller: another
// loopback address, where nothing listens on the discard port, so that
// following the redirect fails at once and never leaves the machine.
const RedirectHost = "127.0.0.2:9"

// SetFault makes every request get f until SetFault(FaultNone).
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// FailNext makes the next n requests, of any action, get f; after them the
// fault set with SetFault applies again.
func (s *Server) FailNext(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failCount = f, max(0, n)
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
func (s *Server) network(w http.ResponseWriter, r *http.Request, f Fault) bool {
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
	case FaultRedirect:
		http.Redirect(w, r, "http://"+RedirectHost+r.URL.RequestURI(), http.StatusFound)
	default:
		return false
	}
	return true
}
