package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

// The demo's server and billing data: a cPanel server of 29 accounts and a
// billing system that knows most of them, with the drift hosting companies
// find in real life.
var (
	people = []string{
		"ana", "ben", "chloe", "dmitri", "elif", "farah", "goran", "hana", "ivan", "jonas",
		"kemal", "lena", "mateo", "nadia", "oscar", "priya", "quinn", "rosa", "sven", "tariq",
		"uma", "viktor", "wen", "xavier", "yara", "zoltan", "amira", "bruno", "carmen",
	}
	trades = []string{"bakery", "studio", "garage", "dental", "florist", "law", "yoga", "books", "cafe", "print"}
)

const (
	inBilling   = 22 // people[0:22] have a matching service
	onlyServer  = 6  // people[22:28] were created by hand on the server
	terminated  = 28 // people[28] was terminated in billing but still runs
	suspendedOn = 5  // people[5] is suspended on the server only
	ipDrift     = 9  // people[9] moved to a dedicated IP on the server
	unmapped    = 27 // people[27] uses a package billing has no product for
	sharedIP    = "203.0.113.10"
)

func packageOf(i int) string {
	if i == unmapped {
		return "reseller_xl"
	}
	return []string{"starter", "business", "pro"}[i%3]
}

func domainOf(i int) string { return fmt.Sprintf("%s-%s.example", people[i], trades[i%len(trades)]) }

func emailOf(i int) string {
	// Three of the hand-made accounts belong to clients billing knows.
	if i >= inBilling && i < inBilling+3 {
		return fmt.Sprintf("%s@%s", people[i-inBilling], domainOf(i-inBilling))
	}
	return fmt.Sprintf("%s@%s", people[i], domainOf(i))
}

// seedAccounts is the server as it stands before the first sync.
func seedAccounts() []provider.Account {
	var out []provider.Account
	for i := range people {
		a := provider.Account{
			Email: emailOf(i), Username: people[i], Domain: domainOf(i), Product: packageOf(i),
			PrimaryIP: sharedIP, Status: provider.StatusActive,
			Created: time.Date(2021+i%4, time.Month(1+i%12), 1+i%27, 9+i%8, 15, 0, 0, time.UTC),
		}
		a.UniqueIdentifier = a.Domain
		if i == suspendedOn {
			a.Status = provider.StatusSuspended
		}
		if i == ipDrift {
			a.PrimaryIP = "203.0.113.77"
		}
		out = append(out, a)
	}
	return out
}

// seedBilling fills an empty billing store: the clients and services of
// the accounts billing knows, the terminated service, and one live service
// whose account is missing from the server.
func seedBilling(ctx context.Context, s *sqlstore.Store) error {
	products := map[string]string{}
	for _, pkg := range []string{"starter", "business", "pro"} {
		id, err := s.CreateProduct(ctx, acsync.NewProduct{Package: pkg})
		if err != nil {
			return err
		}
		products[pkg] = id
	}
	add := func(email, username, domain, pkg string, status acsync.ServiceStatus, reg time.Time) error {
		client, err := s.FindClientByEmail(ctx, email)
		if errors.Is(err, provider.ErrNotFound) {
			client, err = s.CreateClient(ctx, acsync.NewClient{Email: email, Account: provider.Account{Username: username, Domain: domain}})
		}
		if err != nil {
			return err
		}
		_, err = s.CreateService(ctx, acsync.Service{
			ClientID: client, ProductID: products[pkg], Domain: domain, Username: username, Status: status,
			DedicatedIP: sharedIP, RegDate: reg, NextDueDate: reg.AddDate(5, 0, 0), BillingCycle: "Annually",
		})
		return err
	}
	for _, a := range seedAccounts() {
		i := indexOf(a.Username)
		switch {
		case i < inBilling:
			if err := add(a.Email, a.Username, a.Domain, a.Product, acsync.ServiceStatusActive, a.Created.Truncate(24*time.Hour)); err != nil {
				return err
			}
		case i == terminated:
			if err := add(a.Email, a.Username, a.Domain, a.Product, acsync.ServiceStatusTerminated, a.Created.Truncate(24*time.Hour)); err != nil {
				return err
			}
		}
	}
	// Paid for, but the account is gone from the server: it is exported,
	// that is, created again.
	return add("dora@dora-pottery.example", "dora", "dora-pottery.example", "starter", acsync.ServiceStatusActive, time.Date(2022, 3, 3, 0, 0, 0, 0, time.UTC))
}

func indexOf(username string) int {
	for i, p := range people {
		if p == username {
			return i
		}
	}
	return -1
}

// loadServerState reads the demo server's accounts as the last run left
// them, or the seed on the first run.
func loadServerState(path string) ([]provider.Account, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return seedAccounts(), nil
	}
	if err != nil {
		return nil, err
	}
	var accts []provider.Account
	if err := json.Unmarshal(data, &accts); err != nil {
		return nil, fmt.Errorf("%s: %w (delete it, or run with -reset, to start over)", path, err)
	}
	return accts, nil
}

// saveServerState keeps the demo server's accounts for the next run, as a
// real server would keep them.
func saveServerState(path string, accts []provider.Account) error {
	data, err := json.MarshalIndent(accts, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
