// Package panelfake is the fault schedule and request log that the panel
// fakes (provider/<panel>/<panel>test) share, so that their SetFault,
// FailNext, FailAfter, RedirectTo, Calls and Requests behave alike. The
// vocabulary (the Fault names, the Request record) is public, in package
// providertest; this package is the machinery behind it.
package panelfake

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/accountsync/accountsync/provider/providertest"
)

// Fault is providertest's fault name.
type Fault = providertest.Fault

const (
	// keepRequests bounds the request log.
	keepRequests = 1000
	// maxBody bounds the request body a fake reads and records.
	maxBody = 8 << 20
	// defaultRedirect is where redirect faults point before RedirectTo is
	// called: a closed loopback port, so that a client that follows fails.
	defaultRedirect = "http://127.0.0.1:1/"
)

// Faults is one fake's fault schedule and request log. The zero value is
// ready to use; it is safe for concurrent use.
type Faults struct {
	mu       sync.Mutex
	sticky   Fault
	next     Fault
	skip, n  int
	redirect string
	calls    map[string]int
	log      []providertest.Request
}

// SetFault makes every request the fault applies to get f, until
// SetFault(FaultNone).
func (x *Faults) SetFault(f Fault) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.sticky = f
}

// FailNext makes the next n requests the fault applies to get f.
func (x *Faults) FailNext(f Fault, n int) { x.FailAfter(f, 0, n) }

// FailAfter lets the next skip requests f applies to pass, then makes n
// of them get f. It replaces an earlier FailNext or FailAfter.
func (x *Faults) FailAfter(f Fault, skip, n int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.next, x.skip, x.n = f, max(0, skip), max(0, n)
}

// RedirectTo sets the Location the redirect faults answer with.
func (x *Faults) RedirectTo(target string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.redirect = target
}

// Take returns the fault for one request to function: a scheduled one
// (FailNext, FailAfter) first, then the one set with SetFault. applies
// says whether a fault can affect this request; nil means every fault
// applies. A scheduled fault that does not apply is neither consumed nor
// skipped.
func (x *Faults) Take(function string, applies func(f Fault, function string) bool) Fault {
	if f, ok := x.TakeScheduled(function, applies); ok {
		return f
	}
	return x.Sticky(function, applies)
}

// TakeScheduled returns the scheduled fault for one request, consuming
// it, and whether there was one; a fake with faults of its own between
// FailNext and SetFault calls it, then Sticky.
func (x *Faults) TakeScheduled(function string, applies func(f Fault, function string) bool) (Fault, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.n > 0 && (applies == nil || applies(x.next, function)) {
		if x.skip > 0 {
			x.skip--
			return providertest.FaultNone, false
		}
		x.n--
		return x.next, true
	}
	return providertest.FaultNone, false
}

// Sticky returns the SetFault fault if it applies to the request.
func (x *Faults) Sticky(function string, applies func(f Fault, function string) bool) Fault {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sticky != providertest.FaultNone && (applies == nil || applies(x.sticky, function)) {
		return x.sticky
	}
	return providertest.FaultNone
}

// Record counts a request to function and logs it. It reads the body (up
// to 8 MiB) and puts an unread copy back in r.Body, so the fake's handler
// reads it as if nothing had. It returns the record.
func (x *Faults) Record(function string, r *http.Request) providertest.Request {
	return x.RecordCalls(r, function)
}

// RecordCalls is Record for a request that carries several calls (a Plesk
// packet): each function is counted, and the record's Function is their
// names joined by ",".
func (x *Faults) RecordCalls(r *http.Request, functions ...string) providertest.Request {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec := providertest.Request{
		Function: strings.Join(functions, ","),
		Method:   r.Method,
		Path:     r.URL.Path,
		Query:    r.URL.Query(),
		Header:   r.Header.Clone(),
		Body:     body,
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		rec.Form, _ = url.ParseQuery(string(body))
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.calls == nil {
		x.calls = map[string]int{}
	}
	for _, f := range functions {
		x.calls[f]++
	}
	x.log = append(x.log, rec)
	if len(x.log) > keepRequests {
		x.log = slices.Delete(x.log, 0, len(x.log)-keepRequests)
	}
	return rec
}

// Calls returns how many requests to function were recorded.
func (x *Faults) Calls(function string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.calls[function]
}

// Requests returns the logged requests to function (alone or among the
// calls of one request), or every logged request when function is "",
// oldest first.
func (x *Faults) Requests(function string) []providertest.Request {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []providertest.Request
	for _, r := range x.log {
		if function == "" || r.Function == function || slices.Contains(strings.Split(r.Function, ","), function) {
			out = append(out, r)
		}
	}
	return out
}

// Redirect answers a redirect fault and reports whether f was one.
func (x *Faults) Redirect(w http.ResponseWriter, f Fault) bool {
	status := 0
	switch f {
	case providertest.FaultRedirect302:
		status = http.StatusFound
	case providertest.FaultRedirect307:
		status = http.StatusTemporaryRedirect
	default:
		return false
	}
	x.mu.Lock()
	target := x.redirect
	x.mu.Unlock()
	if target == "" {
		target = defaultRedirect
	}
	w.Header().Set("Location", target)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, "<html><body>Moved</body></html>\n")
	return true
}
