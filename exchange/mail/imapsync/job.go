package imapsync

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/partnerhub/partnerhub/internal/jobs"
	"github.com/partnerhub/partnerhub/partners"
)

// JobKind is the kind of the jobs that sync a mailbox.
const JobKind = "mail.sync"

type jobPayload struct {
	Mailbox int64 `json:"mailbox_id"`
}

// SyncLater queues a sync of a mailbox as a job (claimed with FOR UPDATE SKIP
// LOCKED, so several hub instances share the work) and returns its id. Admins
// only. Errors: Forbidden, NotFound.
func (s *Service) SyncLater(ctx context.Context, a partners.Actor, id int64) (int64, error) {
	if err := a.Require(partners.Admin); err != nil {
		return 0, err
	}
	var job int64
	err := s.DB.Tx(ctx, a.Scope(), func(tx *sqlx.Tx) error {
		if _, err := mailbox(ctx, tx, a, id, false); err != nil {
			return err
		}
		var err error
		job, err = jobs.Enqueue(ctx, tx, a.Network, a.Org, JobKind, jobPayload{Mailbox: id})
		return err
	})
	return job, err
}

// Handler runs a queued sync, for the mailbox's organization.
func (s *Service) Handler() jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var p jobPayload
		if err := json.Unmarshal(j.Payload, &p); err != nil || p.Mailbox <= 0 || j.Org == nil {
			return fmt.Errorf("mail sync job %d: bad payload %s", j.ID, j.Payload)
		}
		a := partners.Actor{Network: j.Network, Org: *j.Org, Role: partners.Admin, Name: "mail sync"}
		_, err := s.Sync(ctx, a, p.Mailbox)
		return err
	}
}
