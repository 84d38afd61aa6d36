// Package openstacktest is an in-memory OpenStack cloud (Keystone v3 and
// Nova) on an [httptest.Server], for tests of package openstack and of
// programs built on it.
//
// One server on 127.0.0.1 answers both APIs. Keystone issues tokens at
// POST /v3/auth/tokens for the default credentials ([Username] and
// [Password] scoped to [ProjectName], or [ApplicationCredentialID] and
// [ApplicationCredentialSecret]), with a catalog whose compute endpoints
// point back at the same server, one per region. Nova answers
// GET /servers/detail and GET /servers (limit, marker, servers_links,
// all_tenants, name), GET, POST and DELETE on servers, the suspend and
// resume actions, and GET /flavors/detail and /flavors/{id}. It honours
// the OpenStack-API-Version header up to [Options.MaxMicroversion]: the
// flavor is embedded by name from 2.47, and servers in an unreachable cell
// show as UNKNOWN records from 2.69 (and are silently left out before, as
// Nova does).
//
// State is kept across calls: a created server is listed, a suspended one
// shows SUSPENDED, a deleted one is gone.
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
// the server received. [Fault] says how each fault looks in Keystone's and
// Nova's wire format, among them an expired token, a page link that loops,
// a down cell, a page without its list or its next link, and Nova's 404
// for a path it has no route for.
//
// [Server.Delete], [Server.Lock], [Server.SetTaskState] and
// [Server.RemoveFlavor] change the cloud as another user would, and
// [Server.OnNext] runs such a change just before the next request for a
// call. The fake answers with Nova's words (nova/exception.py,
// nova/api/openstack/common.py, compute/servers.py): "Instance <id> could
// not be found.", "Instance could not be found" (a server deleted during
// the DELETE), "Flavor <id> could not be found.", "Instance <id> is
// locked", "Cannot 'suspend' instance <id> while it is in vm_state
// suspended" (or task_state suspending), "marker [<id>] not found".
//
//	srv := openstacktest.NewServer(t, provider.Account{Domain: "shop.example.org", Product: "m1.small"})
//	c, err := openstack.New(openstack.Config{
//		BaseURL:     srv.URL,
//		Username:    openstacktest.Username,
//		Password:    openstacktest.Password,
//		ProjectName: openstacktest.ProjectName,
//	})
package openstacktest
