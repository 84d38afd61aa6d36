package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/riverjobs/pgtest"
)

func TestRunOnRiverSyncsThroughTheJobQueue(t *testing.T) {
	cluster := pgtest.Start(t)
	dsn, err := cluster.CreateDatabase(t.Context(), "accountsync")
	if err != nil {
		t.Fatal(err)
	}
	srv := cpaneltest.NewServer(t, account("alice", "alice.test"), account("bob", "bob.test"))
	h := newHarness(t, cpanelConfig(srv, `"policy": {"mode": "import-only"}`))

	h.run("migrate", "-river", dsn).want(t, exitOK, "up to date")
	// The DSN from the environment from here on; a dry run still plans
	// here and enqueues nothing.
	h.vars["ACCOUNTSYNC_RIVER"] = dsn
	h.run("run", "-once", "-dry-run").want(t, exitOK, "Dry run")
	h.run("run", "-once", "-state", h.dir+"/state", "-river", dsn).want(t, exitOK, "Enqueued 1 server")
	h.run("run", "-once", "-state", h.dir+"/state", "-river", dsn).want(t, exitOK, "Enqueued 0 servers on River; 1 already had")

	// A worker, until stopped.
	ctx, stop := context.WithCancel(context.Background())
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"run", "-config", h.config, "-state", h.dir + "/state"}, h.env(&stdout, &stderr))
	}()
	pool, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	waitRun := func(outcome string) {
		t.Helper()
		deadline := time.Now().Add(4 * time.Minute) // a guard against a hang, not a bound
		for {
			var n int
			err := pool.QueryRow(t.Context(), `SELECT count(*) FROM accountsync_run WHERE server = 'web1' AND outcome = $1`, outcome).Scan(&n)
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s run recorded; worker output: %s %s", outcome, stdout.String(), stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitRun("succeeded")

	// An approval of a plan that is not the plan any more changes nothing.
	h.run("run", "-river=", "-approve", "web1="+strings.Repeat("0", 64)).want(t, exitRefused, "-approve needs -river")
	h.run("run", "-once", "-river", dsn, "-approve", "web9=abc").want(t, exitRefused, "configured server")
	h.run("run", "-once", "-state", h.dir+"/state", "-river", dsn, "-approve", "web1="+strings.Repeat("0", 64)).
		want(t, exitOK, "Approved the plan")
	waitRun("stale")
	stop()
	if code := <-done; code != exitOK {
		t.Errorf("the worker exited %d: %s %s", code, stdout.String(), stderr.String())
	}
	if n := h.services("web1"); n != 2 {
		t.Errorf("%d services in billing after the River run, want 2", n)
	}
}
