// Package fakefleet starts the fleet the sync benchmarks (fleetbench,
// riverbench) measure: fake cPanel servers on loopback, each holding its
// own accounts, so that both harnesses sync the same shape of fleet.
package fakefleet

import (
	"fmt"
	"strconv"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// Start starts n fake cPanel servers of accounts accounts each and returns
// the servers that reach them, named web0000, web0001, ..., and a function
// that stops them all. Every perClient accounts in a row share a client
// e-mail address (1: each account has a client of its own).
func Start(n, accounts, perClient int) (servers []provider.Server, stop func()) {
	servers = make([]provider.Server, n)
	fakes := make([]*cpaneltest.Server, n)
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for s := range n {
		accts := make([]provider.Account, accounts)
		for i := range accts {
			k := s*accounts + i
			accts[i] = provider.Account{
				Email:    "owner" + strconv.Itoa(k/perClient) + "@example.net",
				Username: "u" + strconv.Itoa(i),
				Domain:   fmt.Sprintf("s%d-a%d.example", s, i),
				Product:  []string{"silver", "gold", "bronze"}[i%3],
				Created:  created,
				Status:   provider.StatusActive,
			}
		}
		fakes[s] = cpaneltest.New(cpaneltest.Options{Accounts: accts})
		servers[s] = provider.Server{Type: "cpanel", Name: fmt.Sprintf("web%04d", s), Hostname: fakes[s].URL,
			Username: cpaneltest.Username, AccessHash: cpaneltest.Token}
	}
	return servers, func() {
		for _, f := range fakes {
			f.Close()
		}
	}
}
