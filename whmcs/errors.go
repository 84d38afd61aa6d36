package whmcs

import (
	"strings"

	"github.com/accountsync/accountsync/provider"
)

// messages maps WHMCS's error messages (the leading words, compared
// without regard to case) onto the provider sentinels. The wordings come
// from the WHMCS developer documentation and WHMCS's API middleware.
var messages = []struct {
	prefix string
	err    error
}{
	// Access control and authentication (HTTP 403 on WHMCS 8).
	{"Authentication Failed", provider.ErrUnauthorized},
	{"Invalid IP", provider.ErrUnauthorized},
	{"IP Banned", provider.ErrUnauthorized},
	{"Invalid Access Key", provider.ErrUnauthorized},
	{"Invalid or missing credentials", provider.ErrUnauthorized},
	{"Invalid administrative identifier", provider.ErrUnauthorized},
	{"Administrator Account Disabled", provider.ErrUnauthorized},
	{"Access Denied", provider.ErrUnauthorized},
	{"Invalid password provided", provider.ErrUnauthorized},
	// An API role without the action.
	{"Invalid Permissions", provider.ErrUnauthorized},
	// An action this WHMCS does not have (GetUsers before 8.1).
	{"Invalid API Action", provider.ErrNotSupported},
	{"Command Not Found", provider.ErrNotSupported},
	{"Invalid API Command Value", provider.ErrNotSupported},
	// Lookups.
	{"Client Not Found", provider.ErrNotFound},
	{"Client ID Not Found", provider.ErrNotFound},
	{"Service ID Not Found", provider.ErrNotFound},
	{"ServiceID not found", provider.ErrNotFound},
	// AddClient's two ways of saying the address is taken.
	{"A user already exists with that email address", provider.ErrExists},
	{"The email address entered is not available for use", provider.ErrExists},
}

// classify returns the sentinel a WHMCS error message means, or nil.
func classify(msg string) error {
	m := strings.ToLower(strings.TrimSpace(msg))
	for _, e := range messages {
		if strings.HasPrefix(m, strings.ToLower(e.prefix)) {
			return e.err
		}
	}
	return nil
}
