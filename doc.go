// Package accountsync keeps the accounts on hosting servers in step with a
// billing system that speaks WHMCS's record shapes.
//
// Accounts drift: created by hand on a server, terminated in billing but
// still running, suspended in one place only, pointed at the wrong
// nameservers. This module lists what each server really holds, compares
// it with the billing system's services, and plans and applies the
// changes, with safety rails that keep a bad listing from turning into
// terminations.
//
// # Packages
//
//   - [github.com/accountsync/accountsync/provider]: the contract every
//     server type fulfils. A Provider lists a server's accounts as WHMCS
//     ListAccounts records; optional interfaces create, terminate, suspend
//     and list packages.
//   - provider/cpanel, provider/directadmin, provider/plesk,
//     provider/solusvm, provider/openstack, provider/proxmox: clients for
//     each panel's real HTTP API, each with a fake of that API in its
//     <panel>test package for tests.
//   - [github.com/accountsync/accountsync/provider/providertest]: the
//     conformance kit any provider, ours or yours, runs in its tests, and
//     an in-memory Fake.
//   - [github.com/accountsync/accountsync/sync]: the engine. Diff is a pure
//     function from the server's accounts and the billing services to a
//     reviewable Plan; an Executor applies it through the caller's Store.
//     Import it as acsync when you also use the standard library's sync.
//   - [github.com/accountsync/accountsync/nsscan]: checks at scale whether
//     domains are delegated to the expected nameservers.
//   - [github.com/accountsync/accountsync/whmcs]: the billing side over
//     WHMCS's External API, a Store for the services of one WHMCS server,
//     with a wire-format fake in whmcs/whmcstest.
//   - examples/: runnable programs; examples/quickstart is the place to
//     start.
//
// Storage and scheduling belong to the caller: the engine reads and writes
// billing data through the sync.Store interface, and runs when the caller
// runs it.
//
// # Example
//
//	p, _ := cpanel.New(cpanel.Config{BaseURL: "https://web1.example.com:2087", Username: "root", APIToken: token})
//	e := &acsync.Executor{Provider: p, Store: store}
//	listing, _ := e.List(ctx)
//	plan, _ := e.Plan(ctx, listing, acsync.Options{})
//	plan.WriteTable(os.Stdout)
//	report, _ := e.Apply(ctx, plan)
package accountsync
