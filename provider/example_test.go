package provider_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// A Go service answers a WHMCS module's ListAccounts with the exact JSON it
// expects, dates rendered in the billing system's timezone.
func ExampleListAccountsResult() {
	whmcsZone := time.FixedZone("EST", -5*3600)
	accounts := []provider.Account{{
		Email: "jo@example.com", Username: "jo", Domain: "example.com", UniqueIdentifier: "example.com",
		Product: "Gold", PrimaryIP: "203.0.113.7", Status: provider.StatusActive,
		Created: time.Date(2024, 3, 5, 14, 0, 0, 0, time.UTC),
	}}
	for i := range accounts {
		accounts[i] = accounts[i].In(whmcsZone)
	}
	json.NewEncoder(os.Stdout).Encode(provider.ListAccountsResult{Success: true, Accounts: accounts})
	json.NewEncoder(os.Stdout).Encode(provider.ListAccountsResult{Error: "cpanel: list accounts: HTTP 403: access denied"})
	// Output:
	// {"success":true,"accounts":[{"email":"jo@example.com","username":"jo","domain":"example.com","uniqueIdentifier":"example.com","product":"Gold","primaryip":"203.0.113.7","created":"2024-03-05 09:00:00","status":"Active"}]}
	// {"success":false,"error":"cpanel: list accounts: HTTP 403: access denied"}
}

// Errors from any provider are tested with errors.Is against the sentinels.
func ExampleAPIError() {
	var err error = &provider.APIError{Type: "cpanel", Op: "list accounts", StatusCode: 403, Message: "access denied"}
	fmt.Println(err)
	fmt.Println(errors.Is(err, provider.ErrUnauthorized))
	// Output:
	// cpanel: list accounts: HTTP 403: access denied
	// true
}
