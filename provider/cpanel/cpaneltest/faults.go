package cpaneltest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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

// The wording faults answer a function about one account with HTTP 200,
// metadata.result 0 and WHM's own words for a failure, taken from cPanel's
// source (cited as path:line of /usr/local/cpanel, read in the copy at
// github.com/asmrdevelop/cpanel). "%s" is the account the request names.
// Each applies only to the functions it lists, so FailNext can aim one at
// a write while the listaccts reads around it answer normally. They change
// nothing.
const (
	// FaultUserNotFound: "You do not have a user named “%s”."
	// (Cpanel/Exception/UserNotFound.pm, raised by Whostmgr/Authz.pm
	// verify_account_access for a root login), on removeacct,
	// suspendacct, unsuspendacct and passwd.
	FaultUserNotFound Fault = "cpanel-user-not-found"
	// FaultNoAccess: "You do not have access to an account named “%s”."
	// (Whostmgr/Authz.pm:107), what a reseller gets for an account it does
	// not own, or one that does not exist, on the same functions.
	FaultNoAccess Fault = "cpanel-no-access"
	// FaultNotPermitted: "The user “root” is not permitted to access the
	// account “%s”." (Cpanel/Exception/AccessDeniedToAccount.pm), on the
	// same functions.
	FaultNotPermitted Fault = "cpanel-not-permitted"
	// FaultSystemUserMissing: removeacct's "System user %s does not
	// exist!" (Whostmgr/Accounts/Remove.pm:978).
	FaultSystemUserMissing Fault = "cpanel-system-user-missing"
	// FaultNotCompletelyRemoved: removeacct's "%s account was not
	// completely removed (mysql)" (Whostmgr/Accounts/Remove.pm:675).
	FaultNotCompletelyRemoved Fault = "cpanel-not-completely-removed"
	// FaultSuspendMissing: suspendacct's "Failed to suspend account." with
	// "_suspendacct called for a user that does not exist. (%s)" in
	// output.raw (Whostmgr/API/1/Accounts.pm suspendacct,
	// Whostmgr/Accounts/Suspension.pm:91), and unsuspendacct's twin.
	FaultSuspendMissing Fault = "cpanel-suspend-missing"
	// FaultAccessDeniedToAccount: "Failed to suspend account." (or
	// unsuspend) with "Access Denied to Account %s" in output.raw
	// (Whostmgr/Accounts/Suspension.pm:104, :177).
	FaultAccessDeniedToAccount Fault = "cpanel-access-denied-to-account"
	// FaultLockedByRoot: unsuspendacct's "Failed to unsuspend account."
	// with "_unsuspendacct called for an account that can only be
	// unsuspended by root (%s)" (Whostmgr/Accounts/Suspension.pm:170).
	FaultLockedByRoot Fault = "cpanel-locked-by-root"
	// FaultAccountNameTaken: createacct's "This system already has an
	// account named “%s”." (Whostmgr/Accounts/NameConflict.pm:50).
	FaultAccountNameTaken Fault = "cpanel-account-name-taken"
	// FaultGroupNameTaken: "This system already has a group named “%s”."
	// (NameConflict.pm:53).
	FaultGroupNameTaken Fault = "cpanel-group-name-taken"
	// FaultDBOwnerTaken: "This system already has a database owner named
	// “%s”." (NameConflict.pm:63).
	FaultDBOwnerTaken Fault = "cpanel-db-owner-taken"
	// FaultSameInitial: "The name of another account on this server has
	// the same initial 8 characters as the given username (%s). Each
	// username’s first 8 characters must be unique." (NameConflict.pm:76).
	FaultSameInitial Fault = "cpanel-same-initial"
	// FaultReservedUsername: "“%s” is a reserved username on this
	// system." (NameConflict.pm:46).
	FaultReservedUsername Fault = "cpanel-reserved-username"
)

// A wording is the failure a wording fault answers with.
type wording struct {
	functions []string
	reason    string
	raw       string // output.raw; "" for none
}

var (
	accountFunctions = []string{"removeacct", "suspendacct", "unsuspendacct", "passwd"}
	suspensions      = []string{"suspendacct", "unsuspendacct"}
	creation         = []string{"createacct"}
)

// wordings are the answers of the wording faults; see their constants.
var wordings = map[Fault]wording{
	FaultUserNotFound:          {accountFunctions, "You do not have a user named “%s”.", ""},
	FaultNoAccess:              {accountFunctions, "You do not have access to an account named “%s”.", ""},
	FaultNotPermitted:          {accountFunctions, "The user “root” is not permitted to access the account “%s”.", ""},
	FaultSystemUserMissing:     {[]string{"removeacct"}, "System user %s does not exist!", ""},
	FaultNotCompletelyRemoved:  {[]string{"removeacct"}, "%s account was not completely removed (mysql)", ""},
	FaultSuspendMissing:        {suspensions, "Failed to %v account.", "_%vacct called for a user that does not exist. (%s)"},
	FaultAccessDeniedToAccount: {suspensions, "Failed to %v account.", "Access Denied to Account %s"},
	FaultLockedByRoot:          {[]string{"unsuspendacct"}, "Failed to unsuspend account.", "_unsuspendacct called for an account that can only be unsuspended by root (%s)"},
	FaultAccountNameTaken:      {creation, "This system already has an account named “%s”.", ""},
	FaultGroupNameTaken:        {creation, "This system already has a group named “%s”.", ""},
	FaultDBOwnerTaken:          {creation, "This system already has a database owner named “%s”.", ""},
	FaultSameInitial: {creation, "The name of another account on this server has the same initial 8 characters as the given username (%s). " +
		"Each username’s first 8 characters must be unique.", ""},
	FaultReservedUsername: {creation, "“%s” is a reserved username on this system.", ""},
}

// Wordings returns every wording fault, in a fixed order.
func Wordings() []Fault {
	out := make([]Fault, 0, len(wordings))
	for f := range wordings {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// answerWording answers function with the wording of f about the account
// the request names.
func (s *Server) answerWording(w http.ResponseWriter, function string, f Fault, p url.Values) {
	wd := wordings[f]
	user := p.Get("username")
	if user == "" {
		user = p.Get("user")
	}
	verb := strings.TrimSuffix(function, "acct")
	fill := func(t string) string {
		return strings.ReplaceAll(strings.ReplaceAll(t, "%v", verb), "%s", user)
	}
	s.reply(w, function, nil, false, fill(wd.reason), fill(wd.raw))
}

// applies reports whether f can affect a request to function: the
// listing-shape faults only touch listaccts, and a wording fault only the
// functions it lists.
func applies(f Fault, function string) bool {
	if wd, ok := wordings[f]; ok {
		return slices.Contains(wd.functions, function)
	}
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
