package synctest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	gosync "sync"
	"testing"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/sync/synctest"
)

// The kit is only worth trusting if it fails stores that break the
// contract. Each broken store runs the kit in a child test process, which
// must fail the subtest for the rule it breaks.
func TestRunStoreCatchesBrokenStores(t *testing.T) {
	if os.Getenv("SYNCTEST_BROKEN") != "" {
		t.Skip("in the child process")
	}
	tests := []struct {
		kind        string
		failingTest string
	}{
		{"case-sensitive-email", "a_created_client_is_found_by_e-mail_without_regard_to_case"},
		{"second-client", "a_second_client_with_the_same_e-mail_address_is_ErrExists"},
		{"product-per-call", "CreateProduct_returns_one_product_per_package,_however_often_asked"},
		{"writes-every-field", "UpdateService_changes_the_fields_it_names_and_no_others"},
		{"ignores-empty", "UpdateService_clears_a_field_changed_to_empty"},
		{"terminate-not-idempotent", "TerminateService_terminates_in_billing_and_is_idempotent"},
		{"lists-when-cancelled", "a_done_context_is_refused_and_lists_nothing"},
		{"lists-twice", "concurrent_creations_are_each_listed_once"},
	}
	for _, tt := range tests {
		t.Run("a store that "+tt.kind+" fails "+tt.failingTest, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStoreChild$", "-test.v")
			cmd.Env = append(os.Environ(), "SYNCTEST_BROKEN="+tt.kind)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the kit passed a store that %s:\n%s", tt.kind, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenStoreChild/"+tt.failingTest) {
				t.Errorf("subtest %s did not fail:\n%s", tt.failingTest, out)
			}
		})
	}
}

func TestBrokenStoreChild(t *testing.T) {
	kind := os.Getenv("SYNCTEST_BROKEN")
	if kind == "" {
		t.Skip("run by TestRunStoreCatchesBrokenStores")
	}
	synctest.RunStore(t, func(t *testing.T) acsync.Store {
		return &brokenStore{Store: synctest.NewStore(), kind: kind, emails: map[string]string{}}
	})
}

// brokenStore is a synctest.Store that breaks one rule.
type brokenStore struct {
	*synctest.Store
	kind string

	mu       gosync.Mutex
	emails   map[string]string // exact address -> client
	products int
}

func (b *brokenStore) FindClientByEmail(ctx context.Context, email string) (string, error) {
	if b.kind == "case-sensitive-email" {
		b.mu.Lock()
		defer b.mu.Unlock()
		if id, ok := b.emails[email]; ok {
			return id, nil
		}
		return "", provider.ErrNotFound
	}
	return b.Store.FindClientByEmail(ctx, email)
}

func (b *brokenStore) CreateClient(ctx context.Context, c acsync.NewClient) (string, error) {
	id, err := b.Store.CreateClient(ctx, c)
	if b.kind == "second-client" && errors.Is(err, provider.ErrExists) {
		return "999", nil
	}
	if err == nil {
		b.mu.Lock()
		b.emails[c.Email] = id
		b.mu.Unlock()
	}
	return id, err
}

func (b *brokenStore) CreateProduct(ctx context.Context, p acsync.NewProduct) (string, error) {
	if b.kind == "product-per-call" {
		b.mu.Lock()
		b.products++
		p.Package += "#" + strconv.Itoa(b.products)
		b.mu.Unlock()
	}
	return b.Store.CreateProduct(ctx, p)
}

func (b *brokenStore) UpdateService(ctx context.Context, s acsync.Service, changes []acsync.Change) error {
	switch b.kind {
	case "writes-every-field":
		changes = []acsync.Change{{Field: acsync.FieldStatus}, {Field: acsync.FieldDomain}, {Field: acsync.FieldUsername}, {Field: acsync.FieldDedicatedIP}}
	case "ignores-empty":
		var keep []acsync.Change
		for _, c := range changes {
			if c.Field != acsync.FieldDedicatedIP || s.DedicatedIP != "" {
				keep = append(keep, c)
			}
		}
		changes = keep
	}
	return b.Store.UpdateService(ctx, s, changes)
}

func (b *brokenStore) TerminateService(ctx context.Context, s acsync.Service) error {
	if b.kind == "terminate-not-idempotent" {
		if cur, ok := b.Store.Service(s.ID); ok && cur.Status == acsync.ServiceStatusTerminated {
			return errors.New("already terminated")
		}
	}
	return b.Store.TerminateService(ctx, s)
}

func (b *brokenStore) Services(ctx context.Context) ([]acsync.Service, error) {
	switch b.kind {
	case "lists-when-cancelled":
		ctx = context.Background()
	case "lists-twice":
		svcs, err := b.Store.Services(ctx)
		if len(svcs) > 2 {
			svcs = append(svcs, svcs[len(svcs)-1])
		}
		return svcs, err
	}
	return b.Store.Services(ctx)
}
