package chat

import (
	"context"
	"github.com/chatroom/chatroom/chat/message"
	"slices"
	"strings"
	"sync"
	"time"
)

// Store keeps what must survive a restart besides the room logs: who owns
// which nick, bans and mutes, settings such as the message of the day, and
// whom each key ignores. Implementations must be safe for concurrent use.
type Store interface {
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

	// Sanctions returns every ban and mute, expired ones included.
	Sanctions(ctx context.Context) ([]Sanction, error)
	// PutSanction adds s, replacing one of the same kind and target.
	PutSanction(ctx context.Context, s Sanction) error
	// DeleteSanction removes the sanction of that kind on target, if any.
	DeleteSanction(ctx context.Context, kind SanctionKind, target string) error

	// Setting returns a named setting, "" if unset.
	Setting(ctx context.Context, name string) (string, error)
	// PutSetting sets a named setting; "" unsets it.
	PutSetting(ctx context.Context, name, value string) error

	// Ignores returns the authors owner ignores, with the nick each had.
	Ignores(ctx context.Context, owner string) ([]Ignore, error)
	// PutIgnore records that owner ignores an author.
	PutIgnore(ctx context.Context, owner string, ig Ignore) error
	// DeleteIgnore forgets that owner ignores author.
	DeleteIgnore(ctx context.Context, owner, author string) error

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

// MemoryStore is a Store held in memory, for tests and for running without
// a data folder.
type MemoryStore struct {
	mu          sync.Mutex
	owners      map[string]string
	sanctions   map[SanctionKind]map[string]Sanction
	settings    map[string]string
	ignores     map[string]map[string]Ignore
	memberships map[string][]Membership // in the order first stored
	rooms       map[string]RoomInfo
	invites     map[string]map[string]bool
}

func (s *MemoryStore) init() {
	if s.owners == nil {
		s.owners = map[string]string{}
		s.sanctions = map[SanctionKind]map[string]Sanction{Ban: {}, Mute: {}}
		s.settings = map[string]string{}
		s.ignores = map[string]map[string]Ignore{}
		s.memberships = map[string][]Membership{}
		s.rooms = map[string]RoomInfo{}
		s.invites = map[string]map[string]bool{}
	}
}

// Memberships implements Store.
func (s *MemoryStore) Memberships(_ context.Context, key string) ([]Membership, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return slices.Clone(s.memberships[key]), nil
}

// PutMembership implements Store.
func (s *MemoryStore) PutMembership(_ context.Context, key string, ms Membership) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	list := s.memberships[key]
	i := slices.IndexFunc(list, func(o Membership) bool { return o.Room == ms.Room })
	if i < 0 {
		s.memberships[key] = append(list, ms)
		return nil
	}
	ms.Cursor = max(ms.Cursor, list[i].Cursor)
	if ms.Label == "" {
		ms.Label = list[i].Label
	}
	ms.From = list[i].From
	list[i] = ms
	return nil
}

// Answered implements Store.
func (s *MemoryStore) Answered(_ context.Context, key, room string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	for i, ms := range s.memberships[key] {
		if ms.Room == room {
			s.memberships[key][i].From = ""
		}
	}
	return nil
}

// Unanswered implements Store.
func (s *MemoryStore) Unanswered(_ context.Context, from string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	n := 0
	for _, list := range s.memberships {
		for _, ms := range list {
			if from != "" && ms.From == from {
				n++
			}
		}
	}
	return n, nil
}

// SaveRead implements Store.
func (s *MemoryStore) SaveRead(_ context.Context, key, room string, cursor uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	for i, ms := range s.memberships[key] {
		if ms.Room == room {
			s.memberships[key][i].Cursor = max(ms.Cursor, cursor)
		}
	}
	return nil
}

// SaveReads implements Store.
func (s *MemoryStore) SaveReads(_ context.Context, key string, reads []Membership) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	for _, read := range reads {
		for i, ms := range s.memberships[key] {
			if ms.Room == read.Room {
				s.memberships[key][i].Cursor = max(ms.Cursor, read.Cursor)
			}
		}
	}
	return nil
}

// DeleteMembership implements Store.
func (s *MemoryStore) DeleteMembership(_ context.Context, key, room string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.memberships[key] = slices.DeleteFunc(s.memberships[key], func(o Membership) bool { return o.Room == room })
	return nil
}

// RoomInfo implements Store.
func (s *MemoryStore) RoomInfo(_ context.Context, name string) (RoomInfo, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	info, ok := s.rooms[name]
	return info, ok, nil
}

// PutRoomInfo implements Store.
func (s *MemoryStore) PutRoomInfo(_ context.Context, info RoomInfo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if old, ok := s.rooms[info.Name]; ok {
		info.Kept = info.Kept || old.Kept
		info.EmptySince = old.EmptySince
	} else {
		info.EmptySince = time.Time{}
	}
	s.rooms[info.Name] = info
	return nil
}

// MarkRoomEmpty implements Store.
func (s *MemoryStore) MarkRoomEmpty(_ context.Context, name string, since time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if info, ok := s.rooms[name]; ok {
		info.EmptySince = since
		s.rooms[name] = info
	}
	return nil
}

// RoomInfos implements Store.
func (s *MemoryStore) RoomInfos(context.Context) ([]RoomInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	var out []RoomInfo
	for _, info := range s.rooms {
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b RoomInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteRoomInfo implements Store.
func (s *MemoryStore) DeleteRoomInfo(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.rooms, name)
	delete(s.invites, name)
	for key, list := range s.memberships {
		s.memberships[key] = slices.DeleteFunc(list, func(o Membership) bool { return o.Room == name })
	}
	return nil
}

// Invite implements Store.
func (s *MemoryStore) Invite(_ context.Context, room string, keys ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if s.invites[room] == nil {
		s.invites[room] = map[string]bool{}
	}
	for _, key := range keys {
		s.invites[room][key] = true
	}
	return nil
}

// Invited implements Store.
func (s *MemoryStore) Invited(_ context.Context, room, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.invites[room][key], nil
}

// Uninvite implements Store.
func (s *MemoryStore) Uninvite(_ context.Context, room, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.invites[room], key)
	return nil
}

// NickOwner implements Store.
func (s *MemoryStore) NickOwner(_ context.Context, fold string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.owners[fold], nil
}

// ClaimNick implements Store.
func (s *MemoryStore) ClaimNick(_ context.Context, fold, _, key string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if _, ok := s.owners[fold]; !ok {
		s.owners[fold] = key
	}
	return nil
}

// ClaimNicks implements Store.
func (s *MemoryStore) ClaimNicks(_ context.Context, folds []string, _, key string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	for _, fold := range folds {
		if _, ok := s.owners[fold]; !ok {
			s.owners[fold] = key
		}
	}
	return nil
}

// ReleaseNick implements Store.
func (s *MemoryStore) ReleaseNick(_ context.Context, fold string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.owners, fold)
	return nil
}

// Sanctions implements Store.
func (s *MemoryStore) Sanctions(context.Context) ([]Sanction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	var out []Sanction
	for _, byTarget := range s.sanctions {
		for _, sn := range byTarget {
			out = append(out, sn)
		}
	}
	return out, nil
}

// PutSanction implements Store.
func (s *MemoryStore) PutSanction(_ context.Context, sn Sanction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.sanctions[sn.Kind][sn.Target] = sn
	return nil
}

// DeleteSanction implements Store.
func (s *MemoryStore) DeleteSanction(_ context.Context, kind SanctionKind, target string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.sanctions[kind], target)
	return nil
}

// Setting implements Store.
func (s *MemoryStore) Setting(_ context.Context, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.settings[name], nil
}

// PutSetting implements Store.
func (s *MemoryStore) PutSetting(_ context.Context, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if value == "" {
		delete(s.settings, name)
	} else {
		s.settings[name] = value
	}
	return nil
}

// Ignores implements Store.
func (s *MemoryStore) Ignores(_ context.Context, owner string) ([]Ignore, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	var out []Ignore
	for _, ig := range s.ignores[owner] {
		out = append(out, ig)
	}
	return out, nil
}

// PutIgnore implements Store.
func (s *MemoryStore) PutIgnore(_ context.Context, owner string, ig Ignore) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if s.ignores[owner] == nil {
		s.ignores[owner] = map[string]Ignore{}
	}
	s.ignores[owner][ig.Author] = ig
	return nil
}

// DeleteIgnore implements Store.
func (s *MemoryStore) DeleteIgnore(_ context.Context, owner, author string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.ignores[owner], author)
	return nil
}
