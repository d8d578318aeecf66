package backup

import (
	"context"
	"time"

	"github.com/avrdata/avrdata/store"
)

// auditTimeout bounds the writing of an audit event, which happens even
// when the operation's context was cancelled.
const auditTimeout = 10 * time.Second

// Auditor appends audit events; *store.Store is one.
type Auditor interface {
	Audit(ctx context.Context, e store.Event) error
}

// audit appends e through a (when not nil), also after ctx was cancelled:
// a failed or interrupted operation is audited too.
func audit(ctx context.Context, a Auditor, e store.Event) error {
	if a == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	return a.Audit(ctx, e)
}

func outcome(err error) string {
	if err != nil {
		return "failed"
	}
	return "ok"
}
