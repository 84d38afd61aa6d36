// Package httpx is the one HTTP stack every panel client uses.
//
// A [Client] sends [Request]s to one server and returns whole, size-capped
// [Response]s. Behind it:
//
//   - go-retryablehttp, with an operation-aware policy: reads (Request.Idempotent)
//     retry on transport errors, 429 and 5xx, honouring Retry-After; mutations
//     retry only when the request provably never reached the server (the
//     connection was refused, or the server answered 429). 401 and 403 are never
//     retried, because panels lock out addresses that keep failing to log in.
//     An attempt that runs past Config.Timeout is not retried either: a panel
//     that took that long once would, retried, multiply the wait; the error
//     is transient, for the caller's next run.
//   - a RoundTripper that waits on an x/time/rate limiter before every attempt,
//     retries included, so the budget per server holds under retries.
//   - one redirect policy, set on the http.Client whatever the caller's
//     says: a redirect to another origin (scheme, host or port) is an
//     error naming the target (without its query string), and nothing is
//     sent there, neither headers nor body. Within the origin a redirect
//     is followed when the request survives it unchanged: any redirect of
//     a GET, and a 307 or 308 of any method (the same method and body go
//     to the same server). A 301, 302 or 303 answering a POST, PUT or
//     DELETE is an error: following it would silently turn the call into
//     a GET without its body, whose answer is not the call's.
//   - TLS verification on by default; Config.CertSHA256 pins a (self-signed)
//     leaf certificate; Config.InsecureSkipVerify is the explicit opt-out.
//   - log/slog logging at debug level, one line per attempt, with credentials
//     redacted from URLs and bodies; a nil Logger discards.
//   - errors built as *provider.APIError, with secrets removed.
package httpx
