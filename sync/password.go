package sync

import (
	"context"
	"crypto/rand"
	"strings"

	"github.com/accountsync/accountsync/provider"
)

// welcome finishes an import: a new password set on the server and mailed
// when setter is set (Options.ResetPassword), then the e-mails the plan
// asks for. note is the notification with everything but its kind.
func (x *applier) welcome(ctx context.Context, a *Action, setter provider.PasswordSetter, acct *provider.Account, note Notification) error {
	id := note.ServiceID
	if setter != nil {
		pw := newPassword()
		if err := setter.SetPassword(ctx, *acct, pw); err != nil {
			return errorf(a, "service %s created, but setting the new password failed: %w", id, err)
		}
		n := note
		n.Kind, n.Password = NotificationKindNewPassword, pw
		if err := x.e.Notifier.Notify(ctx, n); err != nil {
			return errorf(a, "service %s created and password reset, but the new-password e-mail failed: %w", id, err)
		}
	}
	for _, k := range []NotificationKind{NotificationKindWelcome, NotificationKindHostingDetails} {
		if (k == NotificationKindWelcome && a.Emails.Welcome) || (k == NotificationKindHostingDetails && a.Emails.HostingDetails) {
			n := note
			n.Kind = k
			if err := x.e.Notifier.Notify(ctx, n); err != nil {
				return errorf(a, "service %s created, but the %s e-mail failed: %w", id, k, err)
			}
		}
	}
	return nil
}

// newPassword returns 20 random letters and digits, with at least one
// lower-case letter, one upper-case letter and one digit, from an alphabet
// without look-alikes.
func newPassword() string {
	const (
		lower  = "abcdefghijkmnopqrstuvwxyz"
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits = "23456789"
		all    = lower + upper + digits
	)
	for {
		b := make([]byte, 20)
		raw := make([]byte, 64)
		rand.Read(raw) // never fails
		n := 0
		for _, r := range raw {
			if int(r) < 256-256%len(all) && n < len(b) {
				b[n] = all[int(r)%len(all)]
				n++
			}
		}
		if n == len(b) && strings.ContainsAny(string(b), lower) && strings.ContainsAny(string(b), upper) && strings.ContainsAny(string(b), digits) {
			return string(b)
		}
	}
}
