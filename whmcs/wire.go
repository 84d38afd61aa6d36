package whmcs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// text is a scalar WHMCS may send as a JSON string, number, boolean or
// null: the same field arrives as "12" from one action or install and as
// 12 from another. It holds the value as text; null and false are "".
type text string

// UnmarshalJSON accepts a string, a number, a boolean or null.
func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty value")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	case string(b) == "null", string(b) == "false":
		*t = ""
	case string(b) == "true":
		*t = "1"
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = text(n.String())
	default:
		return fmt.Errorf("want a string or a number, got %s", kind(b))
	}
	return nil
}

// id returns the value as a decimal ID: "0", "" and anything that is not
// a non-negative integer give "" and false.
func (t text) id() (string, bool) {
	s := strings.TrimSpace(string(t))
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return "", false
	}
	return strconv.FormatUint(n, 10), true
}

// int returns the value as an integer; "" is 0.
func (t text) int() (int, error) {
	s := strings.TrimSpace(string(t))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

// kind names the JSON type of b for errors, which never quote values:
// a value could be a custom field holding a password.
func kind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "an object"
	case b[0] == '[':
		return "an array"
	case b[0] == '"':
		return "a string"
	}
	return "a scalar"
}

// list is a WHMCS list wrapped in an object, {"product": [...]}, that may
// also arrive as "" (GetClientsProducts with no results), null, an empty
// array, or an object whose inner value is null or a single object rather
// than an array (XML-minded encoders do that).
type list[T any] struct {
	items []T
}

// UnmarshalJSON reads every shape above. key names the inner member
// ("product"); any single member is accepted, since only one is expected.
func (l *list[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || string(b) == `""` || string(b) == "[]" || string(b) == "{}" {
		l.items = nil
		return nil
	}
	if b[0] == '[' {
		return json.Unmarshal(b, &l.items)
	}
	if b[0] != '{' {
		return fmt.Errorf("want a list, got %s", kind(b))
	}
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(b, &inner); err != nil {
		return err
	}
	if len(inner) != 1 {
		return fmt.Errorf("want a list wrapped in one member, got %d members", len(inner))
	}
	for _, raw := range inner {
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) == 0 || string(raw) == "null":
			l.items = nil
		case raw[0] == '[':
			return json.Unmarshal(raw, &l.items)
		case raw[0] == '{':
			var one T
			if err := json.Unmarshal(raw, &one); err != nil {
				return err
			}
			l.items = []T{one}
		default:
			return fmt.Errorf("want a list, got %s", kind(raw))
		}
	}
	return nil
}

// page is the paging part of a list answer.
type page struct {
	TotalResults *text `json:"totalresults"`
	StartNumber  text  `json:"startnumber"`
	NumReturned  text  `json:"numreturned"`
}

// serviceRow is one row of GetClientsProducts. The row's password (sent
// decrypted) has no field here, so it never leaves the decoder.
type serviceRow struct {
	ID           text   `json:"id"`
	ClientID     text   `json:"clientid"`
	OrderID      text   `json:"orderid"`
	PID          text   `json:"pid"`
	RegDate      text   `json:"regdate"`
	Name         text   `json:"name"`
	GroupName    text   `json:"groupname"`
	Domain       text   `json:"domain"`
	DedicatedIP  text   `json:"dedicatedip"`
	ServerID     text   `json:"serverid"`
	ServerName   text   `json:"servername"`
	BillingCycle text   `json:"billingcycle"`
	NextDueDate  text   `json:"nextduedate"`
	Status       text   `json:"status"`
	Username     text   `json:"username"`
	CustomFields fields `json:"customfields"`
}

type fields = list[customField]

// customField is a service's value of a product custom field.
type customField struct {
	ID    text `json:"id"`
	Name  text `json:"name"`
	Value text `json:"value"`
}

type servicesAnswer struct {
	page
	Products *list[serviceRow] `json:"products"`
}

type clientRow struct {
	ID    text `json:"id"`
	Email text `json:"email"`
}

type clientsAnswer struct {
	page
	Clients *list[clientRow] `json:"clients"`
}

type clientDetailsAnswer struct {
	// Client is where WHMCS 7 and later put the details; the same fields
	// also appear at the top level (deprecated), read when Client is
	// missing.
	Client *clientRow `json:"client"`
	clientRow
}

type userRow struct {
	ID    text `json:"id"`
	Email text `json:"email"`
}

type usersAnswer struct {
	page
	Users *list[userRow] `json:"users"`
}

type productRow struct {
	PID          text              `json:"pid"`
	GID          text              `json:"gid"`
	Name         text              `json:"name"`
	Description  text              `json:"description"`
	Module       text              `json:"module"`
	CustomFields list[customField] `json:"customfields"`
}

type productsAnswer struct {
	TotalResults text              `json:"totalresults"`
	Products     *list[productRow] `json:"products"`
}

type serverRow struct {
	ID             text `json:"id"`
	Name           text `json:"name"`
	Hostname       text `json:"hostname"`
	IPAddress      text `json:"ipaddress"`
	Module         text `json:"module"`
	ActiveServices text `json:"activeServices"`
}

type serversAnswer struct {
	Servers *list[serverRow] `json:"servers"`
}

type addOrderAnswer struct {
	OrderID    text `json:"orderid"`
	ServiceIDs text `json:"serviceids"`
	ProductIDs text `json:"productids"` // before WHMCS 7.8
	InvoiceID  text `json:"invoiceid"`
}

type addClientAnswer struct {
	ClientID text `json:"clientid"`
}

type addProductAnswer struct {
	PID text `json:"pid"`
}
