package riverjobs_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/riverjobs"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

// A worker process: run the same program on two machines against one
// PostgreSQL database, and each server of the fleet is synced once an
// hour by whichever is free, through the death of either. (It needs a
// database, so it is compiled but not run by go test.)
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := riverjobs.Migrate(ctx, pool); err != nil { // River's tables and accountsync_run
		log.Fatal(err)
	}
	billing, err := sqlstore.Open(ctx, "/var/lib/accountsync/billing.db")
	if err != nil {
		log.Fatal(err)
	}
	defer billing.Close()

	c, err := riverjobs.NewClient(ctx, pool, riverjobs.Config{
		Servers: []provider.Server{
			{Type: "cpanel", Name: "web1", Hostname: "web1.example.com", Secure: true,
				Username: "root", AccessHash: os.Getenv("WEB1_WHM_TOKEN")},
		},
		Registry: provider.Registry{"cpanel": provider.FactoryOf(cpanel.FromServer)},
		Open: func(ctx context.Context, s provider.Server, md provider.Metadata) (riverjobs.Billing, error) {
			return billing.Server(ctx, s.Name, s.Type, md.UniqueIdentifierField)
		},
		Options:     acsync.Options{Mode: acsync.ModeImportOnly},
		Period:      time.Hour,
		PanelLimits: map[string]int{"cpanel": 8}, // across every worker process
	})
	if err != nil {
		log.Fatal(err)
	}
	// Running syncs finish after a ^C: Stop waits for them.
	if err := c.Start(context.WithoutCancel(ctx)); err != nil {
		log.Fatal(err)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Stop(sctx); err != nil {
		log.Print(err)
	}

	// What happened, as an admin would read it with SQL.
	runs, err := riverjobs.ListRuns(sctx, pool, "web1")
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runs {
		fmt.Println(r.Started.Format(time.DateTime), r.Server, r.Outcome, r.Succeeded, r.Failed, r.Error)
	}
}
