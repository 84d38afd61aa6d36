package config_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

var testEnv = map[string]string{"WHM_TOKEN": "tok-123", "PLESK_PW": "p&ss", "EMPTY": "", "WHMCS_ID": "id", "WHMCS_SECRET": "sec"}

func lookup(k string) (string, bool) { v, ok := testEnv[k]; return v, ok }

const good = `{
  /* two servers */
  "servers": [
    {"type": "cpanel", "name": "web1", "hostname": "web1.example.net", "secure": true,
     "accessHash": "${WHM_TOKEN}", "timeout": "90s"}, // trailing commas are fine
    {"type": "plesk", "name": "web2", "hostname": "web2.example.net", "ip": "192.0.2.7",
     "password": "$PLESK_PW$$", "params": {"x": "${WHM_TOKEN}"}},
  ],
  "billing": {"sqlite": {"path": "billing.db"}},
  "policy": {
    "products": {"starter": "1"},
    "terminateRemote": false,
    "servers": {"web2": {"terminateRemote": true, "products": {"pro": "2"}, "mode": "import-only"}},
  },
  "run": {"interval": "1h", "concurrency": 2},
}`

func TestParseReadsAGoodFile(t *testing.T) {
	cfg, err := config.Parse("/etc/as/config.jsonc", []byte(good), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Servers[0].AccessHash; got != "tok-123" {
		t.Errorf("accessHash = %q", got)
	}
	if got := cfg.Servers[1].Password; got != "p&ss$" {
		t.Errorf("password = %q, want the variable then a literal $", got)
	}
	if got := cfg.Servers[1].Params["x"]; got != "tok-123" {
		t.Errorf("params.x = %q", got)
	}
	if got := time.Duration(cfg.Servers[0].Timeout); got != 90*time.Second {
		t.Errorf("timeout = %v", got)
	}
	if got := cfg.SQLitePath(); got != "/etc/as/billing.db" {
		t.Errorf("SQLitePath = %q, want it next to the config file", got)
	}
	web1, web2 := cfg.PolicyFor("web1"), cfg.PolicyFor("web2")
	if web1.TerminateRemote || !web2.TerminateRemote {
		t.Errorf("terminateRemote web1=%v web2=%v, want the override on web2 only", web1.TerminateRemote, web2.TerminateRemote)
	}
	if web2.Products["starter"] != "1" || web2.Products["pro"] != "2" || web1.Products["pro"] != "" {
		t.Errorf("products web1=%v web2=%v, want the override merged into web2's only", web1.Products, web2.Products)
	}
	if web2.Mode != acsync.ModeImportOnly || web1.Mode != acsync.ModeSynchronize {
		t.Errorf("modes %v %v", web1.Mode, web2.Mode)
	}
	for _, name := range []string{"web2", "web2.example.net", "WEB2.example.net.", "192.0.2.7"} {
		if s, ok := cfg.Server(name); !ok || s.Name != "web2" {
			t.Errorf("Server(%q) = %q, %v", name, s.Name, ok)
		}
	}
	if _, ok := cfg.Server("127.0.0.1"); ok {
		t.Error("Server found a server that is not configured")
	}
	two, err := config.Parse("c.jsonc", []byte(`{"servers": [
	  {"type": "cpanel", "name": "a", "hostname": "http://127.0.0.1:2086"},
	  {"type": "cpanel", "name": "b", "hostname": "127.0.0.1"}],
	  "billing": {"sqlite": {"path": "x"}}}`), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := two.Server("127.0.0.1"); ok {
		t.Errorf("Server picked %q for a host two servers share", s.Name)
	}
	two.Servers[1].IP = "127.0.0.1"
	if s, ok := two.Server("127.0.0.1"); !ok || s.Name != "b" {
		t.Errorf("Server(127.0.0.1) = %q, %v; want the server whose ip it is", s.Name, ok)
	}
	if s, ok := two.Server("b"); !ok || s.Name != "b" {
		t.Errorf("Server(b) = %q, %v", s.Name, ok)
	}
}

func TestParseErrorsNameFileLineAndKey(t *testing.T) {
	base := func(servers, rest string) string {
		if rest == "" {
			rest = `"billing": {"sqlite": {"path": "x.db"}}`
		}
		return `{"servers": [` + servers + `], ` + rest + `}`
	}
	web1 := `{"type": "cpanel", "name": "web1", "hostname": "h"}`
	tests := []struct {
		name, in, want string
	}{
		{"a misspelt key is an error with a suggestion", base(`{"type": "cpanel", "name": "a", "hostname": "h",
 "acessHash": "x"}`, ""), `c.jsonc:2:2: servers[0].acessHash: unknown key (did you mean "accessHash"?)`},
		{"a key in the wrong case is an error", base(`{"Type": "cpanel"}`, ""), `servers[0].Type: unknown key (did you mean "type"?)`},
		{"an unknown top-level key is an error", `{"servres": []}`, `c.jsonc:1:2: servres: unknown key (did you mean "servers"?)`},
		{"an unset variable is an error, not an empty secret", base(`{"type": "cpanel", "name": "a", "hostname": "h", "accessHash": "${NOPE}"}`, ""), `servers[0].accessHash: environment variable NOPE is not set`},
		{"an empty variable is an error", base(`{"type": "cpanel", "name": "a", "hostname": "h", "password": "$EMPTY"}`, ""), `servers[0].password: environment variable EMPTY is empty`},
		{"a lone dollar is an error", base(`{"type": "cpanel", "name": "a", "hostname": "h", "password": "a$"}`, ""), `write "$$" for a literal "$"`},
		{"a wrong type names what it wants", base(`{"type": "cpanel", "name": "a", "hostname": "h", "port": "2087"}`, ""), `c.jsonc:1:71: servers[0].port: must be a whole number, not a string ("2087")`},
		{"a duration must be a string", base(`{"type": "cpanel", "name": "a", "hostname": "h", "timeout": 30}`, ""), `servers[0].timeout: must be a duration string such as "90s", not a number`},
		{"a bad duration is an error", base(web1, `"billing": {"sqlite": {"path": "x"}}, "run": {"interval": "1 hour"}`), `"1 hour" is not a duration`},
		{"malformed JSON names the line", "{\n\"servers\": [\n{\"type\" \"cpanel\"}]}", `c.jsonc:3:8: servers[0].type: invalid JSON`},
		{"a file cut short is an error", `{"servers": [`, `invalid JSON: the file ends before`},
		{"an unclosed comment is an error", `{/* `, `c.jsonc:1:2: comment not closed`},
		{"an empty file is an error", "  // nothing\n", `the file is empty`},
		{"a server without a name is an error", base(`{"type": "cpanel", "hostname": "h"}`, ""), `servers[0]: the server has no name`},
		{"two servers with one name are an error", base(web1+`,`+web1, ""), `servers[1].name: two servers are named "web1"`},
		{"an unknown type lists the known ones", base(`{"type": "ispconfig", "name": "a", "hostname": "h"}`, ""), `servers[0].type: unknown server type "ispconfig" (one of cpanel, directadmin, plesk, solusvm, openstack, proxmox)`},
		{"no billing side is an error", base(web1, `"policy": {}`), `billing: no billing side`},
		{"both billing sides are an error", base(web1, `"billing": {"sqlite": {"path": "x"}, "whmcs": {"url": "https://b"}}`), `not both`},
		{"a server without a WHMCS server ID is an error", base(web1, `"billing": {"whmcs": {"url": "https://b", "identifier": "$WHMCS_ID", "secret": "$WHMCS_SECRET", "servers": {}}}`), `server "web1" has no WHMCS server ID`},
		{"a WHMCS server ID for an unknown server is an error", base(web1, `"billing": {"whmcs": {"url": "https://b", "identifier": "i", "secret": "s", "servers": {"web1": "1", "web9": "2"}}}`), `billing.whmcs.servers.web9: no server is named "web9"`},
		{"an override for an unknown server is an error", base(web1, `"billing": {"sqlite": {"path": "x"}}, "policy": {"servers": {"web9": {}}}`), `policy.servers.web9: no server is named "web9"`},
		{"a misspelt key in an override is an error", base(web1, `"billing": {"sqlite": {"path": "x"}}, "policy": {"servers": {"web1": {"terminateRemot": true}}}`), `policy.servers.web1.terminateRemot: unknown key (did you mean "terminateRemote"?)`},
		{"a per-server policy cannot nest servers", base(web1, `"billing": {"sqlite": {"path": "x"}}, "policy": {"servers": {"web1": {"servers": {}}}}`), `policy.servers.web1.servers: per-server policies cannot have servers of their own`},
		{"a negative duration is an error", base(web1, `"billing": {"sqlite": {"path": "x"}}, "serve": {"timeout": "-1m"}`), `serve: durations must not be negative`},
		{"an unknown mode is an error", base(web1, `"billing": {"sqlite": {"path": "x"}}, "policy": {"mode": "sync"}`), `policy.mode: unknown mode "sync"`},
		{"terminating on nameservers needs nameservers", base(web1, `"billing": {"sqlite": {"path": "x"}}, "policy": {"terminateRemote": true, "terminateIncorrectNameservers": true}`), `needs "terminateRemote" and "nameservers"`},
		{"smtp needs a sender and recipients", base(web1, `"billing": {"sqlite": {"path": "x"}}, "run": {"report": {"smtp": "mail:25"}}`), `run.report: "smtp" needs "from" and "to"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("c.jsonc", []byte(tt.in), lookup)
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v (%T), want a *config.Error", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "tok-123") {
				t.Errorf("err holds a secret: %v", err)
			}
		})
	}
}

func TestLoadNamesAMissingFile(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.jsonc"))
	var ce *config.Error
	if !errors.As(err, &ce) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want a *config.Error wrapping ErrNotExist", err)
	}
}

func TestOpenBillingRefusesAMissingDirectory(t *testing.T) {
	cfg, err := config.Parse("c.jsonc", []byte(`{"servers": [{"type": "cpanel", "name": "web1", "hostname": "h"}],
	"billing": {"sqlite": {"path": "/nonexist/dir/x.db"}}}`), lookup)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.OpenBilling(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "c.jsonc:2:33: billing.sqlite.path: directory /nonexist/dir does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenBillingGivesEachServerItsStore(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse(filepath.Join(dir, "c.jsonc"), []byte(`{"servers": [{"type": "cpanel", "name": "web1", "hostname": "h"}],
	"billing": {"sqlite": {"path": "billing.db"}}}`), lookup)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cfg.OpenBilling(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, err := b.Store(context.Background(), "web1", provider.Metadata{Type: "cpanel", UniqueIdentifierField: "domain"})
	if err != nil {
		t.Fatal(err)
	}
	if svcs, err := st.Services(context.Background()); err != nil || len(svcs) != 0 {
		t.Fatalf("Services = %v, %v", svcs, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "billing.db")); err != nil {
		t.Errorf("the database is not next to the config file: %v", err)
	}
}

func TestRegistryKnowsEveryPanel(t *testing.T) {
	if r, types := config.Registry(), config.ServerTypes(); len(r) != len(types) {
		t.Errorf("Registry has %d types, ServerTypes %d", len(r), len(types))
	}
	for _, typ := range config.ServerTypes() {
		t.Run(typ+" servers get a provider of their own type", func(t *testing.T) {
			s := config.Server{
				Type: typ, Name: "s1", Hostname: "127.0.0.1", Secure: true,
				Username: "admin@pve!tok", Password: "pw-1234", AccessHash: "hash-1234",
			}
			if typ == "openstack" {
				s.Params = map[string]string{"project": "p1", "domain": "Default"}
			}
			p, err := config.NewProvider(s, nil)
			if err != nil {
				t.Fatalf("NewProvider: %v", err)
			}
			if got := p.Metadata().Type; got != typ {
				t.Errorf("Metadata().Type = %q", got)
			}
		})
	}
}

// The examples in reference.md and in the command's README are valid
// configurations, so that an admin who copies one starts from a file
// that loads.
func TestTheDocumentedExamplesLoad(t *testing.T) {
	for _, doc := range []string{"reference.md", "../cmd/accountsync/README.md", "../README.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		blocks := 0
		for _, part := range strings.Split(string(data), "```jsonc\n")[1:] {
			block, _, _ := strings.Cut(part, "```")
			// Indented blocks (in a list) keep their indentation; JSON
			// does not mind.
			blocks++
			t.Run(fmt.Sprintf("%s block %d", doc, blocks), func(t *testing.T) {
				anyVar := func(string) (string, bool) { return "value-from-env", true }
				if _, err := config.Parse(doc, []byte(block), anyVar); err != nil {
					t.Errorf("%v\n%s", err, block)
				}
			})
		}
		if blocks == 0 {
			t.Errorf("%s has no jsonc example", doc)
		}
	}
}

func TestPrintingAConfigShowsNoSecret(t *testing.T) {
	cfg, err := config.Parse("c.jsonc", []byte(`{
	  "servers": [{"type": "cpanel", "name": "web1", "hostname": "h", "password": "pw-secret-1", "accessHash": "${WHM_TOKEN}"}],
	  "billing": {"whmcs": {"url": "https://b", "identifier": "id-secret-2", "secret": "sec-secret-3", "accessKey": "key-secret-4", "servers": {"web1": "1"}}},
	  "run": {"report": {"smtp": "m:25", "from": "a@b", "to": ["c@d"], "password": "smtp-secret-5"}},
	  "serve": {"token": "token-secret-6"}}`), lookup)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "servers", cfg.Servers, "server", cfg.Servers[0],
		"whmcs", cfg.Billing.WHMCS, "report", cfg.Run.Report, "serve", cfg.Serve)
	for _, out := range []string{fmt.Sprintf("%v", *cfg), fmt.Sprintf("%+v", *cfg), logged.String()} {
		for _, secret := range []string{"pw-secret-1", "tok-123", "id-secret-2", "sec-secret-3", "key-secret-4", "smtp-secret-5", "token-secret-6"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q is in %s", secret, out)
			}
		}
	}
}
