package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/accountsync/accountsync/examples/sqlstore"
	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// job is the scheduled sync of every configured server.
type job struct {
	cfg      config
	db       *sqlstore.DB
	servers  []provider.Server
	registry provider.Registry
	checker  *nsscan.Checker
	expect   nsscan.Expectation
	mail     sender
	log      *slog.Logger
	now      func() time.Time
	out      io.Writer
}

// serverResult is what one run did on one server.
type serverResult struct {
	Name, Type string
	Started    time.Time
	Report     *acsync.Report // nil when the run failed before applying
	Err        error
	// NSChecked counts the domains checked; Incorrect holds those judged
	// incorrect and NSErrors those that could not be judged.
	NSChecked int
	Incorrect []nsscan.Result
	NSErrors  []nsscan.Result
}

// tick runs every server once, a bounded number at a time. One server's
// failure, or panic, is its own result and never stops the others.
func (j *job) tick(ctx context.Context) []serverResult {
	results := make([]serverResult, len(j.servers))
	sem := make(chan struct{}, j.cfg.concurrency)
	var wg sync.WaitGroup
	for i, s := range j.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = j.syncServer(ctx, s)
			r := results[i]
			if r.Err != nil {
				j.log.Error("server failed", "server", r.Name, "error", r.Err)
			} else {
				j.log.Info("server synced", "server", r.Name, "actions", len(r.Report.Plan.Actions),
					"failed", len(r.Report.Failures), "ns_incorrect", len(r.Incorrect))
			}
		}()
	}
	wg.Wait()
	return results
}

func (j *job) syncServer(ctx context.Context, s provider.Server) (res serverResult) {
	res = serverResult{Name: s.Name, Type: s.Type, Started: j.now()}
	defer func() {
		if v := recover(); v != nil {
			res.Err = fmt.Errorf("panic: %v", v)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, j.cfg.timeout)
	defer cancel()
	s.Logger = j.log.With("server", s.Name)
	p, err := j.registry.New(s)
	if err != nil {
		res.Err = err
		return res
	}
	md := p.Metadata()
	store, err := j.db.Server(ctx, s.Name, md.Type, md.UniqueIdentifierField)
	if err != nil {
		res.Err = err
		return res
	}
	remote, err := p.ListAccounts(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	local, err := store.Services(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	opts := acsync.Options{
		KeyField:                      md.UniqueIdentifierField,
		TerminateRemote:               j.cfg.terminateRemote,
		TerminateLocal:                j.cfg.terminateLocal,
		TerminateIncorrectNameservers: j.cfg.terminateIncorrectNS,
		ConfirmRuns:                   j.cfg.confirmRuns,
		MaxActions:                    j.cfg.maxActions,
		Now:                           j.now(),
	}
	if err := store.LoadOptions(ctx, &opts); err != nil {
		res.Err = err
		return res
	}
	if j.checker != nil && md.UniqueIdentifierField == "domain" {
		opts.Nameservers = j.checkNameservers(ctx, remote, &res)
	}
	plan, err := acsync.Diff(remote, local, opts)
	if err != nil {
		// An unsafe plan changes nothing; the report says why.
		res.Err = err
		return res
	}
	exec := acsync.Executor{Provider: p, Store: store, Notifier: store, Journal: store, Logger: s.Logger}
	report, err := exec.Apply(ctx, plan)
	res.Report = report
	if report != nil && report.Plan != nil {
		if serr := store.SaveSeenMissing(ctx, report.Plan.SeenMissing); serr != nil && err == nil {
			err = serr
		}
	}
	res.Err = err
	return res
}

// checkNameservers judges the live accounts' domains. Only Correct and
// Incorrect become verdicts: a domain that could not be checked is left
// unjudged, so a DNS outage never counts against anyone.
func (j *job) checkNameservers(ctx context.Context, accounts []provider.Account, res *serverResult) map[string]bool {
	domains := make([]string, 0, len(accounts))
	for _, a := range accounts {
		if a.Domain != "" {
			domains = append(domains, a.Domain)
		}
	}
	verdicts := make(map[string]bool, len(domains))
	for r := range j.checker.CheckAll(ctx, domains, j.expect) {
		res.NSChecked++
		switch r.Status {
		case nsscan.StatusCorrect:
			verdicts[r.Input] = true
		case nsscan.StatusIncorrect:
			verdicts[r.Input] = false
			res.Incorrect = append(res.Incorrect, r)
		default:
			res.NSErrors = append(res.NSErrors, r)
		}
	}
	// CheckAll streams in completion order; the report wants a stable one.
	sort.Slice(res.Incorrect, func(a, b int) bool { return res.Incorrect[a].Input < res.Incorrect[b].Input })
	sort.Slice(res.NSErrors, func(a, b int) bool { return res.NSErrors[a].Input < res.NSErrors[b].Input })
	return verdicts
}

func failedServers(results []serverResult) int {
	n := 0
	for _, r := range results {
		if r.Err != nil && !errors.Is(r.Err, context.Canceled) {
			n++
		}
	}
	return n
}
