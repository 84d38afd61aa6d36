package riverjobs_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/riverjobs"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

// The worker process is this test binary run again with these variables.
const (
	childEnv        = "RIVERJOBS_TEST_WORKER" // the River database's DSN
	childBillingEnv = "RIVERJOBS_TEST_BILLING"
	childPanelEnv   = "RIVERJOBS_TEST_PANEL"
	childStallEnv   = "RIVERJOBS_TEST_STALL_AFTER"
	// childMarker is what the worker prints once it has created some
	// services and stalls in the middle of the apply.
	childMarker = "stalled in the middle of the apply"
)

// killFleet is the one cPanel server both processes sync.
func killFleet(panelURL string) []provider.Server {
	return []provider.Server{{Type: "cpanel", Name: "web-killed", Hostname: panelURL,
		Username: cpaneltest.Username, AccessHash: cpaneltest.Token}}
}

func killConfig(panelURL string, db *sqlstore.DB, open func(context.Context, provider.Server, provider.Metadata) (riverjobs.Billing, error)) riverjobs.Config {
	if open == nil {
		open = func(ctx context.Context, s provider.Server, md provider.Metadata) (riverjobs.Billing, error) {
			return db.Server(ctx, s.Name, s.Type, md.UniqueIdentifierField)
		}
	}
	return riverjobs.Config{
		Servers:        killFleet(panelURL),
		Registry:       provider.Registry{"cpanel": provider.FactoryOf(cpanel.FromServer)},
		Open:           open,
		NoPeriodicJobs: true,
		Workers:        2,
		// River's rescuer takes a job for stuck after this long; the
		// killed worker's job is run again then.
		Timeout:     15 * time.Second,
		RescueAfter: 15 * time.Second,
		BusySnooze:  100 * time.Millisecond,
		RetryPolicy: quickRetry{},
	}
}

func TestAKilledWorkersJobIsFinishedByAnotherAndNothingIsCreatedTwice(t *testing.T) {
	dsn := database(t)
	pool := openPool(t, dsn)
	const n = 300
	panel := cpaneltest.New(cpaneltest.Options{Accounts: accounts("killed", n)})
	defer panel.Close()
	billingPath := filepath.Join(t.TempDir(), "billing.db")
	db, err := sqlstore.Open(t.Context(), billingPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Enqueue first, so that the worker process is the one to take the job.
	enq := killConfig(panel.URL, db, nil)
	enq.Workers = -1
	enqueuer, err := riverjobs.NewClient(t.Context(), pool, enq)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := enqueuer.Enqueue(t.Context(), time.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("enqueue: %d, %v", n, err)
	}

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+dsn, childBillingEnv+"="+billingPath,
		childPanelEnv+"="+panel.URL, childStallEnv+"="+strconv.Itoa(n/3))
	var stderr syncBuffer
	child.Stderr = &stderr
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	stalled := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == childMarker {
				stalled <- true
				return
			}
		}
		stalled <- false
	}()
	if !<-stalled {
		child.Wait()
		t.Fatalf("the worker process ended before stalling: %s", stderr.String())
	}

	// Another worker is up when the first dies in the middle of the apply.
	start(t, dsn, func() riverjobs.Config { c := killConfig(panel.URL, db, nil); c.ID = "survivor"; return c }())
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	before := services(t, db, "web-killed")
	if len(before) == 0 || len(before) >= n {
		t.Fatalf("the worker was killed with %d of %d services created, not in the middle", len(before), n)
	}

	waitFor(t, "the other worker to finish the job", atLeast(jobCount(t, pool, rivertype.JobStateCompleted), 1))
	got := services(t, db, "web-killed")
	if len(got) != n {
		t.Errorf("%d services after the retry, want %d", len(got), n)
	}
	for d, c := range got {
		if c != 1 {
			t.Errorf("%d services for %s", c, d)
		}
	}
	var clients int
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM tblclients`).Scan(&clients); err != nil {
		t.Fatal(err)
	}
	if clients != n {
		t.Errorf("%d clients for %d accounts of %d owners", clients, n, n)
	}

	runs, err := riverjobs.ListRuns(t.Context(), pool, "web-killed")
	if err != nil {
		t.Fatal(err)
	}
	first, last := runs[0], runs[len(runs)-1]
	if first.Worker != "killed-worker" || first.Outcome != riverjobs.OutcomeAbandoned {
		t.Errorf("the killed worker's run: %s by %s", first.Outcome, first.Worker)
	}
	if last.Worker != "survivor" || last.Outcome != riverjobs.OutcomeSucceeded || last.JobID != first.JobID {
		t.Errorf("the last run: %s by %s of job %d (%q)", last.Outcome, last.Worker, last.JobID, last.Error)
	}
	// The retry plans from fresh listings: what the killed worker
	// created is in sync, and only the rest is imported.
	if last.Actions != n-len(before) || last.Succeeded != n-len(before) {
		t.Errorf("the retry planned %d actions and did %d, with %d of %d services in place", last.Actions, last.Succeeded, len(before), n)
	}
	if t.Failed() {
		t.Logf("worker process: %s", stderr.String())
	}
}

// workerProcess is the worker the kill test starts and kills: it works
// the queue, and its billing side stalls after a number of services, so
// that it is killed in the middle of an apply.
func workerProcess() int {
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "worker process:", err)
		return 1
	}
	after, err := strconv.Atoi(os.Getenv(childStallEnv))
	if err != nil {
		return fail(err)
	}
	pool, err := pgxpool.New(ctx, os.Getenv(childEnv))
	if err != nil {
		return fail(err)
	}
	db, err := sqlstore.Open(ctx, os.Getenv(childBillingEnv))
	if err != nil {
		return fail(err)
	}
	var created sync.Mutex
	count := 0
	cfg := killConfig(os.Getenv(childPanelEnv), db, func(ctx context.Context, s provider.Server, md provider.Metadata) (riverjobs.Billing, error) {
		st, err := db.Server(ctx, s.Name, s.Type, md.UniqueIdentifierField)
		if err != nil {
			return nil, err
		}
		return &stalling{Billing: st, before: func() {
			created.Lock()
			count++
			stall := count > after
			if count == after+1 {
				fmt.Println(childMarker)
			}
			created.Unlock()
			if stall {
				select {} // until killed
			}
		}}, nil
	})
	cfg.ID = "killed-worker"
	cfg.Timeout, cfg.RescueAfter = 10*time.Minute, 10*time.Minute
	c, err := riverjobs.NewClient(ctx, pool, cfg)
	if err != nil {
		return fail(err)
	}
	if err := c.Start(ctx); err != nil {
		return fail(err)
	}
	select {} // until killed
}

// stalling is a billing side that calls before ahead of each new service.
// It hides the store's batching, so that each service is committed as it
// is created.
type stalling struct {
	riverjobs.Billing
	before func()
}

func (s *stalling) CreateService(ctx context.Context, svc acsync.Service) (string, error) {
	s.before()
	return s.Billing.CreateService(ctx, svc)
}

// syncBuffer is a bytes.Buffer safe for a writing process and a reading
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
