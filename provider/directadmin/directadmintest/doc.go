// Package directadmintest is an in-memory DirectAdmin server for tests: an
// httptest server on 127.0.0.1 that speaks the legacy CMD_API_* wire format
// (URL-encoded answers, or JSON when a request carries json=yes), checks
// HTTP basic auth as DirectAdmin does (a password or a login key, and the
// "admin|user" login-as form), keeps its users across calls, and can inject
// faults.
//
// It is public so that programs and tests outside this module can exercise
// code built on package directadmin without a real panel:
//
//	srv := directadmintest.NewServer(t, provider.Account{Username: "bob", Domain: "bob.example", ...})
//	c, err := directadmin.New(directadmin.Config{
//		BaseURL: srv.URL, Username: directadmintest.Username, APIToken: directadmintest.Token,
//	})
//
// # What it implements
//
//	CMD_API_SHOW_ALL_USERS    every user, reseller and admin (admin only)
//	CMD_API_SHOW_USERS        users created by the login (or by reseller=NAME, admin only)
//	CMD_API_SHOW_RESELLERS    resellers (admin only; others get HTTP 403 "You cannot execute that command")
//	CMD_API_SHOW_USER_CONFIG  user.conf of user=NAME
//	CMD_API_ACCOUNT_USER      action=create: username, email, passwd, passwd2, domain, package, ip
//	CMD_API_SELECT_USERS      select0..N with delete=yes&confirmed=Confirm, or suspend=...
//	CMD_API_PACKAGES_USER     the package list
//	CMD_API_USER_PASSWD       username, passwd, passwd2
//
// Like the real panel, CMD_API_SELECT_USERS with a "suspend" field toggles
// each selected user whatever the field's value says, so a client that
// sends it twice unsuspends. Errors come back as HTTP 200 with
// error=1&text=...&details=... (or {"error":...,"result":...}) in the
// panel's own words, from its English message table (the
// lang/en/internal/*.txt files of its skins; server.go cites file:id for
// each): "Cannot Execute Your Request" with "That user does not exist" or
// "That user does not belong to you", "Error while deleting Users" with
// "User x was not created by you-> Not Deleted.", "Cannot Create Account"
// with "That username already exists on the system", and so on. Bad
// credentials come back as HTTP 401 with the header X-DirectAdmin:
// Unauthorized.
//
// Creation checks approximate the panel's rules: a username of 3 to 16
// lower-case letters and digits starting with a letter, a domain and an
// e-mail address not already taken or malformed, matching passwords of at
// least 5 characters, a known package and an IP address. Admins may act on
// every user, resellers on the users they created.
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
// the server received. [Fault] says how each fault looks in DirectAdmin's wire format.
// [Server.FailFunction] and [Server.FailUser] fault one command or one
// user's configuration. Besides the shared faults, the wording faults
// (FaultUserDidNotExist, FaultNotCreatedByYou, FaultAlreadySuspended,
// FaultUsernameTaken, ...; [Wordings] lists them) answer with each of the
// panel's other messages a client must understand, and
// FaultUserDidNotExist also removes the user, as the panel does when a
// user vanished between a client's check and its delete. The listing
// faults also apply to a user's config under FailUser.
package directadmintest
