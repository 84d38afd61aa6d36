// Package cpaneltest is an in-memory WHM (cPanel) server that speaks WHM
// API 1 JSON, for tests and demos that must not touch a real panel.
//
// [New] starts one on 127.0.0.1 from a plain program; [NewServer] does the
// same inside a test and closes it when the test ends:
//
//	srv := cpaneltest.NewServer(t, provider.Account{Username: "alice", Domain: "alice.example"})
//	c, err := cpanel.New(cpanel.Config{BaseURL: srv.URL, Username: cpaneltest.Username, APIToken: cpaneltest.Token})
//
// # What it implements
//
// Requests go to /json-api/<function>?api.version=1 with GET or POST
// (form-encoded body), as on a real server. The functions are listaccts
// (with want, search, searchtype and searchmethod), accountsummary,
// createacct, removeacct, suspendacct, unsuspendacct, listpkgs and passwd.
// Answers have the WHM API 1 shape {"data":...,"metadata":{"command",
// "reason","result","version"}}, failures come as HTTP 200 with
// metadata.result 0 and a reason worded as WHM words it, and state is kept
// across calls: a created account is listed, a suspended one is listed as
// suspended, a removed one is gone.
//
// Some quirks of the real server are reproduced on purpose: an empty
// listing has no "data" at all; an account without a contact e-mail lists
// "*unknown*"; an account without a creation date lists unix_startdate
// "*unknown*"; startdate is written in the server's local time
// (Options.Location); suspending a suspended account, or unsuspending an
// active one, succeeds and says so only in metadata.output.raw; the
// suspension reason loses "=", newlines and NUL; the first eight characters
// of a new username must be unique; createacct's raw output echoes the new
// password. With Options.QuotedInts the integers arrive as strings.
//
// # Authentication
//
// Every request needs "Authorization: whm USER:TOKEN" (the scheme in any
// case; newlines in the token are ignored, as for an access hash) or HTTP
// Basic USER:PASSWORD. Anything else gets HTTP 403 with the body WHM sends
// ({"cpanelresult":{"error":"Access denied",...}}). The defaults are
// [Username], [Token] and [Password].
//
// # Faults
//
// The fake shares its fault vocabulary with every panel fake of this
// module (package providertest; [Server] satisfies
// providertest.HTTPFake): [Server.SetFault] holds a fault until
// SetFault(FaultNone), [Server.FailNext] faults the next n requests and
// [Server.FailAfter] the n after skip, each counting only the requests a
// fault applies to; [Server.RedirectTo] sets where FaultRedirect302 and
// FaultRedirect307 point; [Server.Calls] and [Server.Requests] tell what
// the server received. [Fault] says how each fault looks in WHM's wire format.
//
// Besides the shared faults, the wording faults (FaultUserNotFound,
// FaultNoAccess, FaultSystemUserMissing, FaultSuspendMissing,
// FaultAccountNameTaken, ...; [Wordings] lists them) answer a write with
// each of WHM's failures a client must understand, in the words cPanel's
// own source uses; each applies only to the functions it names, so that
// FailNext can aim one at a write while the listaccts look-ups around it
// answer normally.
package cpaneltest
