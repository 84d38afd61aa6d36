package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	acsync "github.com/accountsync/accountsync/sync"
)

func TestTheSyncLogKeepsNinetyDays(t *testing.T) {
	h := newHarness(t, `{}`)
	st, err := openState(h.env(&bytes.Buffer{}, &bytes.Buffer{}), "")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, age := range []time.Duration{100 * 24 * time.Hour, 80 * 24 * time.Hour, time.Hour} {
		e := acsync.Entry{Time: now.Add(-age), Kind: acsync.KindImport, Key: age.String(), Outcome: acsync.OutcomeSucceeded}
		if err := st.journal("web1").Record(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.pruneJournal(now); err != nil {
		t.Fatal(err)
	}
	got, err := st.entries(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != (80*24*time.Hour).String() || got[0].Server != "web1" {
		t.Errorf("after pruning: %+v", got)
	}
}
