package proxmox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// upidNode returns the node that runs a task, the second field of its
// UPID ("UPID:pve1:0000A1B2:0012C3D4:66A1B2C3:qmdestroy:105:root@pam:").
func upidNode(upid string) (string, bool) {
	parts := strings.Split(upid, ":")
	if len(parts) < 8 || parts[0] != "UPID" || parts[1] == "" {
		return "", false
	}
	return parts[1], true
}

// wait polls GET /nodes/{node}/tasks/{upid}/status until the task stops,
// within ctx (or Config.TaskTimeout when ctx has no deadline). A task that
// stops with an exit status other than "OK" (or "WARNINGS: n", a success
// with warnings) is an error carrying that status, with the sentinel its
// wording carries (textCause).
func (c *Client) wait(ctx context.Context, op, what, upid string) error {
	node, ok := upidNode(upid)
	if !ok {
		return &provider.APIError{Type: typeName, Op: op, Message: fmt.Sprintf("%s: the answer %q is not a task id (UPID)", what, upid)}
	}
	if _, has := ctx.Deadline(); !has {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.TaskTimeout)
		defer cancel()
	}
	var timer *time.Timer
	for {
		t, err := get[task](ctx, c, call{
			op: op, path: "/nodes/" + node + "/tasks/" + upid + "/status",
			idempotent: true, what: what + ": task status",
		})
		if err != nil {
			if ctx.Err() != nil {
				return &provider.APIError{Type: typeName, Op: op, Err: ctx.Err(),
					Message: fmt.Sprintf("%s: task %s still running: %v", what, upid, ctx.Err())}
			}
			return err
		}
		if t.Status != "running" {
			exit := strings.TrimSpace(t.ExitStatus)
			if exit == "OK" || strings.HasPrefix(exit, "WARNINGS") {
				return nil
			}
			cause := textCause(exit)
			if exit == "" {
				exit = "no exit status (task state " + t.Status + ")"
			}
			return &provider.APIError{Type: typeName, Op: op, Code: t.Type,
				Message: c.hc.Redactor().String(fmt.Sprintf("%s: task %s failed: %s", what, upid, exit)), Err: cause}
		}
		if timer == nil {
			timer = time.NewTimer(c.cfg.PollInterval)
			defer timer.Stop()
		} else {
			timer.Reset(c.cfg.PollInterval)
		}
		select {
		case <-ctx.Done():
			return &provider.APIError{Type: typeName, Op: op, Err: ctx.Err(),
				Message: fmt.Sprintf("%s: task %s still running: %v", what, upid, ctx.Err())}
		case <-timer.C:
		}
	}
}
