package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/internal/fleet"
	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// nsFlags are the nameserver checker's flags for a lab: real runs use the
// IANA roots on port 53.
type nsFlags struct {
	roots listFlag
	port  int
}

func (n *nsFlags) register(f *flags) {
	f.Var(&n.roots, "ns-roots", "DNS root servers for nameserver checks, address[:port] (default the IANA roots; for a lab)")
	f.IntVar(&n.port, "ns-port", 0, "port of every DNS server contacted (default 53; for a lab)")
}

// syncer holds what plan, apply and run share: the configuration, its
// billing side, the state directory and the nameserver checker.
type syncer struct {
	e       *env
	cfg     *config.Config
	st      *state
	billing *config.BillingSide
	checker *nsscan.Checker
	log     *slog.Logger
	quiet   bool // run -quiet: output only when something fails
}

func newSyncerFor(ctx context.Context, f *flags, ns nsFlags, cfg *config.Config, servers []config.Server) (*syncer, error) {
	st, err := openState(f.e, f.state)
	if err != nil {
		return nil, err
	}
	log := f.logger(slog.LevelWarn)
	b, err := cfg.OpenBilling(ctx, log)
	if err != nil {
		return nil, err
	}
	s := &syncer{e: f.e, cfg: cfg, st: st, billing: b, log: log}
	for _, srv := range servers {
		if _, ok := cfg.Expectation(srv.Name); ok {
			s.checker, err = nsscan.New(nsscan.Config{Roots: ns.roots, Port: ns.port, Logger: log})
			if err != nil {
				b.Close()
				return nil, fmt.Errorf("nameserver checker: %w", err)
			}
			break
		}
	}
	return s, nil
}

func (s *syncer) Close() {
	if s.checker != nil {
		s.checker.Close()
	}
	s.billing.Close()
}

// job returns the fleet step. approved maps server names to the
// fingerprint of a saved plan, which the run must reproduce; force lets
// plans past the safety limits through.
func (s *syncer) job(dryRun, force bool, approved map[string]string) *fleet.Job {
	j := &fleet.Job{
		Registry: config.Registry(),
		Open: func(ctx context.Context, srv provider.Server, md provider.Metadata) (fleet.Billing, error) {
			return s.billing.Store(ctx, srv.Name, md)
		},
		OptionsFor: func(srv provider.Server) acsync.Options {
			opts := s.cfg.PolicyFor(srv.Name)
			opts.Force = force
			opts.ExpectFingerprint = approved[srv.Name]
			return opts
		},
		ExpectFor: func(srv provider.Server) (nsscan.Expectation, bool) {
			return s.cfg.Expectation(srv.Name)
		},
		History: func(_ context.Context, srv provider.Server) (fleet.History, error) {
			return s.st.history(srv.Name), nil
		},
		Journal:     func(srv provider.Server) acsync.Journal { return s.st.journal(srv.Name) },
		Concurrency: s.cfg.Run.Concurrency,
		Timeout:     s.cfg.Run.Timeout.Or(30 * time.Minute),
		Logger:      s.log,
		Now:         s.e.now,
		DryRun:      dryRun,
	}
	if s.checker != nil {
		j.Checker = s.checker
	}
	return j
}

// withProgress draws each server's progress on a terminal.
func (s *syncer) withProgress(j *fleet.Job) {
	if !s.e.stderrTerminal {
		return
	}
	var mu sync.Mutex
	j.Progress = func(srv provider.Server, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(s.e.stderr, "\r%s: applying %d/%d", srv.Name, done, total)
		if done == total {
			fmt.Fprintln(s.e.stderr)
		}
	}
}

// providerServers turns configuration entries into provider servers.
func providerServers(servers []config.Server) []provider.Server {
	out := make([]provider.Server, len(servers))
	for i, s := range servers {
		out[i] = s.Provider()
	}
	return out
}
