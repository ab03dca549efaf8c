// Package memory holds the store kept in memory: for tests, and for running
// without a data folder.
package memory

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chatroom/chatroom/store"
)

// Store is a store.Store held in memory, for tests and for running without
// a data folder.
type Store struct {
	mu          sync.Mutex
	owners      map[string]string
	sanctions   map[store.SanctionKind]map[string]store.Sanction
	settings    map[string]string
	ignores     map[string]map[string]store.Ignore
	memberships map[string][]store.Membership // in the order first stored
	rooms       map[string]store.RoomInfo
	invites     map[string]map[string]bool
}

func (s *Store) init() {
	if s.owners == nil {
		s.owners = map[string]string{}
		s.sanctions = map[store.SanctionKind]map[string]store.Sanction{store.Ban: {}, store.Mute: {}}
		s.settings = map[string]string{}
		s.ignores = map[string]map[string]store.Ignore{}
		s.memberships = map[string][]store.Membership{}
		s.rooms = map[string]store.RoomInfo{}
		s.invites = map[string]map[string]bool{}
	}
}

// Memberships implements store.Store.
func (s *Store) Memberships(_ context.Context, key string) ([]store.Membership, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return slices.Clone(s.memberships[key]), nil
}

// PutMembership implements store.Store.
func (s *Store) PutMembership(_ context.Context, key string, ms store.Membership) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	list := s.memberships[key]
	i := slices.IndexFunc(list, func(o store.Membership) bool { return o.Room == ms.Room })
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

// Answered implements store.Store.
func (s *Store) Answered(_ context.Context, key, room string) error {
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

// Unanswered implements store.Store.
func (s *Store) Unanswered(_ context.Context, from string) (int, error) {
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

// SaveRead implements store.Store.
func (s *Store) SaveRead(_ context.Context, key, room string, cursor uint64) error {
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

// SaveReads implements store.Store.
func (s *Store) SaveReads(_ context.Context, key string, reads []store.Membership) error {
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

// DeleteMembership implements store.Store.
func (s *Store) DeleteMembership(_ context.Context, key, room string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.memberships[key] = slices.DeleteFunc(s.memberships[key], func(o store.Membership) bool { return o.Room == room })
	return nil
}

// RoomInfo implements store.Store.
func (s *Store) RoomInfo(_ context.Context, name string) (store.RoomInfo, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	info, ok := s.rooms[name]
	return info, ok, nil
}

// PutRoomInfo implements store.Store.
func (s *Store) PutRoomInfo(_ context.Context, info store.RoomInfo) error {
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

// MarkRoomEmpty implements store.Store.
func (s *Store) MarkRoomEmpty(_ context.Context, name string, since time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if info, ok := s.rooms[name]; ok {
		info.EmptySince = since
		s.rooms[name] = info
	}
	return nil
}

// RoomInfos implements store.Store.
func (s *Store) RoomInfos(context.Context) ([]store.RoomInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	var out []store.RoomInfo
	for _, info := range s.rooms {
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b store.RoomInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteRoomInfo implements store.Store.
func (s *Store) DeleteRoomInfo(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.rooms, name)
	delete(s.invites, name)
	for key, list := range s.memberships {
		s.memberships[key] = slices.DeleteFunc(list, func(o store.Membership) bool { return o.Room == name })
	}
	return nil
}

// Invite implements store.Store.
func (s *Store) Invite(_ context.Context, room string, keys ...string) error {
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

// Invited implements store.Store.
func (s *Store) Invited(_ context.Context, room, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.invites[room][key], nil
}

// Uninvite implements store.Store.
func (s *Store) Uninvite(_ context.Context, room, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.invites[room], key)
	return nil
}

// NickOwner implements store.Store.
func (s *Store) NickOwner(_ context.Context, fold string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.owners[fold], nil
}

// ClaimNick implements store.Store.
func (s *Store) ClaimNick(_ context.Context, fold, _, key string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if _, ok := s.owners[fold]; !ok {
		s.owners[fold] = key
	}
	return nil
}

// ClaimNicks implements store.Store.
func (s *Store) ClaimNicks(_ context.Context, folds []string, _, key string, _ time.Time) error {
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

// ReleaseNick implements store.Store.
func (s *Store) ReleaseNick(_ context.Context, fold string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.owners, fold)
	return nil
}

// Sanctions implements store.Store.
func (s *Store) Sanctions(context.Context) ([]store.Sanction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	var out []store.Sanction
	for _, byTarget := range s.sanctions {
		for _, sn := range byTarget {
			out = append(out, sn)
		}
	}
	return out, nil
}

// PutSanction implements store.Store.
func (s *Store) PutSanction(_ context.Context, sn store.Sanction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.sanctions[sn.Kind][sn.Target] = sn
	return nil
}

// DeleteSanction implements store.Store.
func (s *Store) DeleteSanction(_ context.Context, kind store.SanctionKind, target string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.sanctions[kind], target)
	return nil
}

// Setting implements store.Store.
func (s *Store) Setting(_ context.Context, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	return s.settings[name], nil
}

// PutSetting implements store.Store.
func (s *Store) PutSetting(_ context.Context, name, value string) error {
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

// Ignores implements store.Store.
func (s *Store) Ignores(_ context.Context, owner string) ([]store.Ignore, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	var out []store.Ignore
	for _, ig := range s.ignores[owner] {
		out = append(out, ig)
	}
	return out, nil
}

// PutIgnore implements store.Store.
func (s *Store) PutIgnore(_ context.Context, owner string, ig store.Ignore) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if s.ignores[owner] == nil {
		s.ignores[owner] = map[string]store.Ignore{}
	}
	s.ignores[owner][ig.Author] = ig
	return nil
}

// DeleteIgnore implements store.Store.
func (s *Store) DeleteIgnore(_ context.Context, owner, author string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.ignores[owner], author)
	return nil
}

var _ store.Store = (*Store)(nil)
