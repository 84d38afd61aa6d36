package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/internal/fleet"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

// panicking is a provider whose listing panics.
type panicking struct{ provider.Provider }

func (panicking) ListAccounts(context.Context) ([]provider.Account, error) { panic("boom") }

// testFleet is a job over fakes keyed by server name, syncing into a
// fresh SQLite store.
func testFleet(t *testing.T, fakes map[string]*providertest.Fake) (*fleet.Job, *sqlstore.DB) {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "billing.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := provider.Registry{
		"fake": func(s provider.Server) (provider.Provider, error) {
			if f := fakes[s.Name]; f != nil {
				return f, nil
			}
			return nil, fmt.Errorf("no fake %q", s.Name)
		},
		"panic": func(s provider.Server) (provider.Provider, error) {
			return panicking{providertest.NewFake()}, nil
		},
	}
	j := &fleet.Job{
		Registry: reg,
		Open: func(ctx context.Context, s provider.Server, md provider.Metadata) (fleet.Billing, error) {
			return db.Server(ctx, s.Name, md.Type, md.UniqueIdentifierField)
		},
		Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) },
	}
	return j, db
}

func accounts(prefix string, n int) []provider.Account {
	out := make([]provider.Account, n)
	for i := range out {
		d := fmt.Sprintf("%s%02d.example", prefix, i)
		out[i] = provider.Account{Email: fmt.Sprintf("%s%02d@example.net", prefix, i), Username: fmt.Sprintf("%s%02d", prefix, i),
			Domain: d, UniqueIdentifier: d, Product: "silver", Status: provider.StatusActive}
	}
	return out
}

func TestEachServerHasItsOwnResult(t *testing.T) {
	good := providertest.NewFake(accounts("a", 12)...)
	j, _ := testFleet(t, map[string]*providertest.Fake{"good": good})
	results := j.Run(t.Context(), []provider.Server{
		{Type: "panic", Name: "panics"},
		{Type: "fake", Name: "good"},
		{Type: "fake", Name: "missing"},
	})
	if len(results) != 3 {
		t.Fatalf("%d results for 3 servers", len(results))
	}
	if r := results[0]; r.Name != "panics" || r.Err == nil || !strings.Contains(r.Err.Error(), "panic: boom") {
		t.Errorf("the panicking server: %+v", r)
	}
	if r := results[1]; r.Err != nil || r.Report == nil || r.Report.Succeeded[acsync.KindImport] != 12 {
		t.Errorf("the good server, imported for the first time: %+v", r)
	}
	if r := results[2]; r.Err == nil || !strings.Contains(r.Err.Error(), `no fake "missing"`) {
		t.Errorf("the server without a provider: %+v", r)
	}
}

func TestHistoryIsKeptBetweenRuns(t *testing.T) {
	fake := providertest.NewFake(accounts("a", 12)...)
	j, _ := testFleet(t, map[string]*providertest.Fake{"web": fake})
	servers := []provider.Server{{Type: "fake", Name: "web"}}
	if r := j.Run(t.Context(), servers)[0]; r.Err != nil {
		t.Fatal(r.Err)
	}
	// The account disappears; terminating its service waits two runs.
	if err := fake.TerminateAccount(t.Context(), accounts("a", 1)[0]); err != nil {
		t.Fatal(err)
	}
	j.Options = acsync.Options{TerminateLocal: true, ConfirmRuns: 2}
	first := j.Run(t.Context(), servers)[0]
	if first.Err != nil || len(first.Report.Plan.Held) != 1 || first.Report.Succeeded[acsync.KindTerminateLocal] != 0 {
		t.Fatalf("first run after the account went: %v, %+v", first.Err, first.Report)
	}
	second := j.Run(t.Context(), servers)[0]
	if second.Err != nil || second.Report.Succeeded[acsync.KindTerminateLocal] != 1 {
		t.Fatalf("second run: %v, %+v", second.Err, second.Report)
	}
}

func TestACancelledRunStartsNoServer(t *testing.T) {
	fake := providertest.NewFake(accounts("a", 3)...)
	j, _ := testFleet(t, map[string]*providertest.Fake{"web": fake})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := j.Run(ctx, []provider.Server{{Type: "fake", Name: "web"}})[0]
	if !errors.Is(r.Err, context.Canceled) || fake.Calls(providertest.OpList) != 0 {
		t.Errorf("result %+v after %d listings", r, fake.Calls(providertest.OpList))
	}
}

// memJournal is a Journal in memory.
type memJournal struct{ entries []acsync.Entry }

func (m *memJournal) Record(_ context.Context, e acsync.Entry) error {
	m.entries = append(m.entries, e)
	return nil
}

func TestADryRunPlansAndChangesNothing(t *testing.T) {
	fake := providertest.NewFake(accounts("a", 5)...)
	j, db := testFleet(t, map[string]*providertest.Fake{"web": fake})
	j.DryRun = true
	r := j.Run(t.Context(), []provider.Server{{Type: "fake", Name: "web"}})[0]
	if r.Err != nil || r.Report != nil || r.Plan == nil || r.Plan.Counts[acsync.KindImport] != 5 || r.Accounts != 5 || r.Services != 0 {
		t.Fatalf("dry run: %+v", r)
	}
	st, err := db.Server(t.Context(), "web", "fake", "domain")
	if err != nil {
		t.Fatal(err)
	}
	if svcs, _ := st.Services(t.Context()); len(svcs) != 0 {
		t.Errorf("a dry run imported %d services", len(svcs))
	}
}

func TestPerServerPolicyAndASecondJournal(t *testing.T) {
	fake := providertest.NewFake(accounts("a", 4)...)
	j, _ := testFleet(t, map[string]*providertest.Fake{"web": fake})
	var asked []string
	j.OptionsFor = func(s provider.Server) acsync.Options {
		asked = append(asked, s.Name)
		return acsync.Options{MaxActions: 1}
	}
	journal := &memJournal{}
	j.Journal = func(provider.Server) acsync.Journal { return journal }
	r := j.Run(t.Context(), []provider.Server{{Type: "fake", Name: "web"}})[0]
	if r.Err != nil || r.Report.Succeeded[acsync.KindImport] != 1 || r.Plan.Counts[acsync.KindImport] != 4 {
		t.Fatalf("want one import and three deferred by the server's own policy: %v %+v", r.Err, r.Plan)
	}
	if len(asked) != 1 || asked[0] != "web" {
		t.Errorf("OptionsFor asked for %v", asked)
	}
	if len(journal.entries) != 3 || journal.entries[2].Kind != acsync.KindImport {
		t.Errorf("the second journal got %+v", journal.entries)
	}
}
