// Command quickstart lists the accounts of an in-memory server and prints
// them as the JSON a WHMCS module's ListAccounts returns.
//
// It is the interim first step; the full quickstart (a cPanel fake, an
// embedded billing store, a plan and its application) replaces it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
)

func main() {
	created := time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)
	p := providertest.NewFake(
		provider.Account{Email: "ana@example.com", Username: "ana", Domain: "ana.example", UniqueIdentifier: "ana.example", Product: "Starter", PrimaryIP: "192.0.2.10", Created: created, Status: provider.StatusActive},
		provider.Account{Email: "ben@example.com", Username: "ben", Domain: "ben.example", UniqueIdentifier: "ben.example", Product: "Pro", PrimaryIP: "192.0.2.11", Created: created.AddDate(0, 2, 0), Status: provider.StatusSuspended},
	)
	accounts, err := p.ListAccounts(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(provider.ListAccountsResult{Success: true, Accounts: accounts}); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}
