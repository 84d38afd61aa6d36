package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/internal/fleet"
	acsync "github.com/accountsync/accountsync/sync"
)

const planUsage = `usage: accountsync plan [flags]

Lists every server and its billing side once, and shows what a sync would
do under the policy: imports, exports, suspensions, terminations, updates,
and what is deferred, held back or in conflict. It changes nothing. The
plan is saved (-out, or last-plan.json in the state directory) for
"accountsync apply PLANFILE", which carries out exactly that plan or
refuses when the servers or billing have changed since.

Example:
  accountsync plan -server web1
  accountsync plan -out web1.plan -detailed-exitcode; echo $?   # 3: changes pending
  accountsync plan -json | jq '.servers[].plan.counts'
`

const applyUsage = `usage: accountsync apply [flags] [PLANFILE]

With PLANFILE (written by "accountsync plan"), carries out exactly that
plan: every server is listed again and planned again, and a server whose
plan is no longer the saved one (by its fingerprint) is refused, exit 2.

Without PLANFILE, plans, shows the plan, and asks before applying it; with
-yes it does not ask. Without a terminal to ask on and without -yes it
refuses (exit 2): a crontab line must say -yes, or use "accountsync run".

Example:
  accountsync plan -out web1.plan && accountsync apply web1.plan
  accountsync apply -server web1 -yes
`

// planFile is what plan saves and apply reads.
type planFile struct {
	// Version is the format's version, 1.
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	// Config is the absolute path of the configuration file.
	Config  string       `json:"config"`
	Servers []serverPlan `json:"servers"`
}

// serverPlan is one server's part of a plan file.
type serverPlan struct {
	Server string `json:"server"`
	Type   string `json:"type"`
	// Accounts and Services count what the listings held.
	Accounts int `json:"accounts"`
	Services int `json:"services"`
	// Mode is the server's policy mode.
	Mode string `json:"mode"`
	// Forced is set when the plan was made with -force.
	Forced bool         `json:"forced,omitempty"`
	Plan   *acsync.Plan `json:"plan,omitempty"`
	// Error is why there is no plan.
	Error string `json:"error,omitempty"`
	// NSIncorrect lists the domains whose nameservers were judged
	// incorrect.
	NSIncorrect []string `json:"nsIncorrect,omitempty"`
}

func runPlan(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "plan", planUsage, true, true)
	var ns nsFlags
	ns.register(f)
	out := f.String("out", "", "save the plan to this file (default last-plan.json in the state directory)")
	detailed := f.Bool("detailed-exitcode", false, "exit 3 when changes are pending, 0 when there are none")
	force := f.Bool("force", false, "plan past the safety limits (review the plan before applying it)")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.noArgs(); err != nil {
		return err
	}
	cfg, servers, err := f.loadServers()
	if err != nil {
		return err
	}
	s, err := newSyncerFor(ctx, f, ns, cfg, servers)
	if err != nil {
		return err
	}
	defer s.Close()

	pf, failed := s.plan(ctx, servers, *force)
	path := *out
	if path == "" {
		path = s.st.path("last-plan.json")
	}
	data, err := json.MarshalIndent(pf, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(path, append(data, '\n')); err != nil {
		return fmt.Errorf("save the plan: %w", err)
	}
	pending := 0
	for _, sp := range pf.Servers {
		if sp.Plan != nil {
			pending += len(sp.Plan.Actions)
		}
	}
	if f.json {
		e.stdout.Write(append(data, '\n'))
	} else {
		writePlans(e.stdout, pf)
		switch {
		case pending > 0:
			fmt.Fprintf(e.stdout, "\nSaved the plan to %s. To carry out exactly this plan:\n  accountsync apply %s\n", path, shellQuote(path))
		case failed == 0:
			fmt.Fprintln(e.stdout, "\nNothing to do.")
		}
	}
	switch {
	case failed > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%s of %d could not be planned; see above", plural(failed, "server"), len(servers))}
	case pending > 0 && *detailed:
		return silent(exitPending)
	}
	return nil
}

// plan plans the servers without changing anything, and counts the
// servers that could not be planned.
func (s *syncer) plan(ctx context.Context, servers []config.Server, force bool) (*planFile, int) {
	abs, _ := filepath.Abs(s.cfg.File)
	pf := &planFile{Version: 1, Created: s.e.now().UTC(), Config: abs}
	if s.e.stderrTerminal {
		// Listings of big servers take minutes; say what is going on.
		fmt.Fprintf(s.e.stderr, "Listing and planning %s...\n", plural(len(servers), "server"))
	}
	results := s.job(true, force, nil).Run(ctx, providerServers(servers))
	failed := 0
	for i, r := range results {
		sp := serverPlan{Server: r.Name, Type: r.Type, Accounts: r.Accounts, Services: r.Services,
			Mode: modeOf(s.cfg, servers[i].Name), Forced: force, Plan: r.Plan}
		for _, x := range r.Incorrect {
			sp.NSIncorrect = append(sp.NSIncorrect, x.Input)
		}
		if r.Err != nil {
			failed++
			sp.Error = explain(r.Err)
			// A plan refused by the safety limits is kept for review: it
			// is what -force would plan.
			var unsafe *acsync.UnsafePlanError
			if errors.As(r.Err, &unsafe) {
				sp.Plan = unsafe.Plan
			}
		}
		pf.Servers = append(pf.Servers, sp)
	}
	return pf, failed
}

func modeOf(cfg *config.Config, name string) string {
	if m := cfg.ServerPolicy(name).Mode; m != "" {
		return m
	}
	return "synchronize"
}

// explain turns a server's error into a sentence with what to do.
func explain(err error) string {
	var unsafe *acsync.UnsafePlanError
	switch {
	case errors.As(err, &unsafe):
		return err.Error() + ". Nothing was planned: check the listings, the key field and the server; if the plan is right, plan again with -force and review it"
	case errors.Is(err, acsync.ErrStalePlan):
		return "the plan is stale: the server, billing or policy changed since it was made, so it was not applied and nothing was changed; run accountsync plan again and review it"
	}
	return oneLine(err.Error())
}

// writePlans writes each server's plan as a table.
func writePlans(w io.Writer, pf *planFile) {
	for i, sp := range pf.Servers {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "== %s (%s)\n", sp.Server, sp.Type)
		if sp.Error != "" {
			fmt.Fprintf(w, "FAILED: %s\n", sp.Error)
			if sp.Plan != nil {
				fmt.Fprintln(w, "\nThe refused plan, for review (nothing of it will be applied):")
				sp.Plan.WriteTable(w)
			}
			continue
		}
		p := sp.Plan
		fmt.Fprintf(w, "%s on the server, %s in billing.\n", plural(sp.Accounts, "account"), plural(sp.Services, "service"))
		if len(p.Actions)+len(p.Deferred)+len(p.Held)+len(p.Conflicts) == 0 {
			fmt.Fprintf(w, "In sync: nothing to do (%s in sync).\n", plural(p.InSync, "key"))
			continue
		}
		p.WriteTable(w)
		if len(sp.NSIncorrect) > 0 {
			fmt.Fprintf(w, "Nameservers incorrect: %s.\n", strings.Join(sp.NSIncorrect, ", "))
		}
		if sp.Mode == "report" {
			fmt.Fprintln(w, "The policy's mode is report: apply and run leave this server unchanged.")
		}
		fmt.Fprintf(w, "Plan ID %.12s: the start of the plan's fingerprint, which covers the listings and the policy; apply refuses the plan once they no longer give this same plan.\n", p.Fingerprint)
	}
}

func runApply(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "apply", applyUsage, true, true)
	var ns nsFlags
	ns.register(f)
	yes := f.Bool("yes", false, "apply without asking (for scripts; without PLANFILE)")
	force := f.Bool("force", false, "without PLANFILE: plan past the safety limits")
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() > 1 {
		return usageError("one plan file at most, got %d arguments", f.NArg())
	}
	if f.NArg() == 1 {
		if *yes || *force {
			return usageError("-yes and -force are for planning and applying at once; a saved plan is applied as it is")
		}
		return applySaved(ctx, f, ns, f.Arg(0))
	}
	// Refuse before listing anything: a crontab line without -yes must
	// fail loudly, not ask a question no one reads.
	if !*yes && !e.stdinTerminal {
		return refused("not applying: standard input is not a terminal to confirm on; pass -yes to apply without asking, or save a plan with 'accountsync plan' and apply it with 'accountsync apply PLANFILE'")
	}
	if !*yes && f.json {
		return refused("not applying: -json leaves no room for a question; pass -yes, or apply a saved plan")
	}
	cfg, servers, err := f.loadServers()
	if err != nil {
		return err
	}
	s, err := newSyncerFor(ctx, f, ns, cfg, servers)
	if err != nil {
		return err
	}
	defer s.Close()
	unlock, err := s.st.lock()
	if err != nil {
		return err
	}
	defer unlock()

	pf, failed := s.plan(ctx, servers, *force)
	out := e.stdout
	if f.json {
		out = io.Discard
	}
	writePlans(out, pf)
	noteReportOnly(e.stderr, pf)
	todo := applicable(pf)
	if len(todo) == 0 {
		if failed > 0 {
			return &exitError{code: exitFailed, err: fmt.Errorf("%s of %d could not be planned; nothing was changed", plural(failed, "server"), len(servers))}
		}
		fmt.Fprintln(out, "\nNothing to do.")
		if f.json {
			return writeJSON(e.stdout, []applyResult{})
		}
		return nil
	}
	if !*yes {
		n, names := 0, []string{}
		for _, sp := range todo {
			n += len(sp.Plan.Actions)
			names = append(names, sp.Server)
		}
		fmt.Fprintf(e.stdout, "\nApply %s on %s? Only 'yes' is accepted: ", plural(n, "action"), strings.Join(names, ", "))
		answer, _ := bufio.NewReader(e.stdin).ReadString('\n')
		if strings.TrimSpace(answer) != "yes" {
			fmt.Fprintln(e.stdout, "Nothing was changed.")
			return silent(exitRefused)
		}
	}
	return s.apply(ctx, f, servers, todo, failed)
}

// noteReportOnly says which servers apply leaves alone for their policy.
func noteReportOnly(w io.Writer, pf *planFile) {
	for _, sp := range pf.Servers {
		if sp.Mode == "report" && sp.Plan != nil && len(sp.Plan.Actions) > 0 {
			fmt.Fprintf(w, "accountsync apply: %s: the policy's mode is report; not applied\n", sp.Server)
		}
	}
}

// applicable returns the server plans that have actions to carry out.
func applicable(pf *planFile) []serverPlan {
	var out []serverPlan
	for _, sp := range pf.Servers {
		if sp.Plan != nil && sp.Error == "" && len(sp.Plan.Actions) > 0 && sp.Mode != "report" {
			out = append(out, sp)
		}
	}
	return out
}

func applySaved(ctx context.Context, f *flags, ns nsFlags, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return refused("read the plan: %v", err)
	}
	var pf planFile
	if err := json.Unmarshal(data, &pf); err != nil || pf.Version != 1 {
		return refused("%s is not a plan file written by accountsync plan", path)
	}
	cfg, err := f.load()
	if err != nil {
		return err
	}
	if abs, _ := filepath.Abs(cfg.File); pf.Config != "" && abs != pf.Config {
		return refused("the plan was made from %s, not %s; pass -config %s", pf.Config, abs, shellQuote(pf.Config))
	}
	if len(f.servers) > 0 {
		return usageError("-server does not go with a plan file: the plan names its servers")
	}
	var servers []config.Server
	todo := applicable(&pf)
	noteReportOnly(f.e.stderr, &pf)
	for _, sp := range todo {
		srv, ok := cfg.Server(sp.Server)
		if !ok || srv.Name != sp.Server {
			return refused("the plan names server %q, which %s no longer has", sp.Server, cfg.File)
		}
		servers = append(servers, srv)
	}
	if len(todo) == 0 {
		if f.json {
			return writeJSON(f.e.stdout, []applyResult{})
		}
		fmt.Fprintln(f.e.stdout, "The plan has nothing to do.")
		return nil
	}
	s, err := newSyncerFor(ctx, f, ns, cfg, servers)
	if err != nil {
		return err
	}
	defer s.Close()
	unlock, err := s.st.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return s.apply(ctx, f, servers, todo, 0)
}

// applyResult is one server's part of apply -json.
type applyResult struct {
	Server string         `json:"server"`
	Report *acsync.Report `json:"report,omitempty"`
	Error  string         `json:"error,omitempty"`
	// Stale is set when the server no longer gives the approved plan.
	Stale bool `json:"stale,omitempty"`
}

// apply carries out the approved plans: each server is planned again and
// applied only if its plan is the approved one.
func (s *syncer) apply(ctx context.Context, f *flags, all []config.Server, todo []serverPlan, failedBefore int) error {
	approved := map[string]string{}
	forced := false
	var servers []config.Server
	for _, sp := range todo {
		approved[sp.Server] = sp.Plan.Fingerprint
		forced = forced || sp.Forced
		i := slices.IndexFunc(all, func(c config.Server) bool { return c.Name == sp.Server })
		servers = append(servers, all[i])
	}
	j := s.job(false, forced, approved)
	s.withProgress(j)
	results := j.Run(ctx, providerServers(servers))
	failed, stale := failedBefore, 0
	var out []applyResult
	for _, r := range results {
		ar := applyResult{Server: r.Name, Report: r.Report}
		switch {
		case errors.Is(r.Err, acsync.ErrStalePlan):
			stale++
			ar.Stale = true
			ar.Error = explain(r.Err)
		case r.Err != nil:
			failed++
			ar.Error = explain(r.Err)
		case r.Report != nil && len(r.Report.Failures) > 0:
			failed++
		}
		out = append(out, ar)
	}
	if f.json {
		if err := writeJSON(s.e.stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(s.e.stdout)
		writeApplied(s.e.stdout, out)
	}
	switch {
	case failed > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%s failed; see above", plural(failed, "server"))}
	case stale > 0:
		return &exitError{code: exitRefused, err: fmt.Errorf("%s refused: the plan is stale", plural(stale, "server"))}
	}
	return nil
}

// writeApplied writes what apply did, a line per server and one per
// failed action.
func writeApplied(w io.Writer, results []applyResult) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tRESULT\tDETAIL")
	for _, r := range results {
		switch {
		case r.Stale:
			fmt.Fprintf(tw, "%s\tREFUSED\t%s\n", r.Server, r.Error)
		case r.Error != "":
			fmt.Fprintf(tw, "%s\tFAILED\t%s\n", r.Server, r.Error)
		default:
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Server, resultWord(r.Report), summarize(r.Report))
		}
	}
	tw.Flush()
	for _, r := range results {
		if r.Report == nil {
			continue
		}
		for _, x := range r.Report.Failures {
			fmt.Fprintf(w, "FAILED %s %s %s: %s\n", r.Server, x.Kind, x.Key, oneLine(x.Err.Error()))
		}
	}
}

func resultWord(r *acsync.Report) string {
	if r != nil && len(r.Failures) > 0 {
		return "FAILED"
	}
	return "done"
}

// summarize says what a report counts: actions succeeded, failed and
// skipped, per kind, and what was left for later.
func summarize(r *acsync.Report) string {
	if r == nil {
		return ""
	}
	total := func(m map[acsync.Kind]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	var kinds []string
	for _, k := range acsync.Kinds() {
		if n := r.Succeeded[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	if total(r.Succeeded)+total(r.Failed)+total(r.Skipped) == 0 {
		return "in sync, nothing to do" + leftOver(r.Plan)
	}
	s := fmt.Sprintf("%s succeeded", plural(total(r.Succeeded), "action"))
	if len(kinds) > 0 {
		s += " (" + strings.Join(kinds, ", ") + ")"
	}
	s += fmt.Sprintf(", %d failed, %d skipped", total(r.Failed), total(r.Skipped))
	return s + leftOver(r.Plan)
}

// leftOver says what a plan left for later or for a person.
func leftOver(p *acsync.Plan) string {
	s := ""
	if p != nil {
		if len(p.Deferred) > 0 {
			s += fmt.Sprintf(", %s deferred to the next run", plural(len(p.Deferred), "action"))
		}
		if len(p.Held) > 0 {
			s += fmt.Sprintf(", %s held back", plural(len(p.Held), "action"))
		}
		if len(p.Conflicts) > 0 {
			s += ", " + plural(len(p.Conflicts), "conflict")
		}
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// shellQuote quotes a path for a command line when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// failedResults counts results with an error or failed actions.
func failedResults(results []fleet.Result) int {
	n := 0
	for _, r := range results {
		if r.Err != nil || r.Report != nil && len(r.Report.Failures) > 0 {
			n++
		}
	}
	return n
}
