package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/sqlstore"
)

// result is what one in-process run of the command gave.
type result struct {
	code           int
	stdout, stderr string
}

// harness is a configuration in a temporary directory, with its state
// directory and environment.
type harness struct {
	t        *testing.T
	dir      string
	config   string
	vars     map[string]string
	terminal bool   // stdin is a terminal
	progress bool   // stderr is a terminal
	stdin    string // what a person types
}

func newHarness(t *testing.T, configText string) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, config: filepath.Join(dir, "config.jsonc"),
		vars: map[string]string{"HOME": dir, "WHM_TOKEN": cpaneltest.Token, "BRIDGE_TOKEN": "bridge-token-123456"}}
	h.write(configText)
	return h
}

func (h *harness) write(configText string) {
	h.t.Helper()
	if err := os.WriteFile(h.config, []byte(configText), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) env(stdout, stderr *bytes.Buffer) *env {
	return &env{
		stdin: strings.NewReader(h.stdin), stdout: stdout, stderr: stderr,
		stdinTerminal: h.terminal, stderrTerminal: h.progress,
		lookup: func(k string) (string, bool) { v, ok := h.vars[k]; return v, ok },
		now:    time.Now,
	}
}

// run runs the command with -config added after the subcommand.
func (h *harness) run(args ...string) result {
	h.t.Helper()
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = append([]string{args[0], "-config", h.config}, args[1:]...)
	}
	return h.runRaw(args...)
}

func (h *harness) runRaw(args ...string) result {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, h.env(&stdout, &stderr))
	return result{code, stdout.String(), stderr.String()}
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// want fails the test unless the run exited with code and its output
// holds each of the texts (in stdout or stderr).
func (r result) want(t *testing.T, code int, texts ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
	for _, s := range texts {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output lacks %q:\n%s", s, r)
		}
	}
}

func account(user, domain string) provider.Account {
	return provider.Account{Email: user + "@mail.test", Username: user, Domain: domain, UniqueIdentifier: domain,
		Product: "default", Created: time.Date(2024, 2, 2, 10, 0, 0, 0, time.UTC), Status: provider.StatusActive}
}

// cpanelConfig is a configuration of one fake cPanel server and an
// SQLite billing store beside it, with extra text inside the top object.
func cpanelConfig(srv *cpaneltest.Server, extra string) string {
	return fmt.Sprintf(`{
  // one fake WHM on loopback
  "servers": [
    {"type": "cpanel", "name": "web1", "hostname": %q, "username": "root", "accessHash": "${WHM_TOKEN}"},
  ],
  "billing": {"sqlite": {"path": "billing.db"}},
  %s
}`, srv.URL, extra)
}

// services returns the billing store's services of server web1.
func (h *harness) services(name string) int {
	h.t.Helper()
	db, err := sqlstore.Open(context.Background(), filepath.Join(h.dir, "billing.db"))
	if err != nil {
		h.t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Server(context.Background(), name, "cpanel", "domain")
	if err != nil {
		h.t.Fatal(err)
	}
	svcs, err := st.Services(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return len(svcs)
}

func TestHelp(t *testing.T) {
	h := newHarness(t, `{}`)
	for _, c := range commands() {
		t.Run(c.name+" -h exits 0 and shows an example", func(t *testing.T) {
			r := h.runRaw(c.name, "-h")
			r.want(t, exitOK, "usage: accountsync "+c.name, "Example:")
			if r.stderr != "" {
				t.Errorf("help wrote to stderr: %q", r.stderr)
			}
		})
	}
	t.Run("help and -h list the commands", func(t *testing.T) {
		h.runRaw("help").want(t, exitOK, "plan", "apply", "serve", "nscheck", "check")
		h.runRaw("-h").want(t, exitOK, "Exit status")
		h.runRaw("help", "plan").want(t, exitOK, "-detailed-exitcode")
	})
	t.Run("no command is bad usage", func(t *testing.T) {
		h.runRaw().want(t, exitRefused, "usage: accountsync COMMAND")
	})
	t.Run("an unknown command is bad usage", func(t *testing.T) {
		h.runRaw("sync").want(t, exitRefused, `unknown command "sync"`)
	})
	t.Run("an unknown flag is bad usage that points at -h", func(t *testing.T) {
		h.run("plan", "-bogus").want(t, exitRefused, "flag provided but not defined: -bogus", "Run 'accountsync plan -h' for usage.")
	})
	t.Run("version prints the Go version", func(t *testing.T) {
		h.runRaw("version").want(t, exitOK, "accountsync ", "go1.")
	})
}

func TestPlanThenApplyTheSavedPlan(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"), account("ben", "ben.test"), account("cy", "cy.test"))
	h := newHarness(t, cpanelConfig(srv, ""))
	planFile := filepath.Join(h.dir, "web1.plan")

	r := h.run("plan", "-out", planFile, "-detailed-exitcode")
	r.want(t, exitPending, "== web1 (cpanel)", "3 accounts on the server, 0 services in billing.",
		"Plan ID ", "the start of the plan's fingerprint", "accountsync apply "+planFile)
	if h.services("web1") != 0 {
		t.Fatal("plan changed billing")
	}

	r = h.run("apply", planFile)
	r.want(t, exitOK, "web1", "done", "succeeded (create-product 1, create-client 3, import 3)")
	if n := h.services("web1"); n != 3 {
		t.Fatalf("billing holds %d services after apply, want 3\n%s", n, r)
	}

	r = h.run("plan", "-detailed-exitcode")
	r.want(t, exitOK, "3 accounts on the server, 3 services in billing.", "In sync: nothing to do (3 keys in sync).", "Nothing to do.")
}

func TestAStalePlanIsRefused(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, ""))
	h.run("plan").want(t, exitOK, "1 account on the server, 0 services in billing.")

	// The server changes after the plan was reviewed.
	p, err := cpanelClient(srv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateAccount(context.Background(), provider.NewAccount{Username: "ben", Domain: "ben.test", Email: "ben@mail.test", Product: "default", Password: "Secret-pass-123"}); err != nil {
		t.Fatal(err)
	}
	r := h.run("apply", filepath.Join(h.dir, ".local", "state", "accountsync", "last-plan.json"))
	r.want(t, exitRefused, "REFUSED", "the plan is stale", "run accountsync plan again")
	if n := h.services("web1"); n != 0 {
		t.Errorf("a stale plan changed billing: %d services", n)
	}
}

func TestApplyWithoutAPlanFile(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, ""))

	t.Run("without a terminal and without -yes it refuses before listing", func(t *testing.T) {
		calls := srv.Calls("listaccts")
		h.run("apply").want(t, exitRefused, "standard input is not a terminal", "pass -yes")
		if srv.Calls("listaccts") != calls {
			t.Error("the refused apply listed the server")
		}
	})
	t.Run("a person who does not type yes changes nothing", func(t *testing.T) {
		h.terminal, h.stdin = true, "y\n"
		defer func() { h.terminal, h.stdin = false, "" }()
		h.run("apply").want(t, exitRefused, "Only 'yes' is accepted", "Nothing was changed.")
		if h.services("web1") != 0 {
			t.Error("billing changed")
		}
	})
	t.Run("-json without -yes is refused", func(t *testing.T) {
		h.terminal = true
		defer func() { h.terminal = false }()
		h.run("apply", "-json").want(t, exitRefused, "-json leaves no room for a question")
	})
	t.Run("-yes -json applies and prints only JSON", func(t *testing.T) {
		r := h.run("apply", "-yes", "-json")
		r.want(t, exitOK)
		var out []applyResult
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("stdout is not pure JSON: %v\n%s", err, r)
		}
		if len(out) != 1 || out[0].Report == nil || out[0].Report.Succeeded["import"] != 1 {
			t.Errorf("apply -json = %+v", out)
		}
	})
}

func TestPlanJSONIsPureJSON(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, ""))
	r := h.run("plan", "-json")
	r.want(t, exitOK)
	var pf planFile
	if err := json.Unmarshal([]byte(r.stdout), &pf); err != nil {
		t.Fatalf("stdout is not pure JSON: %v\n%s", err, r)
	}
	if len(pf.Servers) != 1 || pf.Servers[0].Accounts != 1 || pf.Servers[0].Plan.Counts["import"] != 1 {
		t.Errorf("plan -json = %+v", pf)
	}
}

func TestTheStateLockKeepsTwoRunsApart(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, ""))
	st, err := openState(h.env(&bytes.Buffer{}, &bytes.Buffer{}), "")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := st.lock()
	if err != nil {
		t.Fatal(err)
	}
	h.run("apply", "-yes").want(t, exitFailed, "state is locked", "accountsync pid")
	h.run("run", "-once").want(t, exitFailed, "state is locked")
	unlock()
	h.run("apply", "-yes").want(t, exitOK)
}

// A server billing has never seen is imported by its first apply, without
// -force, and is in sync afterwards.
func TestAFreshServerIsImportedWithoutForce(t *testing.T) {
	var accounts []provider.Account
	for i := range 50 {
		accounts = append(accounts, account(fmt.Sprintf("user%d", i), fmt.Sprintf("site%d.fresh.test", i)))
	}
	srv := cpaneltest.NewServer(t, accounts...)
	h := newHarness(t, cpanelConfig(srv, ""))
	h.run("apply", "-yes").want(t, exitOK,
		"50 imports are not limited: billing has no live service on this server, so this is its first import", "import 50")
	h.run("plan", "-detailed-exitcode").want(t, exitOK, "50 accounts on the server, 50 services in billing.", "In sync")
}

// A plan past the safety limits is refused and shown for review; -force
// plans it, and its saved plan applies.
func TestAnUnsafePlanIsRefusedUntilForced(t *testing.T) {
	var accounts []provider.Account
	for i := range 10 {
		accounts = append(accounts, account(fmt.Sprintf("user%d", i), fmt.Sprintf("site%d.test", i)))
	}
	srv := cpaneltest.NewServer(t, accounts...)
	h := newHarness(t, cpanelConfig(srv, `"policy": {"terminateLocal": true},`))
	h.run("apply", "-yes").want(t, exitOK, "import 10")
	p, err := cpanelClient(srv)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accounts[:5] {
		if err := p.TerminateAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	h.run("plan").want(t, exitFailed, "FAILED: ", "plan again with -force and review it",
		"The refused plan, for review", "terminate-local", "1 server of 1 could not be planned")
	h.run("apply", "-yes").want(t, exitFailed, "could not be planned; nothing was changed")
	if n := h.services("web1"); n != 10 {
		t.Fatalf("%d services", n)
	}
	forced := filepath.Join(h.dir, "forced.plan")
	h.run("plan", "-force", "-out", forced).want(t, exitOK, "terminate-local")
	h.run("apply", forced).want(t, exitOK, "terminate-local 5")
}

func TestProgressIsDrawnOnATerminalOnly(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"), account("ben", "ben.test"))
	h := newHarness(t, cpanelConfig(srv, ""))
	plan := filepath.Join(h.dir, "p")
	r := h.run("plan", "-out", plan)
	if strings.Contains(r.stderr, "Listing") {
		t.Errorf("progress without a terminal:\n%s", r)
	}
	h.progress = true
	h.run("apply", plan).want(t, exitOK, "web1: applying 5/5")
}
