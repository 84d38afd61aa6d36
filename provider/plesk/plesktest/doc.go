// Package plesktest is an in-memory Plesk server speaking the XML-API, for
// tests of code that talks to Plesk, with or without package plesk.
//
//	srv := plesktest.NewServer(t, provider.Account{
//		Domain: "example.com", Username: "exftp", Email: "jo@example.com", Product: "Unlimited",
//	})
//	c, _ := plesk.New(plesk.Config{BaseURL: srv.URL, APIToken: plesktest.Token})
//
// It is a public package, usable outside tests: [New] starts a server on
// 127.0.0.1 that a plain program can point any Plesk client at.
//
// # The wire
//
// The fake answers POSTs of XML packets to /enterprise/control/agent.php
// with Content-Type text/xml, parsed with encoding/xml, and answers with
// the XML-API's response packets, HTTP 200 whatever happened, as Plesk
// does. It checks authentication the way Plesk does: a KEY header must be
// [Token] (else packet-level error 11003); otherwise HTTP_AUTH_LOGIN and
// HTTP_AUTH_PASSWD must be [Username] and [Password] (else 1001); with
// neither, the method is not specified (1029). A packet that is not
// well-formed, lacks a required node, or names an operation the fake does
// not know gets packet-level error 1014.
//
// Operations:
//
//	webspace get      filter (empty, id, name, guid, owner-id, owner-login);
//	                  datasets gen_info, hosting, subscriptions
//	webspace add      gen_setup (name, owner-id or owner-login, htype, ip_address,
//	                  status), hosting vrt_hst (ftp_login, ftp_password),
//	                  plan-name, plan-id or plan-guid
//	webspace del      filter
//	webspace set      filter; values gen_setup status (0, 16, 32, 64) and
//	                  hosting vrt_hst ftp_login and ftp_password
//	customer get      filter (empty, all, id, login, guid); dataset gen_info
//	customer add      gen_info (pname, login, passwd, status, email, cname)
//	reseller get      filter (empty, all, id, login, guid); dataset gen-info
//	service-plan get  filter (empty, id, name, guid); owner-id, owner-login or
//	                  owner-all (without them: the administrator's plans)
//
// A filter value that matches nothing gets an error result (1013, with its
// filter-id) beside the ok results of the other values. Creating a
// subscription whose name exists, or whose system user exists, gives 1007;
// a customer login taken by any user, 1007; an owner that does not exist,
// 1015; a plan that does not exist, 1013; an invalid domain, system user
// name, login, e-mail address or status, 1019.
//
// # State
//
// Customers, resellers, service plans and subscriptions are kept in
// memory, so a subscription created is listed, a suspended one shows its
// status, and a deleted one is gone. Options.Accounts seed them from
// provider.Account values (see [Options] for the mapping), and
// [Server.Accounts] returns them as a Plesk client lists them. Listing
// answers are cached until the next change, so a listing of 10,000
// subscriptions costs the fake one rendering.
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
// the server received. [Fault] says how each fault looks in the XML-API.
package plesktest
