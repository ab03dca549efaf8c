// Package store says what chatroom keeps across restarts, one interface per
// kind of record, so that a part of the domain can ask for only the records it
// uses and every implementation (memory, sqlite) passes one contract suite
// (storetest).
package store

import (
	"context"
	"time"

	"github.com/chatroom/chatroom/chat/message"
)

// Store keeps what must survive a restart besides the room logs (History):
// one interface per kind of record, so that a part of the domain or a test
// double can take only what it uses. Implementations must be safe for
// concurrent use.
type Store interface {
	NickStore
	SanctionStore
	SettingStore
	IgnoreStore
	MembershipStore
	RoomStore
	InviteStore
}

// NickStore records who owns which nick.
type NickStore interface {
	// NickOwner returns the key that owns the nick whose comparison key is
	// fold, or "" if nobody does.
	NickOwner(ctx context.Context, fold string) (string, error)
	// ClaimNick records key as the owner of nick unless it has an owner.
	ClaimNick(ctx context.Context, fold, nick, key string, at time.Time) error
	// ClaimNicks does ClaimNick for each of folds (the comparison keys
	// of one nick), in one transaction: all are recorded or none.
	ClaimNicks(ctx context.Context, folds []string, nick, key string, at time.Time) error
	// ReleaseNick forgets who owns the nick with comparison key fold.
	ReleaseNick(ctx context.Context, fold string) error
}

// SanctionStore records bans and mutes.
type SanctionStore interface {
	// Sanctions returns every ban and mute, expired ones included.
	Sanctions(ctx context.Context) ([]Sanction, error)
	// PutSanction adds s, replacing one of the same kind and target.
	PutSanction(ctx context.Context, s Sanction) error
	// DeleteSanction removes the sanction of that kind on target, if any.
	DeleteSanction(ctx context.Context, kind SanctionKind, target string) error
}

// SettingStore records named settings: the message of the day, and each
// key's preferences ("quiet:KEY", "highlight:KEY").
type SettingStore interface {
	// Setting returns a named setting, "" if unset.
	Setting(ctx context.Context, name string) (string, error)
	// PutSetting sets a named setting; "" unsets it.
	PutSetting(ctx context.Context, name, value string) error
}

// IgnoreStore records whom each key ignores.
type IgnoreStore interface {
	// Ignores returns the authors owner ignores, with the nick each had.
	Ignores(ctx context.Context, owner string) ([]Ignore, error)
	// PutIgnore records that owner ignores an author.
	PutIgnore(ctx context.Context, owner string, ig Ignore) error
	// DeleteIgnore forgets that owner ignores author.
	DeleteIgnore(ctx context.Context, owner, author string) error
}

// MembershipStore records which rooms each key is in and how far it read.
type MembershipStore interface {
	// Memberships returns the rooms key was in, to rejoin them, in the
	// order it first entered them.
	Memberships(ctx context.Context, key string) ([]Membership, error)
	// PutMembership records that key is in a room. A read position only
	// ever moves forward (two sessions of one key may report different
	// ones); an empty label keeps the one recorded. From is recorded only
	// with a new membership: putting one again never changes whose doing
	// it was (Answered does).
	PutMembership(ctx context.Context, key string, ms Membership) error
	// Answered records that key wrote in room: a membership someone else
	// opened (From) is key's own from then on.
	Answered(ctx context.Context, key, room string) error
	// Unanswered counts the memberships whose From is from: the people
	// from opened a conversation with who have not written in it.
	Unanswered(ctx context.Context, from string) (int, error)
	// SaveRead moves key's read position in room forward to cursor, if key
	// is still recorded as in room: it never brings back a room left.
	SaveRead(ctx context.Context, key, room string, cursor uint64) error
	// SaveReads does SaveRead for the Room and Cursor of each of reads, in
	// one transaction: a session that ends saves all its rooms or none.
	SaveReads(ctx context.Context, key string, reads []Membership) error
	// DeleteMembership records that key left a room.
	DeleteMembership(ctx context.Context, key, room string) error
}

// RoomStore records each room's settings.
type RoomStore interface {
	// RoomInfo returns what is known of a room; ok is false for a room
	// never set up.
	RoomInfo(ctx context.Context, name string) (info RoomInfo, ok bool, err error)
	// PutRoomInfo stores a room's settings. Kept, once set, stays set;
	// EmptySince is left as it was (MarkRoomEmpty sets it).
	PutRoomInfo(ctx context.Context, info RoomInfo) error
	// MarkRoomEmpty records since when a room has stood empty; the zero
	// time means it is in use again. It does nothing for an unknown room.
	MarkRoomEmpty(ctx context.Context, name string, since time.Time) error
	// RoomInfos returns every room set up.
	RoomInfos(ctx context.Context) ([]RoomInfo, error)
	// DeleteRoomInfo forgets a room: its settings, invitations and
	// memberships.
	DeleteRoomInfo(ctx context.Context, name string) error
}

// InviteStore records who is invited to invite-only rooms.
type InviteStore interface {
	// Invite lets keys into an invite-only room, in one transaction: all
	// of them or none.
	Invite(ctx context.Context, room string, keys ...string) error
	// Invited reports whether key was invited to room.
	Invited(ctx context.Context, room, key string) (bool, error)
	// Uninvite withdraws key's invitation to room.
	Uninvite(ctx context.Context, room, key string) error
}

// Membership is one room a key was in and how far it had read.
type Membership struct {
	Room   string
	Cursor uint64
	// Label is what the room is called for this key: a direct
	// conversation is named after the other person.
	Label string
	// From is, for a direct conversation the other person opened and
	// this key has not written in since, that person's author id; "" for
	// rooms and conversations the key entered or took part in. Those are
	// reopened first, and how many others may add is bounded.
	From string
}

// RoomInfo is a room's settings.
type RoomInfo struct {
	Name       string
	Topic      string
	InviteOnly bool
	// Kept says an operator owns the room: one made it, set its topic or
	// made it invite-only. A kept room stays when empty; others go once
	// they have stood empty (no chat messages left, nobody in it) for a
	// day.
	Kept bool
	// EmptySince is when the room was first seen empty, the zero time
	// while it is in use.
	EmptySince time.Time
}

// SanctionKind is a ban or a mute.
type SanctionKind string

// The kinds of sanction.
const (
	Ban  SanctionKind = "ban"
	Mute SanctionKind = "mute"
)

// Sanction is a ban or mute of one key or one address.
type Sanction struct {
	Kind SanctionKind
	// Target is a key fingerprint ("SHA256:...") or an IP address.
	Target string
	// Addr is, for a key's ban, the address the key was at: connections
	// from there without a key are refused too, so that dropping the key
	// is not a way round the ban.
	Addr string
	// Nick is who the target was known as, for people reading lists.
	Nick   string
	Reason string
	// By is the nick of the operator who imposed it.
	By    string
	Since time.Time
	// Until is when it ends; the zero time means never.
	Until time.Time
}

// Active reports whether s is in force at now.
func (s Sanction) Active(now time.Time) bool {
	return s.Until.IsZero() || now.Before(s.Until)
}

// TargetIsKey reports whether the target is a key rather than an address.
func (s Sanction) TargetIsKey() bool { return message.IsKey(s.Target) }

// Ignore is one author a member does not want to see.
type Ignore struct {
	Author string
	Nick   string
}
