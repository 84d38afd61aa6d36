// Package solusvmtest is an in-memory fake of a SolusVM panel on an
// httptest server, for tests and examples that must not reach a real one.
//
// One [Server] speaks both protocols over one state:
//
//   - the SolusVM 1 admin API at /api/admin/command.php: id and key checked
//     on every call (a wrong pair gets the bare line "Invalid id or key"
//     with HTTP 200, as SolusVM answers), GET or POST parameters, JSON with
//     every value a string when rdtype=json is sent (unless
//     Options.XMLOnly), otherwise XML fragments without a root element, and
//     rooted documents with an XML declaration for OpenVZ node listings.
//     Actions: node-idlist, listnodegroups, listplans, node-virtualservers,
//     client-list, client-create, vserver-create, vserver-infoall,
//     vserver-status, vserver-checkexists, vserver-suspend,
//     vserver-unsuspend, vserver-terminate.
//   - the SolusVM 2 REST API under /api/v1: Authorization: Bearer checked
//     on every call, Laravel-style pages (?page=N with data, links and
//     meta), 422 validation errors. Routes: GET/POST /servers,
//     GET/DELETE /servers/{id}, POST /servers/{id}/suspend and /resume,
//     GET /plans, GET/POST /users.
//
// State is kept across calls: a created server is listed, a suspended one
// shows as suspended ("disabled" in SolusVM 1), a terminated one is gone.
//
// # Faults
//
// The fake shares its fault vocabulary with every panel fake of this
// module (package providertest; [Server] satisfies
// providertest.HTTPFake): [Server.SetFault] holds a fault until
// SetFault(FaultNone), [Server.FailNext] faults the next n requests and
// [Server.FailAfter] the n after skip, each counting only the requests a
// fault applies to; [Server.SetFaultFor] aims a fault at one call (a node
// list, the client list, one server's state, a plan page) while the others
// answer normally; [Server.RedirectTo] sets where FaultRedirect302 and
// FaultRedirect307 point; [Server.Calls] and [Server.Requests] tell what
// the server received. [Fault] says how each fault looks in each protocol,
// including SolusVM's own wordings for a missing server or node, a
// refused address and an existing client, and where each comes from.
//
// node-virtualservers answers exactly the fields SolusVM 1 does for each
// server (vserverid, ctid-xid, clientid, ipaddress, hostname, template,
// hdd, memory, swap-burst, type, mac: newx/solusvm's recorded answer), so
// a client must ask each server for its state, as against a real master.
// SolusVM 2 pages are Laravel's envelope with Options.PageSize records.
//
// It is a normal package, not a _test file, so that examples and other
// packages' tests can start it:
//
//	srv := solusvmtest.New(solusvmtest.Options{Accounts: seed})
//	defer srv.Close()
//	c, err := solusvm.New(solusvm.Config{BaseURL: srv.URL,
//		Username: solusvmtest.APIID, APIToken: solusvmtest.APIKey})
package solusvmtest
