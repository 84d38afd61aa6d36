package provider_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/accountsync/accountsync/provider"
)

func TestAPIErrorIs(t *testing.T) {
	sentinels := []error{provider.ErrUnauthorized, provider.ErrNotFound, provider.ErrRateLimited, provider.ErrTransient, provider.ErrExists, provider.ErrNotSupported}
	tests := []struct {
		name string
		err  error
		want []error
	}{
		{name: "401 is unauthorized", err: &provider.APIError{StatusCode: 401}, want: []error{provider.ErrUnauthorized}},
		{name: "403 is unauthorized", err: &provider.APIError{StatusCode: 403}, want: []error{provider.ErrUnauthorized}},
		{name: "404 is not found", err: &provider.APIError{StatusCode: 404}, want: []error{provider.ErrNotFound}},
		{name: "429 is rate limited and transient", err: &provider.APIError{StatusCode: 429}, want: []error{provider.ErrRateLimited, provider.ErrTransient}},
		{name: "503 is transient", err: &provider.APIError{StatusCode: 503}, want: []error{provider.ErrTransient}},
		{name: "a 200 carrying a not-found cause is not found", err: &provider.APIError{StatusCode: 200, Err: provider.ErrNotFound}, want: []error{provider.ErrNotFound}},
		{name: "a wrapped APIError still matches", err: fmt.Errorf("sync: %w", &provider.APIError{StatusCode: 403}), want: []error{provider.ErrUnauthorized}},
		{name: "400 matches nothing", err: &provider.APIError{StatusCode: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range sentinels {
				want := false
				for _, w := range tt.want {
					want = want || w == s
				}
				if got := errors.Is(tt.err, s); got != want {
					t.Errorf("errors.Is(%v, %v) = %t, want %t", tt.err, s, got, want)
				}
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *provider.APIError
		want string
	}{
		{name: "status, message and code read in one line", err: &provider.APIError{Type: "plesk", Op: "list accounts", StatusCode: 200, Code: "1013", Message: "object not found"}, want: "plesk: list accounts: HTTP 200: object not found (code 1013)"},
		{name: "a status with only a body shows the body", err: &provider.APIError{Type: "cpanel", Op: "list accounts", StatusCode: 500, Body: "<html>Internal"}, want: "cpanel: list accounts: HTTP 500: unexpected response: <html>Internal"},
		{name: "a bare status gets its text", err: &provider.APIError{Type: "cpanel", Op: "list accounts", StatusCode: 502}, want: "cpanel: list accounts: HTTP 502: bad gateway"},
		{name: "without a status the cause is shown", err: &provider.APIError{Type: "cpanel", Op: "suspend", Err: errors.New("dial tcp: connection refused")}, want: "cpanel: suspend: dial tcp: connection refused"},
		{name: "a body excerpt is shown when nothing else explains", err: &provider.APIError{Type: "plesk", Op: "list accounts", Body: "<html>oops"}, want: "plesk: list accounts: unexpected response: <html>oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
