package cpaneltest

import (
	"net/http"
	"strconv"
)

// Fault is a way for the server to fail a request. No fault changes the
// server's state: a faulted createacct creates nothing.
type Fault int

// The faults [Server.SetFault] and [Server.FailNext] inject.
const (
	// FaultNone answers normally.
	FaultNone Fault = iota
	// FaultUnauthorized answers HTTP 403 with WHM's "Access denied" body,
	// whatever the credentials.
	FaultUnauthorized
	// FaultServerError answers HTTP 500 with an HTML page.
	FaultServerError
	// FaultRateLimited answers HTTP 429 with "Retry-After: 1", as a proxy
	// in front of WHM may.
	FaultRateLimited
	// FaultSlow holds the request for Options.SlowDelay, or until its
	// context ends, then answers normally.
	FaultSlow
	// FaultTruncated declares a Content-Length larger than the body it
	// sends, then hangs up.
	FaultTruncated
	// FaultHTML answers HTTP 200 with the HTML page WHM sends to plain
	// http on an SSL-only port (a META refresh to https).
	FaultHTML
	// FaultMalformed makes listaccts list its last account with an
	// unix_startdate that is not a number, and every other function answer
	// with JSON cut short.
	FaultMalformed
	// FaultAPIError answers HTTP 200 with metadata.result 0 and a reason,
	// a function-level failure.
	FaultAPIError
	// FaultLegacyAPI answers in the WHM API 0 shape ({"status":1,
	// "statusmsg":"Ok"}, no metadata), as a server that ignored
	// api.version=1 would.
	FaultLegacyAPI
)

// String names the fault, as in "FaultHTML".
func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "FaultNone"
	case FaultUnauthorized:
		return "FaultUnauthorized"
	case FaultServerError:
		return "FaultServerError"
	case FaultRateLimited:
		return "FaultRateLimited"
	case FaultSlow:
		return "FaultSlow"
	case FaultTruncated:
		return "FaultTruncated"
	case FaultHTML:
		return "FaultHTML"
	case FaultMalformed:
		return "FaultMalformed"
	case FaultAPIError:
		return "FaultAPIError"
	case FaultLegacyAPI:
		return "FaultLegacyAPI"
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
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
