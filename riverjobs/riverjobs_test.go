package riverjobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/riverjobs"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

func TestFiftyServersAreSyncedOncePerPeriodByTwoWorkers(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 50, 3)
	cfg := config(servers, fakes, db)
	a, b := cfg, cfg
	a.ID, b.ID = "worker-a", "worker-b"
	workers := []*riverjobs.Client{start(t, dsn, a), start(t, dsn, b)}

	// Two periods in the past, so that every slot is due at once. Both
	// workers enqueue each period, at the same time.
	now := time.Now()
	for i, at := range []time.Time{now.Add(-3 * time.Hour), now.Add(-2 * time.Hour)} {
		var wg sync.WaitGroup
		var added atomic.Int64
		for _, w := range workers {
			wg.Go(func() {
				n, err := w.Enqueue(t.Context(), at)
				if err != nil {
					t.Error(err)
				}
				added.Add(int64(n))
			})
		}
		wg.Wait()
		if added.Load() != 50 {
			t.Fatalf("period %d: the two workers enqueued %d jobs for 50 servers", i+1, added.Load())
		}
		waitFor(t, fmt.Sprintf("period %d's jobs", i+1), atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 50*(i+1)))
		if n, err := workers[0].Enqueue(t.Context(), at); err != nil || n != 0 {
			t.Fatalf("enqueueing period %d again after its runs: %d new jobs, %v", i+1, n, err)
		}
	}

	runs, err := riverjobs.ListRuns(t.Context(), pool, "")
	if err != nil {
		t.Fatal(err)
	}
	perServer := map[string]int{}
	byWorker := map[string]int{}
	for _, r := range runs {
		if r.Outcome != riverjobs.OutcomeSucceeded {
			t.Errorf("run of %s: %s: %s", r.Server, r.Outcome, r.Error)
		}
		perServer[r.Server]++
		byWorker[r.Worker]++
		// The first period imports the three accounts (and creates
		// their clients, and the product if no other server did yet);
		// the second finds them in sync.
		want := map[int]int{1: 3, 2: 0}[perServer[r.Server]]
		var report struct {
			Report struct {
				Succeeded map[acsync.Kind]int
				Plan      struct{ InSync int }
			}
		}
		if err := json.Unmarshal(r.Report, &report); err != nil {
			t.Fatal(err)
		}
		if r.Accounts != 3 || r.Services != 3-want || r.Actions < 2*want || r.Succeeded != r.Actions || report.Report.Succeeded[acsync.KindImport] != want ||
			report.Report.Plan.InSync != 3-want {
			t.Errorf("run %d of %s: %d actions, %d succeeded, report %+v", perServer[r.Server], r.Server, r.Actions, r.Succeeded, report)
		}
	}
	for _, s := range servers {
		if perServer[s.Name] != 2 {
			t.Errorf("%s: %d runs in two periods", s.Name, perServer[s.Name])
		}
		if n := fakes[s.Name].Calls(providertest.OpList); n != 2 {
			t.Errorf("%s: listed %d times in two periods", s.Name, n)
		}
		got := services(t, db, s.Name)
		if len(got) != 3 {
			t.Errorf("%s: %d services, want 3: %v", s.Name, len(got), got)
		}
		for d, n := range got {
			if n != 1 {
				t.Errorf("%s: %d services for %s", s.Name, n, d)
			}
		}
	}
	t.Logf("runs per worker: %v", byWorker)
}

func TestAFailingServerIsRetriedWithBackoffWhileTheOthersGoOn(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 6, 4)
	failing := fakes["web03"]
	failing.Fail(providertest.OpList, fmt.Errorf("listing refused with secret-of-web03: %w", provider.ErrTransient))
	c := start(t, dsn, config(servers, fakes, db))
	if _, err := c.Enqueue(t.Context(), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	failures := func() (int, error) {
		var n int
		err := pool.QueryRow(t.Context(), `SELECT count(*) FROM accountsync_run WHERE server = 'web03' AND outcome = 'failed'`).Scan(&n)
		return n, err
	}
	waitFor(t, "the other servers' runs", atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 5))
	waitFor(t, "two failed attempts", atLeast(failures, 2))
	if got := services(t, db, "web03"); len(got) != 0 {
		t.Fatalf("the failing server has services: %v", got)
	}
	failing.Fail(providertest.OpList, nil)
	waitFor(t, "the failing server's run", atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 6))

	runs, err := riverjobs.ListRuns(t.Context(), pool, "web03")
	if err != nil {
		t.Fatal(err)
	}
	last := runs[len(runs)-1]
	if last.Outcome != riverjobs.OutcomeSucceeded || len(services(t, db, "web03")) != 4 {
		t.Fatalf("the last run of web03: %+v", last)
	}
	for i, r := range runs[:len(runs)-1] {
		if r.Outcome != riverjobs.OutcomeFailed || !strings.Contains(r.Error, "listing refused") {
			t.Errorf("run %d of web03: %s: %s", i+1, r.Outcome, r.Error)
		}
		if strings.Contains(r.Error, "secret-of-web03") || strings.Contains(string(r.Report), "secret-of-web03") {
			t.Errorf("run %d of web03 recorded the server's password: %s", i+1, r.Error)
		}
		// River schedules the next attempt after the backoff, so it
		// cannot start sooner (whatever the load, it may start later).
		next := runs[i+1]
		if gap, want := next.Started.Sub(r.Finished), quickDelay(r.Attempt)/2; gap < want {
			t.Errorf("attempt %d started %s after attempt %d failed, before the backoff of %s", next.Attempt, gap, r.Attempt, quickDelay(r.Attempt))
		}
		if next.Attempt <= r.Attempt {
			t.Errorf("attempt %d followed attempt %d", next.Attempt, r.Attempt)
		}
	}
	var errs int
	if err := pool.QueryRow(t.Context(), `SELECT coalesce(array_length(errors, 1), 0) FROM river_job WHERE args->>'server' = 'web03'`).Scan(&errs); err != nil {
		t.Fatal(err)
	}
	if errs != len(runs)-1 {
		t.Errorf("River recorded %d errors for %d failed runs", errs, len(runs)-1)
	}
	for _, s := range servers {
		if s.Name != "web03" && len(services(t, db, s.Name)) != 4 {
			t.Errorf("%s was not synced", s.Name)
		}
	}
}

func TestRefusedCredentialsAreNotRetried(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	servers, fakes := fleetOf("web", 1, 2)
	fakes["web00"].Fail(providertest.OpList, fmt.Errorf("wrong token: %w", provider.ErrUnauthorized))
	c := start(t, dsn, config(servers, fakes, billing(t)))
	if _, err := c.Enqueue(t.Context(), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cancellation", atLeast(jobCount(t, pool, rivertype.JobStateCancelled), 1))
	runs, err := riverjobs.ListRuns(t.Context(), pool, "web00")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Outcome != riverjobs.OutcomeFailed || !strings.Contains(runs[0].Error, "wrong token") {
		t.Errorf("runs: %+v", runs)
	}
}

func TestAnUnsafePlanIsHeldForReviewNotRetried(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 1, 20)
	cfg := config(servers, fakes, db)
	cfg.OptionsFor = func(s provider.Server) acsync.Options {
		return acsync.Options{TerminateLocal: s.Name == "web00"}
	}
	c := start(t, dsn, cfg)
	now := time.Now()
	completed := jobCount(t, pool, rivertype.JobStateCompleted)
	if _, err := c.Enqueue(t.Context(), now.Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first import", atLeast(completed, 1))

	// Half the accounts vanish: terminating half the services is over the
	// 30% limit.
	fake := fakes["web00"]
	for _, a := range accounts("web00", 10) {
		if err := fake.TerminateAccount(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Enqueue(t.Context(), now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cancelled := jobCount(t, pool, rivertype.JobStateCancelled)
	waitFor(t, "the refusal", atLeast(cancelled, 1))
	if n, err := c.Enqueue(t.Context(), now.Add(-2*time.Hour)); err != nil || n != 0 {
		t.Errorf("enqueueing the refused period again: %d new jobs, %v", n, err)
	}
	var attempt int
	if err := pool.QueryRow(t.Context(), `SELECT attempt FROM river_job WHERE state = 'cancelled'`).Scan(&attempt); err != nil {
		t.Fatal(err)
	}
	if attempt != 1 {
		t.Errorf("the refused job ran %d times", attempt)
	}

	runs, err := riverjobs.ListRuns(t.Context(), pool, "web00")
	if err != nil {
		t.Fatal(err)
	}
	held := runs[len(runs)-1]
	var report struct {
		Refused struct {
			Class string
			Count int
		}
		Plan acsync.Plan
	}
	if err := json.Unmarshal(held.Report, &report); err != nil {
		t.Fatal(err)
	}
	if held.Outcome != riverjobs.OutcomeHeld || report.Refused.Class != "terminations" || report.Refused.Count != 10 ||
		report.Plan.Fingerprint == "" || report.Plan.Counts[acsync.KindTerminateLocal] != 10 {
		t.Fatalf("the held run: %s %q, report %+v", held.Outcome, held.Error, report.Refused)
	}
	if live := liveServices(t, db, "web00"); live != 20 {
		t.Fatalf("%d live services after the refusal, want all 20", live)
	}

	t.Run("an approval of another plan is refused as stale", func(t *testing.T) {
		if err := c.Approve(t.Context(), "web00", strings.Repeat("0", 64)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the stale run", atLeast(cancelled, 2))
		runs, err := riverjobs.ListRuns(t.Context(), pool, "web00")
		if err != nil {
			t.Fatal(err)
		}
		if r := runs[len(runs)-1]; r.Outcome != riverjobs.OutcomeStale {
			t.Errorf("the run of a wrong fingerprint: %s %q", r.Outcome, r.Error)
		}
		if live := liveServices(t, db, "web00"); live != 20 {
			t.Errorf("%d live services after a stale approval, want 20", live)
		}
	})
	t.Run("the approved plan is applied", func(t *testing.T) {
		if err := c.Approve(t.Context(), "web00", report.Plan.Fingerprint); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the approved run", atLeast(completed, 2))
		if live := liveServices(t, db, "web00"); live != 10 {
			t.Errorf("%d live services after the approved run, want 10", live)
		}
	})
}

// liveServices counts a server's Active services.
func liveServices(t *testing.T, db *sqlstore.DB, server string) int {
	t.Helper()
	var n int
	err := db.SQL().QueryRowContext(t.Context(), `
		SELECT count(*) FROM tblhosting h JOIN tblservers s ON s.id = h.server
		 WHERE s.name = ? AND h.domainstatus = 'Active'`, server).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAPanelLimitHoldsAcrossWorkers(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 12, 2)
	var inFlight, most atomic.Int64
	cfg := config(servers, fakes, db)
	cfg.Registry = provider.Registry{"fake": func(s provider.Server) (provider.Provider, error) {
		return counting{fakes[s.Name], &inFlight, &most}, nil
	}}
	cfg.PanelLimits = map[string]int{"fake": 2}
	a, b := cfg, cfg
	a.ID, b.ID = "worker-a", "worker-b"
	c := start(t, dsn, a)
	start(t, dsn, b)
	if _, err := c.Enqueue(t.Context(), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every server's run", atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 12))
	if m := most.Load(); m > 2 || m < 1 {
		t.Errorf("%d servers of the type were listed at once, with a limit of 2", m)
	}
	for _, s := range servers {
		if len(services(t, db, s.Name)) != 2 {
			t.Errorf("%s was not synced", s.Name)
		}
	}
}

// counting is a provider whose listing counts how many listings of its
// kind are in flight and keeps the most, and takes a while.
type counting struct {
	*providertest.Fake
	inFlight, most *atomic.Int64
}

func (c counting) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		m := c.most.Load()
		if n <= m || c.most.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(30 * time.Millisecond):
	}
	return c.Fake.ListAccounts(ctx)
}

func TestTheLeaderEnqueuesEachServerAtItsSlot(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 5, 1)
	cfg := config(servers, fakes, db)
	cfg.NoPeriodicJobs = false
	cfg.Period = 24 * time.Hour
	// Two processes: whichever is elected enqueues, once per server.
	start(t, dsn, cfg)
	start(t, dsn, cfg)
	count := func() (int, error) {
		var n int
		err := pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job`).Scan(&n)
		return n, err
	}
	waitFor(t, "the periodic jobs", atLeast(count, 5))
	rows, err := pool.Query(t.Context(), `SELECT args->>'server', scheduled_at, created_at FROM river_job`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]int{}
	for rows.Next() {
		var name string
		var at, created time.Time
		if err := rows.Scan(&name, &at, &created); err != nil {
			t.Fatal(err)
		}
		seen[name]++
		// At the server's slot in its period, or at once (when the job
		// was made) if the slot had passed in the current period: never
		// before the slot.
		slot := at.Truncate(cfg.Period).Add(riverjobs.Offset(name, cfg.Period))
		if at.Before(slot) || !at.Equal(slot) && at.After(created.Add(time.Second)) {
			t.Errorf("%s is scheduled at %s, neither at its slot (%s) nor at once after it (made at %s)", name, at, slot, created)
		}
	}
	for _, s := range servers {
		if seen[s.Name] != 1 {
			t.Errorf("%s has %d jobs", s.Name, seen[s.Name])
		}
	}
}

func TestScheduleSpreadsAFleetOverThePeriod(t *testing.T) {
	const period = time.Hour
	t.Run("the offset is the same in every process and within the period", func(t *testing.T) {
		for _, name := range []string{"web01", "", "ünïcode.example"} {
			o := riverjobs.Offset(name, period)
			if o != riverjobs.Offset(name, period) || o < 0 || o >= period {
				t.Errorf("offset of %q: %s", name, o)
			}
		}
	})
	t.Run("slots follow each other a period apart, strictly after the time given", func(t *testing.T) {
		s := riverjobs.ScheduleOf("web01", period)
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		first := s.Next(at)
		if !first.After(at) || first.Sub(at) > period || s.Next(first) != first.Add(period) {
			t.Errorf("Next(%s) = %s, then %s", at, first, s.Next(first))
		}
		if s.Nearest(first.Add(time.Minute)) != first || s.Nearest(first.Add(-time.Minute)) != first {
			t.Errorf("the nearest slot to a minute either side of %s is not it", first)
		}
	})
	t.Run("a thousand servers are spread over the hour", func(t *testing.T) {
		perMinute := make([]int, 60)
		for i := range 1000 {
			perMinute[riverjobs.Offset(fmt.Sprintf("web%04d", i), period)/time.Minute]++
		}
		for m, n := range perMinute {
			// 16.7 a minute on average; a stampede would put hundreds in one.
			if n > 40 {
				t.Errorf("%d servers start in minute %d", n, m)
			}
		}
	})
}

func TestAServerMissingFromTheFleetIsCancelled(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 2, 1)
	old := config(servers, fakes, db)
	old.Workers = -1
	enqueuer, err := riverjobs.NewClient(t.Context(), openPool(t, dsn), old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enqueuer.Enqueue(t.Context(), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := enqueuer.Start(t.Context()); err == nil {
		t.Error("a client without workers started")
	}
	// The fleet lost web01 before the jobs ran.
	start(t, dsn, config(servers[:1], fakes, db))
	waitFor(t, "the job of the removed server", atLeast(jobCount(t, pool, rivertype.JobStateCancelled), 1))
	var errText string
	if err := pool.QueryRow(t.Context(), `SELECT errors[1]->>'error' FROM river_job WHERE state = 'cancelled'`).Scan(&errText); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errText, `"web01" is not in the fleet`) {
		t.Errorf("the cancelled job's error: %s", errText)
	}
}

func TestMigrateRunsFromSeveralProcessesAtOnce(t *testing.T) {
	database(t) // starts the cluster
	dsn, err := cluster.CreateDatabase(t.Context(), "fresh_for_concurrent_migrations")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		pool := openPool(t, dsn)
		wg.Go(func() {
			if err := riverjobs.Migrate(t.Context(), pool); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestTwoJobsOfOneServerNeverRunAtOnce(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 1, 2)
	var inFlight, most atomic.Int64
	cfg := config(servers, fakes, db)
	cfg.Registry = provider.Registry{"fake": func(s provider.Server) (provider.Provider, error) {
		return counting{fakes[s.Name], &inFlight, &most}, nil
	}}
	a, b := cfg, cfg
	a.ID, b.ID = "worker-a", "worker-b"
	c := start(t, dsn, a)
	start(t, dsn, b)
	// Three periods' jobs, all due at once: a backlog after an outage.
	now := time.Now()
	for h := 2; h <= 4; h++ {
		if _, err := c.Enqueue(t.Context(), now.Add(-time.Duration(h)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the three runs", atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 3))
	if m := most.Load(); m != 1 {
		t.Errorf("%d runs of one server listed it at once", m)
	}
	runs, err := riverjobs.ListRuns(t.Context(), pool, "web00")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(runs); i++ {
		if runs[i].Started.Before(runs[i-1].Finished) {
			t.Errorf("run %d started at %s, before run %d finished at %s", i+1, runs[i].Started, i, runs[i-1].Finished)
		}
	}
}

func TestARunThatLosesItsLockStopsAndIsRetried(t *testing.T) {
	defer riverjobs.SetWatchInterval(50 * time.Millisecond)()
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 1, 2)
	listing := make(chan struct{})
	var calls atomic.Int64
	cfg := config(servers, fakes, db)
	cfg.Registry = provider.Registry{"fake": func(s provider.Server) (provider.Provider, error) {
		return hanging{fakes[s.Name], listing, &calls}, nil
	}}
	c := start(t, dsn, cfg)
	if _, err := c.Enqueue(t.Context(), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	<-listing
	// The session holding the server's lock ends (a network cut, a
	// database restart): another worker could take the server now, so
	// this run must stop.
	if _, err := pool.Exec(t.Context(), `
		SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retry", atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 1))
	runs, err := riverjobs.ListRuns(t.Context(), pool, "web00")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Outcome != riverjobs.OutcomeFailed || !strings.Contains(runs[0].Error, "lost the database session") ||
		runs[1].Outcome != riverjobs.OutcomeSucceeded {
		t.Errorf("runs: %+v", runs)
	}
}

// hanging is a provider whose first listing signals and then waits for
// its context to end.
type hanging struct {
	*providertest.Fake
	listing chan struct{}
	calls   *atomic.Int64
}

func (h hanging) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	if h.calls.Add(1) == 1 {
		close(h.listing)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.Fake.ListAccounts(ctx)
}

func TestTheHistoryOfABillingSideWithoutOneIsSharedByTheWorkers(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 1, 12)
	cfg := config(servers, fakes, db)
	cfg.Options = acsync.Options{TerminateLocal: true, ConfirmRuns: 2}
	cfg.Open = func(ctx context.Context, s provider.Server, md provider.Metadata) (riverjobs.Billing, error) {
		st, err := db.Server(ctx, s.Name, s.Type, md.UniqueIdentifierField)
		return withoutHistory{st}, err
	}
	completed := jobCount(t, pool, rivertype.JobStateCompleted)
	now := time.Now()
	a := cfg
	a.ID = "worker-a"
	ca, err := riverjobs.NewClient(t.Context(), openPool(t, dsn), a)
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Enqueue(t.Context(), now.Add(-4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the import", atLeast(completed, 1))
	if err := fakes["web00"].TerminateAccount(t.Context(), accounts("web00", 1)[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Enqueue(t.Context(), now.Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first run without the account", atLeast(completed, 2))
	if live := liveServices(t, db, "web00"); live != 12 {
		t.Fatalf("%d live services after one run without the account, want 12 (ConfirmRuns 2)", live)
	}
	if err := ca.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Another worker takes the next period and goes on counting.
	b := cfg
	b.ID = "worker-b"
	cb := start(t, dsn, b)
	if _, err := cb.Enqueue(t.Context(), now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second run without the account", atLeast(completed, 3))
	if live := liveServices(t, db, "web00"); live != 11 {
		t.Errorf("%d live services after two runs without the account, want 11", live)
	}
}

// withoutHistory hides the store's own history, as a WHMCS billing side
// has none.
type withoutHistory struct{ riverjobs.Billing }

func TestEnqueueNowRunsThisPeriodsJobOnce(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	db := billing(t)
	servers, fakes := fleetOf("web", 3, 1)
	cfg := config(servers, fakes, db)
	cfg.Period = 24 * time.Hour
	c := start(t, dsn, cfg)
	period := time.Now().Truncate(cfg.Period)
	n, err := c.EnqueueNow(t.Context())
	if err != nil || n != 3 {
		t.Fatalf("EnqueueNow: %d, %v", n, err)
	}
	waitFor(t, "the runs", atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 3))
	if !time.Now().Truncate(cfg.Period).Equal(period) {
		t.Skip("the period ended during the test (UTC midnight)")
	}
	if n, err := c.EnqueueNow(t.Context(), "web01"); err != nil || n != 0 {
		t.Errorf("a second EnqueueNow in the period: %d new jobs, %v", n, err)
	}
	if n, err := c.Enqueue(t.Context(), time.Now(), "web01"); err != nil || n != 0 {
		t.Errorf("Enqueue after EnqueueNow in the period: %d new jobs, %v", n, err)
	}
}
