// Package proxmoxtest is an in-memory fake of the Proxmox VE REST API
// (/api2/json) on an httptest server, for tests and demos of the proxmox
// client and of code built on it. It is a normal package, usable outside
// tests:
//
//	srv := proxmoxtest.New(proxmoxtest.Options{Accounts: seed})
//	defer srv.Close()
//	c, _ := proxmox.New(proxmox.Config{BaseURL: srv.URL,
//		Username: proxmoxtest.TokenID, APIToken: proxmoxtest.Token})
//
// # What it speaks
//
// The real envelope ({"data": ...}, {"data":null,"errors":{...}} on a 400)
// with the error text in the HTTP reason phrase ("596 Broken pipe"), which
// the fake writes on a hijacked connection because net/http only writes
// standard reason phrases. Authentication as Proxmox VE checks it: an API
// token in "Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET", or a
// ticket from POST /access/ticket in the PVEAuthCookie cookie, with the
// CSRFPreventionToken header required on every write.
//
// A stateful cluster of nodes with QEMU VMs, LXC containers and templates:
// GET /cluster/resources, /cluster/nextid, /pools, /access/permissions;
// per guest GET and PUT .../config (digest checked, tags validated
// against the tag format), GET .../status/current, POST .../status/start
// and .../status/stop, POST .../clone, DELETE; and tasks: every slow call
// answers a UPID, and GET /nodes/{node}/tasks/{upid}/status reports
// "running" for Options.TaskPolls polls before the task stops and its
// effect lands.
//
// # Seeding
//
// [Options.Accounts] are mapped onto guests the way the proxmox package
// reads them with its defaults: UniqueIdentifier is the VM ID (a
// "cluster/" prefix is dropped), Domain the name (hostname for LXC),
// Product the tag "plan-<product>", Email the tag "owner-<local>_at_<domain>",
// Username the cloud-init user, PrimaryIP the cloud-init (QEMU) or net0
// (LXC) address, Created the meta ctime (QEMU only), and Suspended a stopped
// guest tagged "accountsync-suspended". Extra["type"] = "lxc" makes a
// container, Extra["node"] and Extra["pool"] place it. [Options.Guests]
// adds guests as raw records; [Options.Packages] names the templates.
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
// the server received. [Fault] says how each fault looks in Proxmox VE's wire format.
// [Server.SetNodeDown] takes a node offline the way a cluster shows it (its
// guests' status turns "unknown", calls to it answer 595);
// [Server.ExpireTickets] and [Server.FailNextTask] cover ticket expiry and
// failed tasks.
package proxmoxtest
