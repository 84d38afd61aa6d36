package riverjobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Outcome is how a run ended, as the run table's outcome column says it.
type Outcome string

const (
	// OutcomeRunning is a run not finished yet.
	OutcomeRunning Outcome = "running"
	// OutcomeSucceeded is a run that applied its plan with no failed
	// action.
	OutcomeSucceeded Outcome = "succeeded"
	// OutcomePartial is a run that applied its plan but some actions
	// failed; the report lists them, and the next period tries them again.
	OutcomePartial Outcome = "partial"
	// OutcomeFailed is a run that failed as a whole (a listing, the
	// billing side, a timeout); River retries the job with backoff.
	OutcomeFailed Outcome = "failed"
	// OutcomeHeld is a plan the engine refused as unsafe
	// (acsync.UnsafePlanError): nothing was changed, the report holds
	// the refused plan for review, and the job is cancelled, not retried.
	OutcomeHeld Outcome = "held"
	// OutcomeStale is an approved plan that no longer matched the plan
	// made now (acsync.ErrStalePlan): nothing was changed and the job is
	// cancelled.
	OutcomeStale Outcome = "stale"
	// OutcomeAbandoned is a run whose worker died or lost its database
	// connection before it finished; its job was run again.
	OutcomeAbandoned Outcome = "abandoned"
)

// runTable is the table of runs, one row per run, for people to read.
const runTable = `
CREATE TABLE IF NOT EXISTS accountsync_run (
	id          bigserial   PRIMARY KEY,
	job_id      bigint      NOT NULL,
	attempt     integer     NOT NULL,
	worker      text        NOT NULL DEFAULT '',
	server      text        NOT NULL,
	panel_type  text        NOT NULL,
	started     timestamptz NOT NULL,
	finished    timestamptz,
	outcome     text        NOT NULL,
	accounts    integer     NOT NULL DEFAULT 0,
	services    integer     NOT NULL DEFAULT 0,
	actions     integer     NOT NULL DEFAULT 0,
	succeeded   integer     NOT NULL DEFAULT 0,
	failed      integer     NOT NULL DEFAULT 0,
	skipped     integer     NOT NULL DEFAULT 0,
	new_clients integer     NOT NULL DEFAULT 0,
	error       text        NOT NULL DEFAULT '',
	report      jsonb
);
CREATE INDEX IF NOT EXISTS accountsync_run_server ON accountsync_run (server, started);
CREATE INDEX IF NOT EXISTS accountsync_run_running ON accountsync_run (server) WHERE outcome = 'running';
COMMENT ON TABLE accountsync_run IS 'accountsync: one row per sync run of a server (riverjobs)';
`

// Run is one row of the run table: one attempt of a server's job.
type Run struct {
	ID int64 `json:"id"`
	// JobID and Attempt name the River job and its attempt.
	JobID   int64  `json:"jobId"`
	Attempt int    `json:"attempt"`
	Worker  string `json:"worker"`
	// Server is provider.Server.Name; PanelType its Type.
	Server    string    `json:"server"`
	PanelType string    `json:"panelType"`
	Outcome   Outcome   `json:"outcome"`
	Started   time.Time `json:"started"`
	// Finished is zero while the run is running.
	Finished time.Time `json:"finished"`
	// Accounts and Services count the server's accounts and its services
	// in billing, as listed.
	Accounts int `json:"accounts"`
	Services int `json:"services"`
	// Actions counts the actions planned; Succeeded, Failed and Skipped
	// what became of them.
	Actions    int `json:"actions"`
	Succeeded  int `json:"succeeded"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	NewClients int `json:"newClients"`
	// Error is why the run failed or was refused, without secrets.
	Error string `json:"error"`
	// Report is the run's report as JSON: "report" (an acsync.Report
	// whose plan keeps its counts, reviews, held actions and conflicts
	// but not the actions carried out, which the journal has), or
	// "refused" and the whole "plan" for a held plan; and "nameservers"
	// when they were checked.
	Report json.RawMessage `json:"report,omitempty"`
}

// ListRuns returns the runs of a server, or of every server when server is
// empty, oldest first.
func ListRuns(ctx context.Context, pool *pgxpool.Pool, server string) ([]Run, error) {
	rows, err := pool.Query(ctx, `
		SELECT id, job_id, attempt, worker, server, panel_type, outcome, started,
		       coalesce(finished, 'epoch'::timestamptz), accounts, services, actions, succeeded, failed, skipped,
		       new_clients, error, report
		  FROM accountsync_run WHERE $1 = '' OR server = $1 ORDER BY id`, server)
	if err != nil {
		return nil, fmt.Errorf("riverjobs: list runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Run, error) {
		var r Run
		var report []byte
		err := row.Scan(&r.ID, &r.JobID, &r.Attempt, &r.Worker, &r.Server, &r.PanelType, &r.Outcome,
			&r.Started, &r.Finished, &r.Accounts, &r.Services, &r.Actions, &r.Succeeded, &r.Failed, &r.Skipped, &r.NewClients,
			&r.Error, &report)
		if r.Finished.Equal(time.Unix(0, 0)) {
			r.Finished = time.Time{}
		}
		r.Report = report
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("riverjobs: list runs: %w", err)
	}
	return runs, nil
}

// startRun marks the runs of the server left running as abandoned (the
// caller holds the server's lock, so none of them is still going) and
// records a new one.
func startRun(ctx context.Context, conn *pgxpool.Conn, r *Run) error {
	if _, err := conn.Exec(ctx, `
		UPDATE accountsync_run SET outcome = $2, finished = $3,
		       error = 'the worker stopped before the run ended; the job ran again'
		 WHERE server = $1 AND outcome = 'running'`, r.Server, OutcomeAbandoned, r.Started); err != nil {
		return fmt.Errorf("riverjobs: record run: %w", err)
	}
	err := conn.QueryRow(ctx, `
		INSERT INTO accountsync_run (job_id, attempt, worker, server, panel_type, started, outcome)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		r.JobID, r.Attempt, r.Worker, r.Server, r.PanelType, r.Started, r.Outcome).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("riverjobs: record run: %w", err)
	}
	return nil
}

// execer is a connection or a pool.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// finishRun records how the run ended.
func finishRun(ctx context.Context, conn execer, r *Run) error {
	_, err := conn.Exec(ctx, `
		UPDATE accountsync_run SET finished = $2, outcome = $3, actions = $4, succeeded = $5,
		       failed = $6, skipped = $7, new_clients = $8, error = $9, report = $10,
		       accounts = $11, services = $12
		 WHERE id = $1`,
		r.ID, r.Finished, r.Outcome, r.Actions, r.Succeeded, r.Failed, r.Skipped, r.NewClients,
		r.Error, []byte(r.Report), r.Accounts, r.Services)
	if err != nil {
		return fmt.Errorf("riverjobs: record run: %w", err)
	}
	return nil
}
