// Command fleetbench measures the scheduled sync of a fleet. It starts F
// fake cPanel servers (provider/cpanel/cpaneltest) of A accounts each on
// loopback and runs the sync step of accountsync run (internal/fleet) against
// an embedded SQLite billing store (sqlstore) twice: the first
// import of every server, then a run with everything in sync. For each it
// prints the wall time, the accounts synced per second and the peak
// memory of the process (the fakes included; their share is printed
// first).
//
//	go run ./internal/bench/fleetbench -servers 1000 -accounts 1000
//
// Goals on a 2-core machine: 1,000 servers of 1,000 accounts in sync in at
// most 60 s, and a first import of at least 10,000 accounts a second.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/accountsync/accountsync/internal/bench/fakefleet"
	"github.com/accountsync/accountsync/internal/fleet"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

type options struct {
	servers, accounts int
	perClient         int
	concurrency       int
	actions           int
	maxActions        int
	db                string
	cpuprofile        string
}

func main() {
	var o options
	flag.IntVar(&o.servers, "servers", 1000, "fake cPanel servers")
	flag.IntVar(&o.accounts, "accounts", 1000, "accounts per server")
	flag.IntVar(&o.perClient, "accounts-per-client", 1, "accounts that share a client e-mail address")
	flag.IntVar(&o.concurrency, "concurrency", fleet.DefaultConcurrency, "servers synced at once")
	flag.IntVar(&o.actions, "action-concurrency", acsync.DefaultConcurrency, "actions at once per server")
	flag.IntVar(&o.maxActions, "max-actions", 0, "actions per server per run (0: no cap)")
	flag.StringVar(&o.db, "db", "", "SQLite billing store (default: a new file in a temporary directory)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the runs to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "fleetbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.servers < 1 || o.accounts < 1 || o.perClient < 1 {
		return fmt.Errorf("-servers, -accounts and -accounts-per-client must be at least 1")
	}
	if o.db == "" {
		dir, err := os.MkdirTemp("", "fleetbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.db = filepath.Join(dir, "billing.db")
	}

	fmt.Printf("fleetbench: %d servers x %d accounts = %d accounts, a client per %d accounts; %d servers at once, %d actions at once each; GOMAXPROCS %d\n",
		o.servers, o.accounts, o.servers*o.accounts, o.perClient, o.concurrency, o.actions, runtime.GOMAXPROCS(0))
	start := time.Now()
	servers, stopFakes := fakefleet.Start(o.servers, o.accounts, o.perClient)
	defer stopFakes()
	runtime.GC()
	fmt.Printf("started the fakes in %s; their heap: %s\n\n", time.Since(start).Round(time.Millisecond), mib(heapBytes()))

	db, err := sqlstore.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer db.Close()
	job := &fleet.Job{
		Registry: provider.Registry{"cpanel": provider.FactoryOf(cpanel.FromServer)},
		Open: func(ctx context.Context, s provider.Server, md provider.Metadata) (fleet.Billing, error) {
			return db.Server(ctx, s.Name, md.Type, md.UniqueIdentifierField)
		},
		Options:           acsync.Options{MaxActions: o.maxActions},
		Concurrency:       o.concurrency,
		ActionConcurrency: o.actions,
		Logger:            slog.New(slog.DiscardHandler),
	}

	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\twall\taccounts/s\tactions\tfailed\tservers failed\tpeak heap\tpeak RSS\t")
	for _, name := range []string{"first import", "in sync"} {
		if ctx.Err() != nil {
			break
		}
		m := measure(ctx, job, servers)
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%d\t%d\t%d\t%s\t%s\t\n", name, m.wall.Round(10*time.Millisecond),
			float64(o.servers*o.accounts)/m.wall.Seconds(), m.actions, m.failed, m.serversFailed, mib(m.peakHeap), mib(m.peakRSS))
		if m.firstErr != nil {
			fmt.Fprintf(os.Stderr, "%s: first server error: %v\n", name, m.firstErr)
		}
	}
	tw.Flush()
	return nil
}

type measurement struct {
	wall                           time.Duration
	actions, failed, serversFailed int
	firstErr                       error
	peakHeap, peakRSS              uint64
}

// measure runs the job once over every server, sampling the heap.
func measure(ctx context.Context, job *fleet.Job, servers []provider.Server) measurement {
	// Hand freed memory back first, so that the peak is this run's.
	debug.FreeOSMemory()
	resetPeakRSS()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if h := heapBytes(); h > peak.Load() {
				peak.Store(h)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	results := job.Run(ctx, servers)
	m := measurement{wall: time.Since(start)}
	close(done)
	m.peakHeap, m.peakRSS = peak.Load(), peakRSS()
	for _, r := range results {
		if r.Err != nil {
			m.serversFailed++
			if m.firstErr == nil {
				m.firstErr = fmt.Errorf("%s: %w", r.Name, r.Err)
			}
		}
		if r.Report != nil {
			m.actions += len(r.Report.Plan.Actions)
			m.failed += len(r.Report.Failures)
		}
	}
	return m
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// resetPeakRSS resets the kernel's high-water mark of the resident set
// (Linux); peakRSS reads it, or 0 where it cannot.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b uint64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
