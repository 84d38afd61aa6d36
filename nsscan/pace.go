package nsscan

import (
	"context"
	"errors"
	"time"

	"golang.org/x/time/rate"
)

// errLimited marks a request that a limiter would have delayed past the
// context's deadline.
var errLimited = errors.New("pacing would pass the deadline")

// pace waits for l's next token, the one rule every limiter of this package
// follows: when the wait would end after ctx's deadline, pace gives the
// token back and returns errLimited at once, so that a check fails fast as
// rate-limited instead of sleeping into a timeout; when ctx ends during the
// wait it returns ctx's error. A nil l never waits. waited reports whether
// the token was not free at once.
func pace(ctx context.Context, l *rate.Limiter) (waited bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if l == nil {
		return false, nil
	}
	r := l.Reserve()
	if !r.OK() {
		return true, errLimited
	}
	d := r.Delay()
	if d <= 0 {
		return false, nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Now().Add(d).After(dl) {
		r.Cancel()
		return true, errLimited
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true, nil
	case <-ctx.Done():
		r.Cancel()
		return true, ctx.Err()
	}
}
