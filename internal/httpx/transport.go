package httpx

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// limitedTransport waits for the server's rate limiter before every
// attempt, retries included, and logs each attempt.
type limitedTransport struct {
	next    http.RoundTripper
	limiter *rate.Limiter
	log     *slog.Logger
	redact  *Redactor
	typ     string
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	waitStart := time.Now()
	if err := t.limiter.Wait(ctx); err != nil {
		// Wait fails early when the deadline would pass before a token is
		// due: that is the deadline's doing, and must not be retried.
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("rate limit: %w", context.DeadlineExceeded)
	}
	waited := time.Since(waitStart)
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if t.log.Enabled(ctx, slog.LevelDebug) {
		info, _ := ctx.Value(requestInfoKey{}).(requestInfo)
		attrs := []slog.Attr{
			slog.String("provider", t.typ),
			slog.String("op", info.op),
			slog.String("method", req.Method),
			slog.String("url", t.redact.URL(req.URL)),
			slog.Duration("duration", time.Since(start)),
		}
		if waited > time.Millisecond {
			attrs = append(attrs, slog.Duration("rate_wait", waited))
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", t.redact.String(stripURLs(err.Error()))))
		} else {
			attrs = append(attrs, slog.Int("status", resp.StatusCode))
		}
		t.log.LogAttrs(ctx, slog.LevelDebug, "http request", attrs...)
	}
	return resp, err
}
