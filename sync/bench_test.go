package sync_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// benchWorld returns about n accounts and n services, mostly matched, with
// 1% of each kind of drift: import, export, suspend-local, unsuspend-local,
// update-local (IP), terminate-remote (billing cancelled) and review
// (billing pending). Both sides are shuffled, as real listings come in no
// useful order.
func benchWorld(n int) ([]provider.Account, []acsync.Service, acsync.Options) {
	remote := make([]provider.Account, 0, n)
	local := make([]acsync.Service, 0, n)
	clients := make(map[string]string, n/2)
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	pct := max(n/100, 1)
	for i := range n {
		d := fmt.Sprintf("customer-%07d.example.com", i)
		user := "u" + strconv.Itoa(i)
		email := "owner" + strconv.Itoa(i/2) + "@example.net"
		clientID := strconv.Itoa(i/2 + 1)
		a := provider.Account{Email: email, Username: user, Domain: d, UniqueIdentifier: d, Product: "silver",
			PrimaryIP: "192.0.2.1", Created: created, Status: provider.StatusActive}
		s := acsync.Service{ID: strconv.Itoa(i + 1), ClientID: clientID, ClientEmail: email, ProductID: "7", Package: "silver",
			Domain: d, Username: user, UniqueIdentifier: d, Status: acsync.ServiceStatusActive, DedicatedIP: "192.0.2.1",
			RegDate: created, NextDueDate: created.AddDate(7, 0, 0), BillingCycle: "Monthly"}
		switch i / pct {
		case 0: // import, half of them for a new client
			if i%2 == 0 {
				a.Email = "new" + strconv.Itoa(i) + "@example.org"
			}
			remote = append(remote, a)
			continue
		case 1: // export
			local = append(local, s)
			continue
		case 2:
			a.Status = provider.StatusSuspended
		case 3:
			s.Status = acsync.ServiceStatusSuspended
		case 4:
			a.PrimaryIP = "192.0.2.2"
		case 5:
			s.Status = acsync.ServiceStatusCancelled
		case 6:
			s.Status = acsync.ServiceStatusPending
		}
		clients[email] = clientID
		remote = append(remote, a)
		local = append(local, s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(remote), func(i, j int) { remote[i], remote[j] = remote[j], remote[i] })
	rng.Shuffle(len(local), func(i, j int) { local[i], local[j] = local[j], local[i] })
	opts := acsync.Options{
		Now: created, Clients: clients, Products: map[string]string{"silver": "7"},
		TerminateRemote: true, Force: true,
	}
	return remote, local, opts
}

var benchSizes = []int{200_000, 1_000_000}

func BenchmarkDiff(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("accounts="+strconv.Itoa(n), func(b *testing.B) {
			remote, local, opts := benchWorld(n)
			b.ReportAllocs()
			var p *acsync.Plan
			for b.Loop() {
				var err error
				if p, err = acsync.Diff(remote, local, opts); err != nil {
					b.Fatal(err)
				}
			}
			if want := 6 * n / 100; p.Counts[acsync.KindImport] != n/100 || len(p.Actions) < want {
				b.Fatalf("unexpected plan: %v", p.Counts)
			}
			b.ReportMetric(float64(len(p.Actions)), "actions")
		})
	}
}

// BenchmarkDiffBaseline is the floor Diff is measured against: a map of
// the local keys, probed with the remote keys. "presized" is the strict
// reference; "grown" lets the map grow as a naive program would.
func BenchmarkDiffBaseline(b *testing.B) {
	for _, n := range benchSizes {
		for _, presize := range []bool{true, false} {
			name := "accounts=" + strconv.Itoa(n) + "/grown"
			if presize {
				name = "accounts=" + strconv.Itoa(n) + "/presized"
			}
			b.Run(name, func(b *testing.B) {
				remote, local, _ := benchWorld(n)
				b.ReportAllocs()
				matched := 0
				for b.Loop() {
					var keys map[string]struct{}
					if presize {
						keys = make(map[string]struct{}, len(local))
					} else {
						keys = map[string]struct{}{}
					}
					for i := range local {
						keys[local[i].Domain] = struct{}{}
					}
					matched = 0
					for i := range remote {
						if _, ok := keys[remote[i].Domain]; ok {
							matched++
						}
					}
				}
				if matched != n-2*n/100 {
					b.Fatalf("matched %d", matched)
				}
			})
		}
	}
}
