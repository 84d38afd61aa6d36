// Package riverjobs runs the fleet sync as jobs on River
// (github.com/riverqueue/river) over PostgreSQL, so that several worker
// processes share a fleet and the sync goes on when one machine dies.
//
// Every server gets one job per [Config.Period], enqueued by River's
// elected leader at a fixed offset within the period that is derived from
// the server's name, so that a fleet's syncs are spread over the period
// rather than started together. A job lists the server and its billing
// side once, plans within [Config.Options], applies, and keeps the
// hysteresis history, exactly as the accountsync command's own loop does.
//
// # Nothing done twice
//
// Jobs are unique per server and period ([SyncArgs]), so a second
// enqueue of the same period is a no-op, whichever process makes it. A job
// also holds a PostgreSQL advisory lock on its server while it runs: a job
// that finds the lock taken (a slow run of the previous period, or a run
// River rescued from a worker it believed dead) snoozes instead of syncing
// beside it. The lock lives in a database session, so a worker that dies
// lets go of it with its connection. The engine checks every action's
// precondition before acting, so the retry of a run cut short creates
// nothing twice.
//
// # Failures, refusals and limits
//
// A run that fails as a whole (a panel or the billing side unreachable, a
// listing cut short) returns its error, and River retries it with backoff
// ([Config.RetryPolicy], [Config.MaxAttempts]) while the other servers go
// on; a failure that waiting will not mend (credentials refused, a server
// type without a provider) is recorded and its job cancelled, and the next
// period tries again. Single failed actions do not fail the run: they are counted in the
// run's report and the next period's plan, made from fresh listings, tries
// them again. A refusal of the engine's safety checks (an
// [acsync.UnsafePlanError], or [acsync.ErrStalePlan] for an approved plan
// that no longer matches) is recorded with the refused plan and the job is
// cancelled rather than retried: a person reviews the plan and approves it
// with [Client.Approve], or fixes the cause, and the next period runs
// again.
//
// [Config.PanelLimits] bounds how many servers of one panel type are
// synced at once across every process sharing the database (River's own
// limits are per process): a job takes one of the type's advisory-lock
// slots, or snoozes while all are taken.
//
// # Reports
//
// Every run leaves a row in the table accountsync_run, which [Migrate]
// creates beside River's own: server, panel type, start and end, outcome
// (see [Outcome]), action counts, the error without secrets, and the
// report as JSON. Read it with SQL, or with [ListRuns]:
//
//	SELECT server, outcome, finished, succeeded, failed, error
//	  FROM accountsync_run ORDER BY id DESC LIMIT 20;
//
// # Go version
//
// River needs a newer Go than the accountsync module's floor, so this
// package is a module of its own (github.com/accountsync/accountsync/riverjobs)
// that the core never imports; programs that do not use it keep the core's
// floor.
package riverjobs
