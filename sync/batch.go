package sync

import (
	"context"
	gosync "sync"
	"sync/atomic"
	"time"
)

// batchActions is how many actions a batch holds at most before the
// executor commits it.
const batchActions = 1000

// batch groups the Store's writes when the Store is a [Batcher]. Actions
// run under the read side of a lock and a commit takes the write side, so
// every commit falls between whole actions: a crash loses whole actions.
// Without a Batcher it only runs the actions.
type batch struct {
	b       Batcher // nil when the Store is not one
	mu      gosync.RWMutex
	pending atomic.Int64 // actions run since the last commit
	failed  error        // the first failed commit; guarded by mu
}

func newBatch(s Store) *batch {
	b, _ := s.(Batcher)
	return &batch{b: b}
}

// begin starts the first batch.
func (x *batch) begin(ctx context.Context) error {
	if x.b == nil {
		return nil
	}
	return x.b.BeginBatch(ctx)
}

// do runs one action, then commits if the action changed the server (its
// billing side must not be lost once the server has changed) or the batch
// is full. It returns the error of a failed commit.
func (x *batch) do(ctx context.Context, action func() (changedServer bool)) error {
	if x.b == nil {
		action()
		return nil
	}
	x.mu.RLock()
	changed := action()
	n := x.pending.Add(1)
	x.mu.RUnlock()
	if changed || n >= batchActions {
		return x.commit(ctx, true)
	}
	return nil
}

// commit makes the batch durable and, when more is set, starts the next
// one. A commit is not given up because the sync was cancelled: the work
// it holds is done, and it must not be lost.
func (x *batch) commit(ctx context.Context, more bool) error {
	if x.b == nil {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.failed != nil {
		return x.failed
	}
	if more && x.pending.Load() == 0 {
		return nil // another action's commit took this one's writes
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	err := x.b.CommitBatch(ctx)
	x.pending.Store(0)
	if err == nil && more {
		err = x.b.BeginBatch(ctx)
	}
	x.failed = err
	return err
}
