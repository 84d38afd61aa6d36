package sync

import (
	"errors"
	"fmt"
)

// ErrStalePlan means the world is no longer what the plan was made from:
// [Diff] returns it when Options.ExpectFingerprint does not match, and the
// executor records it for an action whose precondition no longer holds
// (the service was reactivated, the account came back, a field changed
// again).
var ErrStalePlan = errors.New("stale plan")

// UnsafePlanError is returned by [Diff] when a plan exceeds a safety limit
// and Options.Force is not set. It names the first class over its limit,
// in the order terminations, imports, exports, updates.
type UnsafePlanError struct {
	// Class is "terminations", "imports", "exports" or "updates".
	Class string
	// Count is the number of actions of that class, deferred ones
	// included.
	Count int
	// Population is the number of keys live on either side.
	Population int
	// MaxFraction is the fraction exceeded, or 0 when MaxCount was.
	MaxFraction float64
	// MaxCount is the absolute cap exceeded (Limits.MaxTerminations), or 0.
	MaxCount int
	// Detail says why the class was refused when its size alone does not:
	// for imports, how few of billing's live services the server lists
	// (Plan.Imports). It is empty otherwise.
	Detail string
	// Plan is the plan that was refused, for showing to a person; apply it
	// only after a decision to force it.
	Plan *Plan
}

// Error reads like "sync: unsafe plan: 104 terminations are 39.8% of 261
// live keys, over the 30% limit; review the plan and set Force to apply
// it".
func (e *UnsafePlanError) Error() string {
	hint := "; review the plan and set Force to apply it"
	if e.Detail != "" {
		hint = "; " + e.Detail + hint
	}
	if e.MaxFraction == 0 {
		return fmt.Sprintf("sync: unsafe plan: %d %s exceed the cap of %d%s", e.Count, e.Class, e.MaxCount, hint)
	}
	return fmt.Sprintf("sync: unsafe plan: %d %s are %.1f%% of %d live keys, over the %g%% limit%s",
		e.Count, e.Class, 100*float64(e.Count)/float64(e.Population), e.Population, 100*e.MaxFraction, hint)
}
