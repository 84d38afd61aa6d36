package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
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
	if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "pass -yes") {
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

// -apply -json prints the report's JSON and nothing else on stdout, and
// refuses to ask a question there.
func TestQuickstartApplyJSONIsPureJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "b.db")
	if _, err := runQuickstart(t, "", true, "-db", db, "-apply", "-json"); !errors.Is(err, errRefused) {
		t.Fatalf("-apply -json without -yes = %v, want a refusal", err)
	}
	out, _, err := runQuickstartSplit(t, "", false, "-db", db, "-apply", "-json", "-yes")
	if err != nil {
		t.Fatal(err)
	}
	var report struct{ Succeeded map[string]int }
	if err := json.Unmarshal([]byte(out), &report); err != nil || report.Succeeded["import"] == 0 {
		t.Errorf("stdout is not the report's JSON alone (%v):\n%s", err, out)
	}
}

func TestQuickstartHelpIsNotAnError(t *testing.T) {
	out, _, err := runQuickstartSplit(t, "", false, "-h")
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "Example:") {
		t.Errorf("-h = %v:\n%s", err, out)
	}
}
