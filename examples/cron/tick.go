package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/accountsync/accountsync/internal/fleet"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

// job is the scheduled sync of every configured server, and the report.
type job struct {
	cfg     config
	db      *sqlstore.DB
	servers []provider.Server
	fleet   fleet.Job
	mail    sender
	log     *slog.Logger
	now     func() time.Time
	out     io.Writer
}

// newFleet is the sync step of a tick: every server listed once, planned
// with the flags' policy, applied, its history kept in the store.
func newFleet(cfg config, db *sqlstore.DB, registry provider.Registry, log *slog.Logger, now func() time.Time) fleet.Job {
	return fleet.Job{
		Registry: registry,
		Open: func(ctx context.Context, s provider.Server, md provider.Metadata) (fleet.Billing, error) {
			return db.Server(ctx, s.Name, md.Type, md.UniqueIdentifierField)
		},
		Options: acsync.Options{
			TerminateRemote:               cfg.terminateRemote,
			TerminateLocal:                cfg.terminateLocal,
			TerminateIncorrectNameservers: cfg.terminateIncorrectNS,
			ConfirmRuns:                   cfg.confirmRuns,
			MaxActions:                    cfg.maxActions,
		},
		Concurrency: cfg.concurrency,
		Timeout:     cfg.timeout,
		Logger:      log,
		Now:         now,
	}
}

// tick runs every server once, a bounded number at a time. One server's
// failure, or panic, is its own result and never stops the others.
func (j *job) tick(ctx context.Context) []fleet.Result {
	return j.fleet.Run(ctx, j.servers)
}

func failedServers(results []fleet.Result) int {
	n := 0
	for _, r := range results {
		if r.Err != nil && !errors.Is(r.Err, context.Canceled) {
			n++
		}
	}
	return n
}
