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
// shows SUSPENDED, a deleted one is gone. Faults are injected with
// [Server.SetFault] and [Server.FailNext]: an expired token, 500, 429 with
// Retry-After, a slow answer, a truncated body, an HTML page, a malformed
// record, a page link that loops and a down cell.
//
//	srv := openstacktest.NewServer(t, provider.Account{Domain: "shop.example.org", Product: "m1.small"})
//	c, err := openstack.New(openstack.Config{
//		BaseURL:     srv.URL,
//		Username:    openstacktest.Username,
//		Password:    openstacktest.Password,
//		ProjectName: openstacktest.ProjectName,
//	})
package openstacktest
