package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

type requestInfoKey struct{}

// requestInfo travels in the request's context, because CheckRetry sees
// no request when the transport failed.
type requestInfo struct {
	idempotent bool
	op         string
}

// checkRetry is the operation-aware retry policy.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	info, _ := ctx.Value(requestInfoKey{}).(requestInfo)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || !retryableTransportError(err) {
			return false, err
		}
		// A refused or failed dial never reached the server, so even a
		// mutation is safe to send again.
		if info.idempotent || neverSent(err) {
			return true, err
		}
		return false, err
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		// The server refused the work; waiting is the point, up to a bound.
		if d, ok := retryAfter(resp.Header); ok && d > c.maxRA {
			return false, nil
		}
		return true, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return false, nil
	case info.idempotent && resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// retryableTransportError reports whether a failure without a response may
// pass on its own: not a certificate problem, a pin mismatch, a refused
// redirect or an oversized body, which fail the same way every time.
func retryableTransportError(err error) bool {
	var (
		tooLarge    *bodyTooLargeError
		pin         *PinError
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		recordErr   tls.RecordHeaderError
		redirect    *RedirectError
	)
	switch {
	case errors.As(err, &tooLarge), errors.As(err, &pin), errors.As(err, &certErr),
		errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidErr),
		errors.As(err, &recordErr), errors.As(err, &redirect):
		return false
	}
	return true
}

// neverSent reports whether the request provably did not reach the
// server: the connection was refused, or the dial failed before any byte
// was written.
func neverSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t)), true
	}
	return 0, false
}
