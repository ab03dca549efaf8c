package chat

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// notStored is a line a person typed that was refused because it could
// not be stored. It reads as ErrNotStored, for its author, and keeps the
// cause for errors.Is.
type notStored struct{ cause error }

func (e notStored) Error() string   { return ErrNotStored.Error() }
func (e notStored) Unwrap() []error { return []error{ErrNotStored, e.cause} }

// WriteError is a write to the store or history that failed. The hub has
// told its Logger (once per outage, then once a minute), so whoever gets
// one back need not log it again.
type WriteError struct{ Err error }

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// storeRetell is how often a write outage is logged again while it lasts.
const storeRetell = time.Minute

// writeWatch follows whether writes to the store and history succeed, and
// tells the operator when that changes: the first failure with its cause,
// then at most one line a minute while writes keep failing (a full disk
// fails every write, and a line per message would bury the log), and one
// line when they succeed again. Every write goes through it: NewHub wraps
// the store and the history.
type writeWatch struct {
	log Logger
	now func() time.Time
	// obs, if not nil, is told how long each write took.
	obs Observer

	// failing is read without mu, so that a write that succeeds while
	// all is well, nearly every write, takes no lock shared by all rooms.
	failing atomic.Bool

	mu       sync.Mutex
	since    time.Time // first failure of this outage
	told     time.Time // last line logged about it
	failures int       // in this outage
	untold   int       // since the last line
}

// start is called as a write begins, and its result given to done: the
// watched methods call it in done's argument list, before the write,
// since Go evaluates the calls of an argument list left to right. Without
// an Observer nobody wants the time, and the clock is not read.
func (w *writeWatch) start() time.Time {
	if w.obs == nil {
		return time.Time{}
	}
	return time.Now()
}

// done records how a write begun at start ended and returns its error, as
// a *WriteError.
func (w *writeWatch) done(start time.Time, err error) error {
	if !start.IsZero() {
		// The real clock, not w.now: this measures the disk, not the
		// hub's notion of the time of day.
		w.obs.StoreWrite(time.Since(start))
	}
	if err == nil && !w.failing.Load() {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // stopped, not failed: says nothing of the store
	}
	now := w.now()
	w.mu.Lock()
	if err == nil {
		if !w.failing.Load() {
			w.mu.Unlock()
			return nil
		}
		failures, lasted := w.failures, now.Sub(w.since)
		w.failing.Store(false)
		w.failures, w.untold = 0, 0
		w.mu.Unlock()
		w.log.Info("store writes succeed again", "failed_writes", failures, "after", lasted.Round(time.Second))
		return nil
	}
	w.failures++
	w.untold++
	first := !w.failing.Load()
	retell := !first && now.Sub(w.told) >= storeRetell
	if first {
		w.failing.Store(true)
		w.since = now
	}
	untold, lasted := w.untold, now.Sub(w.since)
	if first || retell {
		w.told, w.untold = now, 0
	}
	w.mu.Unlock()
	// Logged outside the lock: writers in other rooms need it.
	switch {
	case first:
		w.log.Error("store writes failing: typed messages are refused until they succeed; joins, leaves and nick changes go on, unrecorded",
			"err", err)
	case retell:
		w.log.Error("store writes still failing", "failed_writes", untold, "for", lasted.Round(time.Second), "err", err)
	}
	return &WriteError{Err: err}
}

// nopLogger is the Logger of a hub given none.
type nopLogger struct{}

func (nopLogger) Error(any, ...any) {}
func (nopLogger) Info(any, ...any)  {}

// watchedStore is a Store whose writes go through a writeWatch. Reads pass
// through the embedded Store. A write method added to Store must be added
// here too (TestEveryWriteIsWatched says so if it is not).
type watchedStore struct {
	store.Store
	w *writeWatch
}

func (s watchedStore) ClaimNick(ctx context.Context, fold, nick, key string, at time.Time) error {
	return s.w.done(s.w.start(), s.Store.ClaimNick(ctx, fold, nick, key, at))
}

func (s watchedStore) ClaimNicks(ctx context.Context, folds []string, nick, key string, at time.Time) error {
	return s.w.done(s.w.start(), s.Store.ClaimNicks(ctx, folds, nick, key, at))
}

func (s watchedStore) SaveReads(ctx context.Context, key string, reads []store.Membership) error {
	return s.w.done(s.w.start(), s.Store.SaveReads(ctx, key, reads))
}

func (s watchedStore) ReleaseNick(ctx context.Context, fold string) error {
	return s.w.done(s.w.start(), s.Store.ReleaseNick(ctx, fold))
}

func (s watchedStore) PutSanction(ctx context.Context, sn store.Sanction) error {
	return s.w.done(s.w.start(), s.Store.PutSanction(ctx, sn))
}

func (s watchedStore) DeleteSanction(ctx context.Context, kind store.SanctionKind, target string) error {
	return s.w.done(s.w.start(), s.Store.DeleteSanction(ctx, kind, target))
}

func (s watchedStore) PutSetting(ctx context.Context, name, value string) error {
	return s.w.done(s.w.start(), s.Store.PutSetting(ctx, name, value))
}

func (s watchedStore) PutIgnore(ctx context.Context, owner string, ig store.Ignore) error {
	return s.w.done(s.w.start(), s.Store.PutIgnore(ctx, owner, ig))
}

func (s watchedStore) DeleteIgnore(ctx context.Context, owner, author string) error {
	return s.w.done(s.w.start(), s.Store.DeleteIgnore(ctx, owner, author))
}

func (s watchedStore) PutMembership(ctx context.Context, key string, ms store.Membership) error {
	return s.w.done(s.w.start(), s.Store.PutMembership(ctx, key, ms))
}

func (s watchedStore) Answered(ctx context.Context, key, room string) error {
	return s.w.done(s.w.start(), s.Store.Answered(ctx, key, room))
}

func (s watchedStore) MarkRoomEmpty(ctx context.Context, name string, since time.Time) error {
	return s.w.done(s.w.start(), s.Store.MarkRoomEmpty(ctx, name, since))
}

func (s watchedStore) SaveRead(ctx context.Context, key, room string, cursor uint64) error {
	return s.w.done(s.w.start(), s.Store.SaveRead(ctx, key, room, cursor))
}

func (s watchedStore) DeleteMembership(ctx context.Context, key, room string) error {
	return s.w.done(s.w.start(), s.Store.DeleteMembership(ctx, key, room))
}

func (s watchedStore) PutRoomInfo(ctx context.Context, info store.RoomInfo) error {
	return s.w.done(s.w.start(), s.Store.PutRoomInfo(ctx, info))
}

func (s watchedStore) DeleteRoomInfo(ctx context.Context, name string) error {
	return s.w.done(s.w.start(), s.Store.DeleteRoomInfo(ctx, name))
}

func (s watchedStore) Invite(ctx context.Context, room string, keys ...string) error {
	return s.w.done(s.w.start(), s.Store.Invite(ctx, room, keys...))
}

func (s watchedStore) Uninvite(ctx context.Context, room, key string) error {
	return s.w.done(s.w.start(), s.Store.Uninvite(ctx, room, key))
}

// watchedHistory is a History whose writes go through a writeWatch, as
// watchedStore.
type watchedHistory struct {
	store.History
	w *writeWatch
}

func (h watchedHistory) Append(ctx context.Context, room string, m message.Message) error {
	return h.w.done(h.w.start(), h.History.Append(ctx, room, m))
}

func (h watchedHistory) Prune(ctx context.Context, room string, before time.Time, keep int) (int, error) {
	start := h.w.start()
	n, err := h.History.Prune(ctx, room, before, keep)
	return n, h.w.done(start, err)
}

func (h watchedHistory) DeleteRoom(ctx context.Context, room string) error {
	return h.w.done(h.w.start(), h.History.DeleteRoom(ctx, room))
}
