// Package sync is the engine of accountsync: it compares the accounts on a
// hosting server with the services of a billing system, plans what brings
// them in step, and applies the plan.
//
// Callers that also use the standard library's sync import it as acsync:
//
//	import acsync "github.com/accountsync/accountsync/sync"
//
// # Planning
//
// [Diff] is a pure function from the two listings and [Options] to a
// [Plan]. It reads no clock, network or disk, so the same inputs in any
// order give the same plan byte for byte, and a plan can be reviewed as
// JSON or as a table ([Plan.WriteTable]) before anything happens.
// Plan.Fingerprint, a SHA-256 over the plan and digests of the options
// and the normalised keys, lets a later run check that it applies exactly
// what was reviewed (Options.ExpectFingerprint).
//
// The plan holds [Action] values of a [Kind]: imports, exports, updates,
// suspensions, terminations, the products and clients imports need, and
// reviews for a person. Keys the engine will not guess about are
// [Conflict] values. Actions the policy holds back (a termination switch
// that is off, a key not yet confirmed missing, an empty server listing)
// are listed with the reason.
//
// # Safety
//
// Users trust the engine with terminations on production servers, so:
//
//   - nothing is terminated without its switch (Options.TerminateLocal,
//     Options.TerminateRemote), and an account unknown to billing is never
//     terminated;
//   - a plan that changes too much of a class ([Limits]) is refused with an
//     [*UnsafePlanError] unless Options.Force (imports are judged by what
//     billing already holds: see below);
//   - an empty server listing against live services plans no exports or
//     terminations unless Options.AllowEmpty;
//   - terminations for a missing account or incorrect nameservers can wait
//     for several runs in a row (Options.ConfirmRuns, Options.SeenMissing);
//   - records with a duplicate, empty or invalid key, an unknown status,
//     or a service ID that another service also has, are reported as
//     conflicts and never acted on.
//
// # The import limit
//
// Imports are limited for one failure: a server whose known accounts
// suddenly look unknown to billing. A wrong key field or a wrong server
// does that, and importing would give every customer a second service.
// The incidents behind the rule: Terraform deprecated its standalone
// refresh because a lookup made with wrong credentials dropped resources
// from state and the next run created them again; external-dns warns that
// switching to its no-op registry makes every record look unowned (issue
// #3217); WHMCS's own Server Sync scopes services by server, so a service
// filed under the wrong server is imported a second time.
//
// Such a failure has two halves: accounts billing lacks, and billing's
// live services missing from the server. The first import of a server
// billing has never seen, and the later runs of an import cut into
// Options.MaxActions batches, have the first half only. So Diff lets
// imports exceed Limits.MaxImportFraction of the population when billing
// has no live service for the server, or when no more than that fraction
// of its live services are missing from the server; otherwise it refuses
// the plan. Plan.Imports says which case applied.
//
// Two failures look like a legitimate case and are left to the [Store]: a
// billing listing cut short looks like a server imported in part, which is
// why Store.Services returns an error rather than part of a listing; and a
// wrong server that holds no services looks like a first import, which a
// store can catch by refusing to create a service for a key it holds
// under another server.
//
// # Applying
//
// An [Executor] syncs one server: [Executor.List] reads both sides once,
// [Executor.Plan] plans from that [Listing] (asking the [Store] only about
// the clients the imports need), and [Executor.Apply] carries the plan out
// through a provider.Provider (the server) and the Store (the billing
// side), telling clients through a [Notifier] and keeping a [Journal].
// [Executor.Run] does the three in one call. Apply re-checks every action
// against the listing before acting, so a plan applied twice creates
// nothing twice, and it goes on past failures, which the [Report] lists.
//
// Package synctest holds an in-memory Store for tests.
package sync
