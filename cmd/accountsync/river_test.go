package main

import (
	"bytes"
	"context"
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
	deadline := time.Now().Add(4 * time.Minute) // a guard against a hang, not a bound
	for {
		var outcome string
		err := pool.QueryRow(t.Context(), `SELECT outcome FROM accountsync_run WHERE server = 'web1' AND outcome <> 'running'`).Scan(&outcome)
		if err == nil {
			if outcome != "succeeded" {
				t.Errorf("the run's outcome: %s", outcome)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no run recorded; worker output: %s %s", stdout.String(), stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if code := <-done; code != exitOK {
		t.Errorf("the worker exited %d: %s %s", code, stdout.String(), stderr.String())
	}
	if n := h.services("web1"); n != 2 {
		t.Errorf("%d services in billing after the River run, want 2", n)
	}
}
