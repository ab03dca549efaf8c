package storetest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// Faulty is a Store and a History whose writes a test can make fail, as a
// full disk or a failing database does, while reads go on working (they do
// on a full disk). Use one value for both chat.Options.Store and .History.
type Faulty struct {
	store.Store
	store.History

	mu     sync.Mutex
	err    error
	only   []string // the writes that fail; all if empty
	failed int
}

var (
	_ store.Store   = (*Faulty)(nil)
	_ store.History = (*Faulty)(nil)
)

// FailWrites makes every write from now on fail with err, or only those
// named in only ("Invite", "Append"); nil lets them succeed again.
func (f *Faulty) FailWrites(err error, only ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.only = err, only
}

// Failed is how many writes have failed.
func (f *Faulty) Failed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// write returns the error the write called name fails with now, counting
// the failure.
func (f *Faulty) write(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil || len(f.only) > 0 && !slices.Contains(f.only, name) {
		return nil
	}
	f.failed++
	return f.err
}

// ClaimNick implements store.Store.
func (f *Faulty) ClaimNick(ctx context.Context, fold, nick, key string, at time.Time) error {
	if err := f.write("ClaimNick"); err != nil {
		return err
	}
	return f.Store.ClaimNick(ctx, fold, nick, key, at)
}

// ClaimNicks implements store.Store.
func (f *Faulty) ClaimNicks(ctx context.Context, folds []string, nick, key string, at time.Time) error {
	if err := f.write("ClaimNicks"); err != nil {
		return err
	}
	return f.Store.ClaimNicks(ctx, folds, nick, key, at)
}

// ReleaseNick implements store.Store.
func (f *Faulty) ReleaseNick(ctx context.Context, fold string) error {
	if err := f.write("ReleaseNick"); err != nil {
		return err
	}
	return f.Store.ReleaseNick(ctx, fold)
}

// PutSanction implements store.Store.
func (f *Faulty) PutSanction(ctx context.Context, s store.Sanction) error {
	if err := f.write("PutSanction"); err != nil {
		return err
	}
	return f.Store.PutSanction(ctx, s)
}

// DeleteSanction implements store.Store.
func (f *Faulty) DeleteSanction(ctx context.Context, kind store.SanctionKind, target string) error {
	if err := f.write("DeleteSanction"); err != nil {
		return err
	}
	return f.Store.DeleteSanction(ctx, kind, target)
}

// PutSetting implements store.Store.
func (f *Faulty) PutSetting(ctx context.Context, name, value string) error {
	if err := f.write("PutSetting"); err != nil {
		return err
	}
	return f.Store.PutSetting(ctx, name, value)
}

// PutIgnore implements store.Store.
func (f *Faulty) PutIgnore(ctx context.Context, owner string, ig store.Ignore) error {
	if err := f.write("PutIgnore"); err != nil {
		return err
	}
	return f.Store.PutIgnore(ctx, owner, ig)
}

// DeleteIgnore implements store.Store.
func (f *Faulty) DeleteIgnore(ctx context.Context, owner, author string) error {
	if err := f.write("DeleteIgnore"); err != nil {
		return err
	}
	return f.Store.DeleteIgnore(ctx, owner, author)
}

// PutMembership implements store.Store.
func (f *Faulty) PutMembership(ctx context.Context, key string, ms store.Membership) error {
	if err := f.write("PutMembership"); err != nil {
		return err
	}
	return f.Store.PutMembership(ctx, key, ms)
}

// Answered implements store.Store.
func (f *Faulty) Answered(ctx context.Context, key, rm string) error {
	if err := f.write("Answered"); err != nil {
		return err
	}
	return f.Store.Answered(ctx, key, rm)
}

// MarkRoomEmpty implements store.Store.
func (f *Faulty) MarkRoomEmpty(ctx context.Context, name string, since time.Time) error {
	if err := f.write("MarkRoomEmpty"); err != nil {
		return err
	}
	return f.Store.MarkRoomEmpty(ctx, name, since)
}

// SaveRead implements store.Store.
func (f *Faulty) SaveRead(ctx context.Context, key, rm string, cursor uint64) error {
	if err := f.write("SaveRead"); err != nil {
		return err
	}
	return f.Store.SaveRead(ctx, key, rm, cursor)
}

// SaveReads implements store.Store.
func (f *Faulty) SaveReads(ctx context.Context, key string, reads []store.Membership) error {
	if err := f.write("SaveReads"); err != nil {
		return err
	}
	return f.Store.SaveReads(ctx, key, reads)
}

// DeleteMembership implements store.Store.
func (f *Faulty) DeleteMembership(ctx context.Context, key, rm string) error {
	if err := f.write("DeleteMembership"); err != nil {
		return err
	}
	return f.Store.DeleteMembership(ctx, key, rm)
}

// PutRoomInfo implements store.Store.
func (f *Faulty) PutRoomInfo(ctx context.Context, info store.RoomInfo) error {
	if err := f.write("PutRoomInfo"); err != nil {
		return err
	}
	return f.Store.PutRoomInfo(ctx, info)
}

// DeleteRoomInfo implements store.Store.
func (f *Faulty) DeleteRoomInfo(ctx context.Context, name string) error {
	if err := f.write("DeleteRoomInfo"); err != nil {
		return err
	}
	return f.Store.DeleteRoomInfo(ctx, name)
}

// Invite implements store.Store.
func (f *Faulty) Invite(ctx context.Context, rm string, keys ...string) error {
	if err := f.write("Invite"); err != nil {
		return err
	}
	return f.Store.Invite(ctx, rm, keys...)
}

// Uninvite implements store.Store.
func (f *Faulty) Uninvite(ctx context.Context, rm, key string) error {
	if err := f.write("Uninvite"); err != nil {
		return err
	}
	return f.Store.Uninvite(ctx, rm, key)
}

// Append implements store.History.
func (f *Faulty) Append(ctx context.Context, rm string, m message.Message) error {
	if err := f.write("Append"); err != nil {
		return err
	}
	return f.History.Append(ctx, rm, m)
}

// Prune implements store.History.
func (f *Faulty) Prune(ctx context.Context, rm string, before time.Time, keep int) (int, error) {
	if err := f.write("Prune"); err != nil {
		return 0, err
	}
	return f.History.Prune(ctx, rm, before, keep)
}

// DeleteRoom implements store.History.
func (f *Faulty) DeleteRoom(ctx context.Context, rm string) error {
	if err := f.write("DeleteRoom"); err != nil {
		return err
	}
	return f.History.DeleteRoom(ctx, rm)
}
