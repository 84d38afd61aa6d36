package whmcs

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
)

func TestClassifyKnowsWHMCSWordings(t *testing.T) {
	tests := []struct {
		msg  string
		want error
	}{
		{"Invalid IP 2001:db8::1", provider.ErrUnauthorized},
		{"Authentication Failed", provider.ErrUnauthorized},
		{`Invalid Permissions: API action "addorder" is not allowed`, provider.ErrUnauthorized},
		{"IP Banned", provider.ErrUnauthorized},
		{"Invalid Access Key", provider.ErrUnauthorized},
		{"Invalid or missing credentials", provider.ErrUnauthorized},
		{"Administrator Account Disabled", provider.ErrUnauthorized},
		{"Access Denied: Authentication not permitted", provider.ErrUnauthorized},
		{"Invalid password provided", provider.ErrUnauthorized},
		{`Invalid API Action: "getusers" is not a valid API action`, provider.ErrNotSupported},
		{"Command Not Found", provider.ErrNotSupported},
		{"Client Not Found", provider.ErrNotFound},
		{"Service ID Not Found", provider.ErrNotFound},
		{"A user already exists with that email address", provider.ErrExists},
		{"The email address entered is not available for use.", provider.ErrExists},
		{"Invalid Payment Method. Valid options include mailin", nil},
	}
	for _, tt := range tests {
		if got := classify(tt.msg); got != tt.want {
			t.Errorf("classify(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}

func TestWireReadsEveryShapeOfAList(t *testing.T) {
	tests := []struct {
		body string
		n    int
	}{
		{`{"products":""}`, 0},
		{`{"products":null}`, 0},
		{`{"products":[]}`, 0},
		{`{"products":{"product":null}}`, 0},
		{`{"products":{"product":[{"id":"1"},{"id":2}]}}`, 2},
		{`{"products":{"product":{"id":"1"}}}`, 1},
		{`{"products":[{"id":"1"}]}`, 1},
	}
	for _, tt := range tests {
		var a servicesAnswer
		if err := jsonUnmarshal(tt.body, &a); err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		n := 0
		if a.Products != nil {
			n = len(a.Products.items)
		}
		if n != tt.n {
			t.Errorf("%s: %d items, want %d", tt.body, n, tt.n)
		}
	}
	var a servicesAnswer
	if err := jsonUnmarshal(`{"products":{"product":[{"id":"1","customfields":"secret-ish"}]}}`, &a); err == nil || strings.Contains(err.Error(), "secret-ish") {
		t.Errorf("a wrong shape gave %v", err)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
