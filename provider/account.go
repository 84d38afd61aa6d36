package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// CreatedLayout is the layout of [Account.Created] in the WHMCS record: PHP's
// "Y-m-d H:i:s", as produced by Carbon's toDateTimeString.
const CreatedLayout = "2006-01-02 15:04:05"

// Status is the state of an account on a server, as WHMCS spells it.
type Status string

// The two statuses a WHMCS ListAccounts record may carry. A server has no
// notion of "terminated": an account that is gone is simply not listed.
const (
	StatusActive    Status = "Active"
	StatusSuspended Status = "Suspended"
)

// Valid reports whether s is [StatusActive] or [StatusSuspended].
func (s Status) Valid() bool { return s == StatusActive || s == StatusSuspended }

// ExtraPartial is the [Account.Extra] key a provider sets to "true" on an
// account the server lists but cannot describe, such as an OpenStack
// server in a cell Nova cannot reach. Only its identifier (and perhaps its
// creation time) is known; its empty fields are unknown, not empty, and
// its Status is not a reading. Consumers treat only the account's
// existence as known: the sync engine plans nothing that depends on its
// details and asks for a review where it would have acted.
const ExtraPartial = "partial"

// Partial reports whether the provider marked the account with
// [ExtraPartial].
func (a Account) Partial() bool { return a.Extra[ExtraPartial] == "true" }

// Account is one account on a server, in the shape of a WHMCS ListAccounts
// record.
//
// [json.Marshal] emits exactly the WHMCS keys, in the WHMCS order:
//
//	{"email":"...","username":"...","domain":"...","uniqueIdentifier":"...",
//	 "product":"...","primaryip":"...","created":"2006-01-02 15:04:05","status":"Active"}
//
// so a Go service can answer a WHMCS module's ListAccounts byte for byte.
// Created is written in its own location, without a zone; use [Account.In]
// to render it in the billing system's timezone first. Extra is not part of
// the record and is never marshalled.
type Account struct {
	Email            string
	Username         string
	Domain           string
	UniqueIdentifier string
	Product          string // the package or plan name on the server
	PrimaryIP        string
	Created          time.Time // zero when the server does not say
	Status           Status

	// Extra holds panel detail that has no place in the WHMCS record, such
	// as the node of a virtual server, the owner reseller or the panel's raw
	// status. Keys are documented by each provider package.
	Extra map[string]string
}

// In returns a copy of a whose Created is expressed in loc. WHMCS renders
// dates in its application timezone, so a bridge answering WHMCS calls
// a.In(whmcsLocation) before marshalling. A zero Created stays zero.
func (a Account) In(loc *time.Location) Account {
	if !a.Created.IsZero() && loc != nil {
		a.Created = a.Created.In(loc)
	}
	return a
}

// Identifier returns the value of a by the name of a WHMCS
// ListAccountsUniqueIdentifierField: "domain" gives Domain, "username" gives
// Username, and any other name (such as "customfield.VM ID") gives
// UniqueIdentifier.
func (a Account) Identifier(field string) string {
	switch field {
	case "domain":
		return a.Domain
	case "username":
		return a.Username
	default:
		return a.UniqueIdentifier
	}
}

// accountJSON fixes the WHMCS key order: encoding/json writes struct fields
// in declaration order.
type accountJSON struct {
	Email            string `json:"email"`
	Username         string `json:"username"`
	Domain           string `json:"domain"`
	UniqueIdentifier string `json:"uniqueIdentifier"`
	Product          string `json:"product"`
	PrimaryIP        string `json:"primaryip"`
	Created          string `json:"created"`
	Status           Status `json:"status"`
}

// MarshalJSON writes the WHMCS ListAccounts record. Created is formatted
// with [CreatedLayout] in its own location, or "" when zero.
func (a Account) MarshalJSON() ([]byte, error) {
	w := accountJSON{
		Email:            a.Email,
		Username:         a.Username,
		Domain:           a.Domain,
		UniqueIdentifier: a.UniqueIdentifier,
		Product:          a.Product,
		PrimaryIP:        a.PrimaryIP,
		Status:           a.Status,
	}
	if !a.Created.IsZero() {
		w.Created = a.Created.Format(CreatedLayout)
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a WHMCS ListAccounts record. Created is read as UTC
// wall time ("" and MySQL's "0000-00-00 00:00:00" give a zero time). A
// malformed date or a status other than "Active" or "Suspended" is an error
// naming the field. Unknown keys, such as the "name" WHMCS adds, are ignored.
func (a *Account) UnmarshalJSON(data []byte) error {
	var w accountJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("provider: account: %w", err)
	}
	created, err := ParseCreated(w.Created, time.UTC)
	if err != nil {
		return fmt.Errorf("provider: account field \"created\": %w", err)
	}
	if !w.Status.Valid() {
		return fmt.Errorf("provider: account field \"status\": unknown status %q (want %q or %q)", w.Status, StatusActive, StatusSuspended)
	}
	*a = Account{
		Email:            w.Email,
		Username:         w.Username,
		Domain:           w.Domain,
		UniqueIdentifier: w.UniqueIdentifier,
		Product:          w.Product,
		PrimaryIP:        w.PrimaryIP,
		Created:          created,
		Status:           w.Status,
	}
	return nil
}

// ParseCreated parses a WHMCS date ("2006-01-02 15:04:05") as wall time in
// loc. The empty string and MySQL's zero date give the zero time.
func ParseCreated(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0000-00-00 00:00:00" {
		return time.Time{}, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(CreatedLayout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid date %q (want YYYY-MM-DD HH:MM:SS)", s)
	}
	return t, nil
}

// ListAccountsResult is the whole answer of a WHMCS module's ListAccounts
// function. It marshals to {"success":true,"accounts":[...]} (an empty list
// is [], never null) when Success is true, and to
// {"success":false,"error":"..."} otherwise.
type ListAccountsResult struct {
	Success  bool
	Accounts []Account
	Error    string
}

// MarshalJSON writes one of the two WHMCS answer forms.
func (r ListAccountsResult) MarshalJSON() ([]byte, error) {
	if !r.Success {
		return json.Marshal(struct {
			Success bool   `json:"success"`
			Error   string `json:"error"`
		}{false, r.Error})
	}
	accounts := r.Accounts
	if accounts == nil {
		accounts = []Account{}
	}
	return json.Marshal(struct {
		Success  bool      `json:"success"`
		Accounts []Account `json:"accounts"`
	}{true, accounts})
}

// UnmarshalJSON reads either answer form. PHP modules often return only
// {"error":"..."} on failure; that reads as Success false.
func (r *ListAccountsResult) UnmarshalJSON(data []byte) error {
	var w struct {
		Success  *bool      `json:"success"`
		Accounts *[]Account `json:"accounts"`
		Error    string     `json:"error"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	success := w.Error == ""
	if w.Success != nil {
		success = *w.Success
	}
	*r = ListAccountsResult{Success: success, Error: w.Error}
	if w.Accounts != nil {
		r.Accounts = *w.Accounts
	}
	if r.Success && w.Accounts == nil {
		// A success without a list must not read as "no accounts".
		return fmt.Errorf("provider: list accounts result: success without an \"accounts\" list")
	}
	return nil
}
