package cpaneltest

import (
	"net/http"
	"strconv"

	"github.com/accountsync/accountsync/provider/providertest"
)

// Fault is a way for the server to fail a request: one of the names
// every panel fake of this module shares (package providertest), or one of
// WHM's own below. No fault changes the server's state: a faulted
// createacct creates nothing.
//
// How this fake renders the shared faults: FaultUnauthorized is HTTP 403
// with WHM's "Access denied" body, whatever the credentials;
// FaultServerError is HTTP 500 with an HTML page; FaultRateLimited is
// HTTP 429 with "Retry-After: 1", as a proxy in front of WHM may send;
// FaultSlow holds the request for Options.SlowDelay, or until its context
// ends, then answers normally; FaultTruncated declares a Content-Length
// larger than the body it sends, then hangs up; FaultHTML is HTTP 200 with
// the page WHM sends to plain http on an SSL-only port (a META refresh to
// https); FaultMalformed makes listaccts list its last account with an
// unix_startdate that is not a number, and every other function answer
// with JSON cut short; FaultRedirect302 and FaultRedirect307 redirect to
// the [Server.RedirectTo] target. The listing faults apply to listaccts
// only: FaultWrongShape answers {"data":{},"metadata":{...}} (data without
// its acct list), FaultNullList "acct":null and FaultWrongType
// "acct":"..." (a string), each with metadata.result 1.
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

	// FaultAPIError answers HTTP 200 with metadata.result 0 and a reason,
	// a function-level failure.
	FaultAPIError Fault = "cpanel-api-error"
	// FaultLegacyAPI answers in the WHM API 0 shape ({"status":1,
	// "statusmsg":"Ok"}, no metadata), as a server that ignored
	// api.version=1 would.
	FaultLegacyAPI Fault = "cpanel-legacy-api"
)

// applies reports whether f can affect a request to function: the
// listing-shape faults only touch listaccts.
func applies(f Fault, function string) bool {
	return !f.IsWrongShape() || function == "listaccts"
}

// wrongShape answers listaccts with a body of the wrong shape for f.
func (s *Server) wrongShape(w http.ResponseWriter, f Fault) {
	var data []byte
	switch f {
	case FaultWrongShape:
		data = []byte(`{}`)
	case FaultNullList:
		data = []byte(`{"acct":null}`)
	case FaultWrongType:
		data = []byte(`{"acct":"alice"}`)
	}
	s.reply(w, "listaccts", data, true, "OK", "")
}

// accessDenied is the body WHM sends with HTTP 403 for bad credentials.
const accessDenied = `{"cpanelresult":{"apiversion":"2","error":"Access denied","data":{"reason":"Access denied","result":"0"},"type":"text"}}` + "\n"

func writeAccessDenied(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(accessDenied)))
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte(accessDenied))
}

// network applies the faults that happen before WHM sees the request, and
// reports whether it answered.
func (s *Server) network(w http.ResponseWriter, function string, f Fault) bool {
	switch f {
	case FaultServerError:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>cpsrvd could not run the request.</p></body></html>\n"))
	case FaultRateLimited:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte("Too Many Requests\n"))
	case FaultTruncated:
		body := `{"data":{"acct":[{"user":"`
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		// The server closes the connection when a handler writes less
		// than it declared.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)+4096))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(body))
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`<html><head><META HTTP-EQUIV="refresh" CONTENT="0;URL=https://` + hostname + `:2087/json-api/` + function + `"></head><body></body></html>` + "\n"))
	default:
		return false
	}
	return true
}
