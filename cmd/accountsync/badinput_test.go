package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

// Each input that used to hurt a new user, with the message and exit
// status it gets now.
func TestBadInput(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	good := cpanelConfig(srv, "")
	tests := []struct {
		name   string
		config string // "" keeps the good one
		args   []string
		code   int
		want   []string
	}{
		{name: "an unknown -server is refused, naming the configured ones", args: []string{"plan", "-server", "nosuch"},
			code: exitRefused, want: []string{"-server nosuch: no such server", "(configured: web1)"}},
		{name: "a billing database in a missing directory names the key and the directory",
			config: strings.Replace(good, `"path": "billing.db"`, `"path": "/nonexist/dir/x.db"`, 1), args: []string{"plan"},
			code: exitRefused, want: []string{"config.jsonc:6:34: billing.sqlite.path: directory /nonexist/dir does not exist; create it first"}},
		{name: "malformed JSON names the file, line and column",
			config: strings.Replace(good, `"name": "web1",`, `"name": "web1"`, 1), args: []string{"plan"},
			code: exitRefused, want: []string{"config.jsonc:4:38: servers[0]: invalid JSON: '\"' after object key:value pair (is a comma missing?)"}},
		{name: "a misspelt key names the file, line and key", config: strings.Replace(good, "accessHash", "acessHash", 1), args: []string{"check"},
			code: exitRefused, want: []string{`config.jsonc:4:`, `servers[0].acessHash: unknown key (did you mean "accessHash"?)`}},
		{name: "an unset environment variable names the key", config: strings.Replace(good, "${WHM_TOKEN}", "${NOT_SET}", 1), args: []string{"run", "-once"},
			code: exitRefused, want: []string{"servers[0].accessHash: environment variable NOT_SET is not set"}},
		{name: "a missing configuration file says how to name one", args: []string{"plan", "-config", "/nonexist/config.jsonc"},
			code: exitRefused, want: []string{"no configuration file at /nonexist/config.jsonc; pass -config FILE or set ACCOUNTSYNC_CONFIG"}},
		{name: "a positional argument is bad usage", args: []string{"plan", "web1"},
			code: exitRefused, want: []string{`unexpected argument "web1"`, "Run 'accountsync plan -h'"}},
		{name: "apply of a file that is no plan is refused", args: []string{"apply", "/dev/null"},
			code: exitRefused, want: []string{"/dev/null is not a plan file written by accountsync plan"}},
		{name: "a too short interval is bad usage", args: []string{"run", "-interval", "1s"},
			code: exitRefused, want: []string{"-interval 1s: at least 1m"}},
		{name: "-h is help, not an error", args: []string{"run", "-h"},
			code: exitOK, want: []string{"accountsync run -once -dry-run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.config
			if cfg == "" {
				cfg = good
			}
			h := newHarness(t, cfg)
			r := h.run(tt.args...)
			r.want(t, tt.code, tt.want...)
			if strings.Contains(r.stderr, "flag: help requested") {
				t.Errorf("the flag package's own words leaked:\n%s", r)
			}
		})
	}
}

// Counts and words that used to be wrong: "1 keys", an account count that
// was not the server's, an unexplained plan ID.
func TestWordsAndCounts(t *testing.T) {
	srv := cpaneltest.NewServer(t, account("ana", "ana.test"))
	h := newHarness(t, cpanelConfig(srv, ""))
	h.run("apply", "-yes").want(t, exitOK, "3 actions succeeded")
	r := h.run("plan")
	r.want(t, exitOK, "1 account on the server, 1 service in billing.", "In sync: nothing to do (1 key in sync).")
	for _, bad := range []string{"1 keys", "1 accounts", "1 services", "1 servers"} {
		if strings.Contains(r.stdout+r.stderr, bad) {
			t.Errorf("output says %q:\n%s", bad, r)
		}
	}
	for n, want := range map[int]string{0: "0 keys", 1: "1 key", 2: "2 keys"} {
		if got := plural(n, "key"); got != want {
			t.Errorf("plural(%d) = %q", n, got)
		}
	}
	_ = fmt.Sprint
}
