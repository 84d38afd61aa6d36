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
// GET /cluster/resources (as pve-manager builds it: an unnamed guest listed
// as "VM 105" or "CT105", tags from 7.3 on, status "unknown" and nothing
// else for a guest whose node is down), /cluster/nextid, /pools,
// /access/permissions, /version;
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
// failed tasks; [Server.FaultOnly] points faults at the named calls (the
// listing-shape faults at a guest's configuration, say).
//
// # Changes by others, and Proxmox VE's words for them
//
// [Server.Remove], [Server.SetStatus], [Server.SetLock], [Server.SetConfig]
// and [Server.Replace] (a VM ID reused) change the cluster as another
// administrator would, and [Server.OnNext] runs such a change just before
// the next request for a call, so that a test can put it between two
// calls of a client. The fake then answers with the texts Proxmox VE uses
// (from its source: pve-guest-common, qemu-server, pve-container,
// pve-cluster): "Configuration file 'nodes/pve1/qemu-server/105.conf' does
// not exist" for a guest that is not there (as a failed task for a QEMU
// start or stop), "CT 105 not running" and "CT 105 already running" from an
// LXC stop or start, "VM 105 already running" as a QEMU start task's exit
// status, "VM 105 is running - destroy failed" and "unable to destroy CT
// 105 - container is running", "VM is locked (backup)", and "unable to
// create VM 106: config file already exists" or "VM 106 already exists on
// node 'pve2'" from a clone onto a VM ID in use.
package proxmoxtest
