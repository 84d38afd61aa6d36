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
// Plan.Fingerprint, a SHA-256 over the options, the normalised keys and the
// plan, lets a later run check that it applies exactly what was reviewed
// (Options.ExpectFingerprint).
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
//     [*UnsafePlanError] unless Options.Force;
//   - an empty server listing against live services plans no exports or
//     terminations unless Options.AllowEmpty;
//   - terminations for a missing account or incorrect nameservers can wait
//     for several runs in a row (Options.ConfirmRuns, Options.SeenMissing);
//   - records with a duplicate, empty or invalid key, an unknown status,
//     or a service ID that another service also has, are reported as
//     conflicts and never acted on.
//
// # Applying
//
// An [Executor] applies a plan through a provider.Provider (the server)
// and a [Store] (the billing side), telling clients through a [Notifier]
// and keeping a [Journal]. It re-checks every action against fresh
// listings, so a plan applied twice creates nothing twice, and it goes on
// past failures, which the [Report] lists. [Run] does list, diff and apply
// in one call.
//
// Package synctest holds an in-memory Store for tests.
package sync
