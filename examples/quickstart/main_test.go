package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
)

func runQuickstart(t *testing.T, stdin string, stdinTerminal bool, args ...string) (string, error) {
	t.Helper()
	out, errOut, err := runQuickstartSplit(t, stdin, stdinTerminal, args...)
	return out + errOut, err
}

func runQuickstartSplit(t *testing.T, stdin string, stdinTerminal bool, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := environment{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, stdinTerminal: stdinTerminal}
	err := run(context.Background(), args, env)
	return out.String(), errOut.String(), err
}

// The README's first command, twice: the first run applies the plan, the
// second finds nothing to do.
func TestQuickstartAppliesThenIsInSync(t *testing.T) {
	db := filepath.Join(t.TempDir(), "billing.db")

	out, err := runQuickstart(t, "", false, "-db", db)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(\d+) in sync, (\d+) actions`).FindStringSubmatch(out)
	if m == nil || m[2] == "0" {
		t.Fatalf("the dry run plans nothing:\n%s", out)
	}
	planned := m[2]
	for _, kind := range []string{"import", "export", "create-client", "create-product", "suspend-local", "update-local", "terminate-remote"} {
		if !strings.Contains(out, "\n"+kind+" ") {
			t.Errorf("the demo plan has no %s action:\n%s", kind, out)
		}
	}

	_, err = runQuickstart(t, "", false, "-db", db, "-apply")
	if err == nil || !strings.Contains(err.Error(), "pass -yes") {
		t.Fatalf("applying without a terminal or -yes = %v, want a refusal", err)
	}
	out, err = runQuickstart(t, "n\n", true, "-db", db, "-apply")
	if err != nil || !strings.Contains(out, "Nothing was changed.") {
		t.Fatalf("answering no = %v:\n%s", err, out)
	}

	out, err = runQuickstart(t, "y\n", true, "-db", db, "-apply")
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Sync report") || strings.Contains(out, "Failures") {
		t.Fatalf("the report is missing or lists failures:\n%s", out)
	}
	succeeded := 0
	for _, row := range regexp.MustCompile(`(?m)^[a-z-]+ +(\d+) +0 +0$`).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(row[1])
		succeeded += n
	}
	if strconv.Itoa(succeeded) != planned {
		t.Errorf("the report counts %d successes, want the %s planned actions:\n%s", succeeded, planned, out)
	}

	out, err = runQuickstart(t, "", false, "-db", db)
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Everything is in sync") {
		t.Errorf("the second run still has work:\n%s", out)
	}

	out, err = runQuickstart(t, "", false, "-db", db, "-reset")
	if err != nil || !strings.Contains(out, planned+" actions") {
		t.Errorf("-reset did not bring the demo back to its %s actions: %v\n%s", planned, err, out)
	}
}

func TestQuickstartJSON(t *testing.T) {
	out, _, err := runQuickstartSplit(t, "", false, "-db", filepath.Join(t.TempDir(), "b.db"), "-json")
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		Fingerprint string
		Actions     []json.RawMessage
	}
	if json.Unmarshal([]byte(out), &plan) != nil || plan.Fingerprint == "" || len(plan.Actions) == 0 {
		t.Errorf("-json did not print the plan as JSON:\n%s", out)
	}
}

// A server billing has never seen is imported by the first run, without
// -force, and the second run finds it in sync.
func TestQuickstartImportsAFreshServer(t *testing.T) {
	var accounts []provider.Account
	for i := range 50 {
		accounts = append(accounts, provider.Account{Email: fmt.Sprintf("owner%d@fresh.example", i), Username: fmt.Sprintf("user%d", i),
			Domain: fmt.Sprintf("site%d.fresh.example", i), Product: "default", Status: provider.StatusActive})
	}
	srv := cpaneltest.New(cpaneltest.Options{Accounts: accounts})
	defer srv.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "servers.json")
	servers := fmt.Sprintf(`[{"type":"cpanel","name":"fresh","hostname":%q,"username":%q,"accessHash":"${QS_TOKEN}"}]`, srv.URL, cpaneltest.Username)
	if err := os.WriteFile(config, []byte(servers), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("QS_TOKEN", cpaneltest.Token)
	db := filepath.Join(dir, "billing.db")

	out, err := runQuickstart(t, "", false, "-config", config, "-db", db, "-apply", "-yes")
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "50 imports are not limited: billing has no live service on this server, so this is its first import") {
		t.Errorf("the plan does not say why 50 imports are allowed:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^import +50 +0 +0$`).MatchString(out) {
		t.Errorf("the report does not show 50 imports:\n%s", out)
	}
	out, err = runQuickstart(t, "", false, "-config", config, "-db", db)
	if err != nil || !strings.Contains(out, "Everything is in sync: 50 accounts") {
		t.Errorf("second run = %v:\n%s", err, out)
	}
}
