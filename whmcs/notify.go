package whmcs

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// DefaultWelcomeTemplate is the stock WHMCS product template the welcome
// and new-password notifications send unless StoreConfig.Templates names
// another: it shows the service's username and password.
const DefaultWelcomeTemplate = "Hosting Account Welcome Email"

// template returns the template of a notification kind and whether one is
// set ("" sends nothing).
func (s *Store) template(k acsync.NotificationKind) (string, bool) {
	if t, ok := s.cfg.Templates[k]; ok {
		return strings.TrimSpace(t), true
	}
	switch k {
	case acsync.NotificationKindWelcome, acsync.NotificationKindNewPassword:
		return DefaultWelcomeTemplate, true
	}
	return "", false
}

// Notify sends the e-mail a notification asks for. A new-password
// notification first stores the password on the service with
// UpdateClientProduct (servicepassword, which WHMCS encrypts), so that the
// client area and the template show it; then every kind sends its
// template (see StoreConfig.Templates) with SendEmail for the service.
// The password is never in an error or log line.
func (s *Store) Notify(ctx context.Context, n acsync.Notification) error {
	const op = "notify"
	if err := ctx.Err(); err != nil {
		return &provider.APIError{Type: "whmcs", Op: op, Err: err}
	}
	if _, ok := text(n.ServiceID).id(); !ok {
		return s.c.http.Error(op, nil, "", fmt.Sprintf("%s e-mail for %s: no service ID", n.Kind, n.Key), nil)
	}
	tpl, ok := s.template(n.Kind)
	if !ok {
		return s.c.http.Error(op, nil, "", fmt.Sprintf("%s e-mail for %s: no template is set for %q notifications (StoreConfig.Templates)", n.Kind, n.Key, n.Kind), provider.ErrNotSupported)
	}
	if n.Kind == acsync.NotificationKindNewPassword {
		if n.Password == "" {
			return s.c.http.Error(op, nil, "", "new-password e-mail for "+n.Key+": no password", nil)
		}
		if _, err := s.own(ctx, op, n.ServiceID); err != nil {
			return err
		}
		err := s.c.call(ctx, op, "UpdateClientProduct", url.Values{"serviceid": {n.ServiceID}, "servicepassword": {n.Password}}, nil, n.Password)
		if err != nil {
			return err
		}
	}
	if tpl == "" {
		return nil
	}
	return s.c.call(ctx, op, "SendEmail", url.Values{"messagename": {tpl}, "id": {n.ServiceID}}, nil, n.Password)
}

// Record writes the entry to WHMCS's activity log with LogActivity,
// prefixed "accountsync: server <ID>:".
func (s *Store) Record(ctx context.Context, e acsync.Entry) error {
	const op = "record"
	d := fmt.Sprintf("accountsync: server %s: %s %s", s.cfg.ServerID, e.Kind, e.Key)
	if e.ServiceID != "" {
		d += " (service " + e.ServiceID + ")"
	}
	d += ": " + string(e.Outcome)
	if e.Message != "" {
		d += ": " + e.Message
	}
	return s.c.call(ctx, op, "LogActivity", url.Values{"description": {d}}, nil)
}
