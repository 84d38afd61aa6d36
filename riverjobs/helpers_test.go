package riverjobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/riverjobs"
	"github.com/accountsync/accountsync/riverjobs/pgtest"
	"github.com/accountsync/accountsync/sqlstore"
)

// The tests share one PostgreSQL cluster, started by the first test that
// needs it; each test has a database of its own.
var (
	clusterOnce sync.Once
	cluster     *pgtest.Cluster
	clusterErr  error
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(workerProcess())
	}
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	os.Exit(code)
}

var dbName = regexp.MustCompile(`[^a-z0-9_]+`)

// database returns the DSN of a new, migrated database, skipping the test
// when PostgreSQL is not installed.
func database(t *testing.T) string {
	t.Helper()
	clusterOnce.Do(func() { cluster, clusterErr = pgtest.StartCluster(context.Background()) })
	if clusterErr == pgtest.ErrNoBinaries {
		t.Skip(clusterErr.Error())
	}
	if clusterErr != nil {
		t.Fatal(clusterErr)
	}
	name := dbName.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 60 {
		name = name[:60]
	}
	dsn, err := cluster.CreateDatabase(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	pool := openPool(t, dsn)
	if err := riverjobs.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	return dsn
}

func openPool(t *testing.T, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// billing opens a SQLite billing store in the test's directory.
func billing(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "billing.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fleetOf returns servers of type "fake" named name00, name01, ..., each
// with its own fake holding n accounts.
func fleetOf(prefix string, servers, n int) ([]provider.Server, map[string]*providertest.Fake) {
	list := make([]provider.Server, servers)
	fakes := make(map[string]*providertest.Fake, servers)
	for i := range list {
		name := fmt.Sprintf("%s%02d", prefix, i)
		list[i] = provider.Server{Type: "fake", Name: name, Password: "secret-of-" + name}
		fakes[name] = providertest.NewFake(accounts(name, n)...)
	}
	return list, fakes
}

func accounts(server string, n int) []provider.Account {
	out := make([]provider.Account, n)
	for i := range out {
		d := fmt.Sprintf("%s-a%03d.example", server, i)
		out[i] = provider.Account{Email: fmt.Sprintf("%s-a%03d@example.net", server, i), Username: fmt.Sprintf("u%03d", i),
			Domain: d, UniqueIdentifier: d, Product: "silver", Status: provider.StatusActive,
			Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	}
	return out
}

// config returns a client config over the fakes, syncing into db.
func config(servers []provider.Server, fakes map[string]*providertest.Fake, db *sqlstore.DB) riverjobs.Config {
	return riverjobs.Config{
		Servers: servers,
		Registry: provider.Registry{"fake": func(s provider.Server) (provider.Provider, error) {
			if f := fakes[s.Name]; f != nil {
				return f, nil
			}
			return nil, fmt.Errorf("no fake %q", s.Name)
		}},
		Open: func(ctx context.Context, s provider.Server, md provider.Metadata) (riverjobs.Billing, error) {
			return db.Server(ctx, s.Name, s.Type, md.UniqueIdentifierField)
		},
		NoPeriodicJobs: true,
		BusySnooze:     20 * time.Millisecond,
		RetryPolicy:    quickRetry{},
	}
}

// quickRetry backs off 100 ms times 2^(attempt-1): a real backoff, short
// enough for a test.
type quickRetry struct{}

func (quickRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(quickDelay(job.Attempt))
}

func quickDelay(attempt int) time.Duration {
	return 100 * time.Millisecond << min(max(attempt-1, 0), 6)
}

// start starts a client and stops it when the test ends.
func start(t *testing.T, dsn string, cfg riverjobs.Config) *riverjobs.Client {
	t.Helper()
	c, err := riverjobs.NewClient(t.Context(), openPool(t, dsn), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return c
}

// waitFor polls cond until it holds, failing the test after a long
// while: a guard against a hang, not a performance bound.
func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jobCount counts the sync jobs in a state.
func jobCount(t *testing.T, pool *pgxpool.Pool, state rivertype.JobState) func() (int, error) {
	return func() (int, error) {
		var n int
		err := pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = $1 AND state = $2`,
			riverjobs.KindSyncServer, string(state)).Scan(&n)
		return n, err
	}
}

func atLeast(count func() (int, error), n int) func() (bool, error) {
	return func() (bool, error) {
		c, err := count()
		return c >= n, err
	}
}

// services counts a server's services in the billing store by domain.
func services(t *testing.T, db *sqlstore.DB, server string) map[string]int {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `
		SELECT h.domain FROM tblhosting h JOIN tblservers s ON s.id = h.server WHERE s.name = ?`, server)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		out[d]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
