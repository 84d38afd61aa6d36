package solusvm_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/solusvm"
)

// bodyServer answers every request with status and body.
func bodyServer(t *testing.T, status int, ctype, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPanelErrors(t *testing.T) {
	ghost := provider.Account{UniqueIdentifier: "4242", Domain: "ghost.example"}
	type call func(c *solusvm.Client) error
	list := func(c *solusvm.Client) error {
		accts, err := c.ListAccounts(context.Background())
		if accts != nil {
			t.Errorf("ListAccounts returned %d accounts with its error", len(accts))
		}
		return err
	}
	suspend := func(c *solusvm.Client) error { return c.SuspendAccount(context.Background(), ghost, "") }
	terminate := func(c *solusvm.Client) error { return c.TerminateAccount(context.Background(), ghost) }
	tests := []struct {
		name       string
		version    int
		status     int
		ctype      string
		body       string
		call       call
		sentinel   error  // nil: the error must match none of the sentinels below
		inMessage  string // a part of the error text
		statusCode int
	}{
		{name: "a bare 'Invalid id or key' line is ErrUnauthorized", version: 1, status: 200, ctype: "text/html",
			body: "Invalid id or key\n", call: list, sentinel: provider.ErrUnauthorized, inMessage: "invalid id or key", statusCode: 200},
		{name: "an XML status error about the caller's address is ErrUnauthorized", version: 1, status: 200, ctype: "text/html",
			body: "<status>error</status>\n<statusmsg>Invalid ipaddress</statusmsg>", call: list, sentinel: provider.ErrUnauthorized, statusCode: 200},
		{name: "'Virtual server not found' in JSON makes a suspend ErrNotFound", version: 1, status: 200, ctype: "application/json",
			body: `{"status":"error","statusmsg":"Virtual server not found"}`, call: suspend, sentinel: provider.ErrNotFound, inMessage: "Virtual server not found", statusCode: 200},
		{name: "'Virtual server not found' makes a terminate succeed", version: 1, status: 200, ctype: "application/json",
			body: `{"status":"error","statusmsg":"Virtual server not found"}`, call: terminate},
		{name: "a bare 'Node not found' line is ErrNotFound", version: 1, status: 200, ctype: "text/html",
			body: "Node not found\n", call: list, sentinel: provider.ErrNotFound, inMessage: "Node not found"},
		{name: "an XML status error without a known message carries the message and no sentinel", version: 1, status: 200, ctype: "text/html",
			body: "<status>error</status><statusmsg>License expired &amp; locked</statusmsg>", call: list, inMessage: "License expired & locked", statusCode: 200},
		{name: "an HTML page with status 200 is an error with an excerpt", version: 1, status: 200, ctype: "text/html",
			body: "<!DOCTYPE html><html><head><title>Login</title></head><body>Please log in</body></html>", call: list, inMessage: "HTML page", statusCode: 200},
		{name: "JSON cut short is an undecodable response", version: 1, status: 200, ctype: "application/json",
			body: `{"status":"success","statusmsg":"","nodes":"1,`, call: list, inMessage: "undecodable", statusCode: 200},
		{name: "XML that does not parse is an undecodable response", version: 1, status: 200, ctype: "text/html",
			body: `<status>success</status><nodes>1,2</nodes`, call: list, inMessage: "undecodable", statusCode: 200},
		{name: "an unknown status is an error naming it", version: 1, status: 200, ctype: "application/json",
			body: `{"status":"pending","statusmsg":""}`, call: list, inMessage: `unexpected status "pending"`},
		{name: "a text line that is not an API answer is an error", version: 1, status: 200, ctype: "text/plain",
			body: "Service temporarily in maintenance", call: list, inMessage: "maintenance"},
		{name: "HTTP 503 from a proxy is ErrTransient", version: 1, status: 503, ctype: "text/plain",
			body: "Service Unavailable", call: list, sentinel: provider.ErrTransient, statusCode: 503},
		{name: "a node id that is not a number is an error", version: 1, status: 200, ctype: "application/json",
			body: `{"status":"success","statusmsg":"","nodes":"1,two"}`, call: list, inMessage: `malformed node id "two"`},
		{name: "SolusVM 2's 401 is ErrUnauthorized", version: 2, status: 401, ctype: "application/json",
			body: `{"message":"Unauthenticated."}`, call: list, sentinel: provider.ErrUnauthorized, inMessage: "Unauthenticated.", statusCode: 401},
		{name: "SolusVM 2's 403 is ErrUnauthorized", version: 2, status: 403, ctype: "application/json",
			body: `{"message":"This action is unauthorized."}`, call: suspend, sentinel: provider.ErrUnauthorized, statusCode: 403},
		{name: "SolusVM 2's 404 on a suspend is ErrNotFound", version: 2, status: 404, ctype: "application/json",
			body: `{"message":"No query results for model [App\\Models\\Server] 4242"}`, call: suspend, sentinel: provider.ErrNotFound, statusCode: 404},
		{name: "SolusVM 2's JSON 404 on a terminate is success", version: 2, status: 404, ctype: "application/json",
			body: `{"message":"No query results for model [App\\Models\\Server] 4242"}`, call: terminate},
		{name: "SolusVM 2's HTML 404 on a terminate is an error, not success", version: 2, status: 404, ctype: "text/html",
			body: `<html><body><h1>404 Not Found</h1></body></html>`, call: terminate, sentinel: provider.ErrNotFound, statusCode: 404},
		{name: "SolusVM 2's page that is not JSON is an undecodable response", version: 2, status: 200, ctype: "application/json",
			body: `{"data":[{"id":1,`, call: list, inMessage: "undecodable", statusCode: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := bodyServer(t, tc.status, tc.ctype, tc.body)
			cfg := fast(solusvm.Config{BaseURL: srv.URL, APIVersion: tc.version, Username: "api-id-secret", APIToken: "api-key-secret"})
			err := tc.call(newClient(t, cfg))
			if tc.sentinel == nil && tc.inMessage == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			if err == nil {
				t.Fatal("got no error")
			}
			var ae *provider.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not a *provider.APIError", err, err)
			}
			if ae.Type != "solusvm" || ae.Op == "" {
				t.Errorf("APIError Type %q, Op %q; want solusvm and an operation", ae.Type, ae.Op)
			}
			if !strings.HasPrefix(err.Error(), "solusvm: "+ae.Op+": ") {
				t.Errorf("error %q is not prefixed with the type and operation", err)
			}
			if tc.statusCode != 0 && ae.StatusCode != tc.statusCode {
				t.Errorf("StatusCode %d, want %d", ae.StatusCode, tc.statusCode)
			}
			for _, s := range []error{provider.ErrUnauthorized, provider.ErrNotFound, provider.ErrExists, provider.ErrTransient} {
				if got, want := errors.Is(err, s), s == tc.sentinel; got != want {
					t.Errorf("errors.Is(%q, %v) = %t, want %t", err, s, got, want)
				}
			}
			if !strings.Contains(err.Error(), tc.inMessage) {
				t.Errorf("error %q does not contain %q", err, tc.inMessage)
			}
			for _, secret := range []string{"api-id-secret", "api-key-secret"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(ae.Body, secret) {
					t.Errorf("error %q (body %q) contains the secret %q", err, ae.Body, secret)
				}
			}
		})
	}
}
