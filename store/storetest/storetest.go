// Package storetest is the contract every store.Store and store.History
// implementation must meet. Each implementation's tests call Run with a constructor.
package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chatroom/chatroom/store"
)

// Run checks a Store. open returns a fresh, empty store; reopen, if not nil,
// returns the same store as a restarted daemon would see it.
func Run(t *testing.T, open func(t *testing.T) store.Store, reopen func(t *testing.T, s store.Store) store.Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

	t.Run("nick owners", func(t *testing.T) {
		s := open(t)
		if owner, err := s.NickOwner(ctx, "alice"); err != nil || owner != "" {
			t.Fatalf("owner of an unclaimed nick: %q, %v", owner, err)
		}
		must(t, s.ClaimNick(ctx, "alice", "Alice", "SHA256:a", at))
		must(t, s.ClaimNick(ctx, "alice", "ALICE", "SHA256:b", at)) // already owned: no change
		s = again(t, s, reopen)
		if owner, err := s.NickOwner(ctx, "alice"); err != nil || owner != "SHA256:a" {
			t.Fatalf("owner: %q, %v", owner, err)
		}
		must(t, s.ReleaseNick(ctx, "alice"))
		must(t, s.ReleaseNick(ctx, "nobody"))
		if owner, _ := s.NickOwner(ctx, "alice"); owner != "" {
			t.Fatalf("owner after release: %q", owner)
		}
	})

	t.Run("sanctions", func(t *testing.T) {
		s := open(t)
		ban := store.Sanction{Kind: store.Ban, Target: "SHA256:x", Addr: "2001:db8::1", Nick: "spammer", Reason: "spam", By: "op",
			Since: at, Until: at.Add(2 * time.Hour)}
		mute := store.Sanction{Kind: store.Mute, Target: "10.0.0.5", Nick: "loud", By: "op", Since: at}
		must(t, s.PutSanction(ctx, ban))
		must(t, s.PutSanction(ctx, mute))
		ban.Reason = "spam, again"
		must(t, s.PutSanction(ctx, ban)) // replaces
		s = again(t, s, reopen)
		got, err := s.Sanctions(ctx)
		must(t, err)
		slices.SortFunc(got, func(a, b store.Sanction) int { return cmp.Compare(a.Kind, b.Kind) })
		if len(got) != 2 || !same(got[0], ban) || !same(got[1], mute) {
			t.Fatalf("sanctions = %+v", got)
		}
		must(t, s.DeleteSanction(ctx, store.Ban, "SHA256:x"))
		must(t, s.DeleteSanction(ctx, store.Ban, "SHA256:nobody"))
		if got, _ := s.Sanctions(ctx); len(got) != 1 || got[0].Kind != store.Mute {
			t.Fatalf("after delete: %+v", got)
		}
	})

	t.Run("settings", func(t *testing.T) {
		s := open(t)
		must(t, s.PutSetting(ctx, "motd", "be nice"))
		s = again(t, s, reopen)
		if v, err := s.Setting(ctx, "motd"); err != nil || v != "be nice" {
			t.Fatalf("motd = %q, %v", v, err)
		}
		must(t, s.PutSetting(ctx, "motd", ""))
		if v, _ := s.Setting(ctx, "motd"); v != "" {
			t.Fatalf("motd after unset = %q", v)
		}
	})

	t.Run("memberships", func(t *testing.T) {
		s := open(t)
		must(t, s.PutMembership(ctx, "SHA256:a", store.Membership{Room: "lobby"}))
		must(t, s.PutMembership(ctx, "SHA256:a", store.Membership{Room: "go", Cursor: 42}))
		must(t, s.PutMembership(ctx, "SHA256:a", store.Membership{Room: "dm:x|y", Label: "@bob"}))
		must(t, s.PutMembership(ctx, "SHA256:a", store.Membership{Room: "go"})) // joins again: keeps the position
		must(t, s.PutMembership(ctx, "SHA256:a", store.Membership{Room: "dm:x|y", Cursor: 7}))
		must(t, s.PutMembership(ctx, "SHA256:a", store.Membership{Room: "dm:x|y", Cursor: 5})) // an older session: no step back
		must(t, s.PutMembership(ctx, "SHA256:b", store.Membership{Room: "go", Cursor: 1}))
		must(t, s.SaveRead(ctx, "SHA256:b", "go", 3))
		must(t, s.SaveRead(ctx, "SHA256:b", "go", 2))
		must(t, s.SaveRead(ctx, "SHA256:b", "lobby", 9)) // not in it: nothing recorded
		s = again(t, s, reopen)
		got, err := s.Memberships(ctx, "SHA256:a")
		must(t, err)
		// In the order first entered.
		want := []store.Membership{{Room: "lobby"}, {Room: "go", Cursor: 42}, {Room: "dm:x|y", Cursor: 7, Label: "@bob"}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("memberships = %+v, want %+v", got, want)
		}
		must(t, s.DeleteMembership(ctx, "SHA256:a", "go"))
		if got, _ := s.Memberships(ctx, "SHA256:a"); len(got) != 2 {
			t.Fatalf("after delete: %+v", got)
		}
		if got, _ := s.Memberships(ctx, "SHA256:b"); fmt.Sprint(got) != fmt.Sprint([]store.Membership{{Room: "go", Cursor: 3}}) {
			t.Fatalf("b's memberships after SaveRead = %+v", got)
		}
	})

	// Whose doing a membership was: recorded when it is made, kept when it
	// is put again, cleared once the key writes in it.
	t.Run("conversations others opened", func(t *testing.T) {
		s := open(t)
		must(t, s.PutMembership(ctx, "SHA256:v", store.Membership{Room: "lobby"}))
		must(t, s.PutMembership(ctx, "SHA256:v", store.Membership{Room: "dm:s1|v", Label: "@s1", From: "SHA256:s1"}))
		must(t, s.PutMembership(ctx, "SHA256:v", store.Membership{Room: "dm:s2|v", Label: "@s2", From: "SHA256:s2"}))
		must(t, s.PutMembership(ctx, "SHA256:w", store.Membership{Room: "dm:s1|w", Label: "@s1", From: "SHA256:s1"}))
		must(t, s.PutMembership(ctx, "SHA256:v", store.Membership{Room: "lobby", From: "SHA256:s1"}))               // v's own stays v's own
		must(t, s.PutMembership(ctx, "SHA256:v", store.Membership{Room: "dm:s1|v", Label: "@s1-again", Cursor: 4})) // written to again: still s1's doing
		s = again(t, s, reopen)
		got, err := s.Memberships(ctx, "SHA256:v")
		must(t, err)
		want := []store.Membership{{Room: "lobby"}, {Room: "dm:s1|v", Cursor: 4, Label: "@s1-again", From: "SHA256:s1"},
			{Room: "dm:s2|v", Label: "@s2", From: "SHA256:s2"}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("memberships = %+v, want %+v", got, want)
		}
		for from, want := range map[string]int{"SHA256:s1": 2, "SHA256:s2": 1, "SHA256:v": 0, "": 0} {
			if n, err := s.Unanswered(ctx, from); err != nil || n != want {
				t.Fatalf("Unanswered(%q) = %d, %v; want %d", from, n, err, want)
			}
		}
		must(t, s.Answered(ctx, "SHA256:v", "dm:s1|v"))
		must(t, s.Answered(ctx, "SHA256:v", "dm:nowhere"))
		s = again(t, s, reopen)
		if got, _ := s.Memberships(ctx, "SHA256:v"); len(got) != 3 || got[1].From != "" || got[2].From != "SHA256:s2" {
			t.Fatalf("after answering: %+v", got)
		}
		if n, _ := s.Unanswered(ctx, "SHA256:s1"); n != 1 {
			t.Fatalf("Unanswered(s1) after v answered = %d, want 1", n)
		}
		must(t, s.DeleteMembership(ctx, "SHA256:w", "dm:s1|w"))
		if n, _ := s.Unanswered(ctx, "SHA256:s1"); n != 0 {
			t.Fatalf("Unanswered(s1) after w closed it = %d, want 0", n)
		}
	})

	// Which rooms an operator owns, and since when the others stand empty.
	t.Run("kept and empty rooms", func(t *testing.T) {
		s := open(t)
		must(t, s.PutRoomInfo(ctx, store.RoomInfo{Name: "free"}))
		must(t, s.PutRoomInfo(ctx, store.RoomInfo{Name: "owned", Kept: true}))
		must(t, s.MarkRoomEmpty(ctx, "free", at))
		must(t, s.MarkRoomEmpty(ctx, "nowhere", at))                                   // unknown: nothing happens
		must(t, s.PutRoomInfo(ctx, store.RoomInfo{Name: "owned", Topic: "by anyone"})) // stays kept
		s = again(t, s, reopen)
		if info, ok, _ := s.RoomInfo(ctx, "free"); !ok || info.Kept || !info.EmptySince.Equal(at) {
			t.Fatalf("free: %+v", info)
		}
		if info, _, _ := s.RoomInfo(ctx, "owned"); !info.Kept || info.Topic != "by anyone" || !info.EmptySince.IsZero() {
			t.Fatalf("owned: %+v", info)
		}
		if _, ok, _ := s.RoomInfo(ctx, "nowhere"); ok {
			t.Fatal("marking an unknown room empty made it")
		}
		// A topic leaves the empty clock to the sweep.
		must(t, s.PutRoomInfo(ctx, store.RoomInfo{Name: "free", Topic: "hello"}))
		infos, err := s.RoomInfos(ctx)
		must(t, err)
		if len(infos) != 2 || infos[0].Name != "free" || !infos[0].EmptySince.Equal(at) || infos[0].Topic != "hello" || !infos[1].Kept {
			t.Fatalf("rooms: %+v", infos)
		}
		must(t, s.MarkRoomEmpty(ctx, "free", time.Time{}))
		if info, _, _ := s.RoomInfo(ctx, "free"); !info.EmptySince.IsZero() {
			t.Fatalf("in use again, free is still empty since %s", info.EmptySince)
		}
	})

	t.Run("rooms and invitations", func(t *testing.T) {
		s := open(t)
		if _, ok, err := s.RoomInfo(ctx, "go"); err != nil || ok {
			t.Fatalf("an unknown room: %v %v", ok, err)
		}
		must(t, s.PutRoomInfo(ctx, store.RoomInfo{Name: "go", Topic: "gophers"}))
		must(t, s.PutRoomInfo(ctx, store.RoomInfo{Name: "secret", InviteOnly: true}))
		must(t, s.Invite(ctx, "secret", "SHA256:a"))
		must(t, s.Invite(ctx, "secret", "SHA256:a"))
		must(t, s.PutMembership(ctx, "SHA256:a", store.Membership{Room: "secret"}))
		s = again(t, s, reopen)
		if info, ok, _ := s.RoomInfo(ctx, "go"); !ok || info.Topic != "gophers" || info.InviteOnly {
			t.Fatalf("room go: %+v %v", info, ok)
		}
		if infos, _ := s.RoomInfos(ctx); len(infos) != 2 || infos[1].Name != "secret" || !infos[1].InviteOnly {
			t.Fatalf("rooms: %+v", infos)
		}
		if in, _ := s.Invited(ctx, "secret", "SHA256:a"); !in {
			t.Fatal("the invitation is lost")
		}
		if in, _ := s.Invited(ctx, "secret", "SHA256:b"); in {
			t.Fatal("an invitation appeared")
		}
		must(t, s.Invite(ctx, "secret", "SHA256:c"))
		must(t, s.Uninvite(ctx, "secret", "SHA256:c"))
		if in, _ := s.Invited(ctx, "secret", "SHA256:c"); in {
			t.Fatal("a withdrawn invitation stays")
		}
		must(t, s.DeleteRoomInfo(ctx, "secret"))
		if _, ok, _ := s.RoomInfo(ctx, "secret"); ok {
			t.Fatal("the deleted room is still known")
		}
		if in, _ := s.Invited(ctx, "secret", "SHA256:a"); in {
			t.Fatal("the deleted room's invitations stay")
		}
		if got, _ := s.Memberships(ctx, "SHA256:a"); len(got) != 0 {
			t.Fatalf("memberships of a deleted room stay: %+v", got)
		}
	})

	// The writes the hub makes of one change, each in one transaction.
	t.Run("changes of several rows", func(t *testing.T) {
		s := open(t)
		must(t, s.ClaimNick(ctx, "b0b", "Bob", "SHA256:other", at))
		must(t, s.ClaimNicks(ctx, []string{"bob", "b0b"}, "Bob", "SHA256:b", at))
		must(t, s.ClaimNicks(ctx, nil, "Nobody", "SHA256:b", at))
		must(t, s.PutMembership(ctx, "SHA256:b", store.Membership{Room: "go", Cursor: 5}))
		must(t, s.PutMembership(ctx, "SHA256:b", store.Membership{Room: "rust", Cursor: 9}))
		must(t, s.SaveReads(ctx, "SHA256:b", []store.Membership{
			{Room: "go", Cursor: 7},
			{Room: "rust", Cursor: 3}, // behind: stays at 9
			{Room: "left", Cursor: 4}, // not in it: not brought back
		}))
		must(t, s.SaveReads(ctx, "SHA256:b", nil))
		must(t, s.PutRoomInfo(ctx, store.RoomInfo{Name: "team", InviteOnly: true}))
		must(t, s.Invite(ctx, "team", "SHA256:a", "SHA256:b"))
		must(t, s.Invite(ctx, "team"))
		s = again(t, s, reopen)
		for fold, want := range map[string]string{"bob": "SHA256:b", "b0b": "SHA256:other"} {
			if owner, err := s.NickOwner(ctx, fold); err != nil || owner != want {
				t.Fatalf("owner of %s: %q, %v; want %s", fold, owner, err, want)
			}
		}
		got, err := s.Memberships(ctx, "SHA256:b")
		must(t, err)
		if want := "[{go 7  } {rust 9  }]"; fmt.Sprint(got) != want {
			t.Fatalf("read positions = %v, want %s", got, want)
		}
		for _, key := range []string{"SHA256:a", "SHA256:b"} {
			if in, err := s.Invited(ctx, "team", key); err != nil || !in {
				t.Fatalf("%s invited: %v, %v", key, in, err)
			}
		}
		if in, _ := s.Invited(ctx, "team", "SHA256:c"); in {
			t.Fatal("an invitation appeared")
		}
	})

	t.Run("ignores", func(t *testing.T) {
		s := open(t)
		must(t, s.PutIgnore(ctx, "SHA256:me", store.Ignore{Author: "SHA256:troll", Nick: "troll"}))
		must(t, s.PutIgnore(ctx, "SHA256:me", store.Ignore{Author: "SHA256:bore", Nick: "bore"}))
		must(t, s.PutIgnore(ctx, "SHA256:other", store.Ignore{Author: "SHA256:me", Nick: "me"}))
		s = again(t, s, reopen)
		got, err := s.Ignores(ctx, "SHA256:me")
		must(t, err)
		if len(got) != 2 {
			t.Fatalf("ignores = %+v", got)
		}
		must(t, s.DeleteIgnore(ctx, "SHA256:me", "SHA256:troll"))
		if got, _ := s.Ignores(ctx, "SHA256:me"); len(got) != 1 || got[0] != (store.Ignore{Author: "SHA256:bore", Nick: "bore"}) {
			t.Fatalf("after delete: %+v", got)
		}
	})
}

func again[T any](t *testing.T, s T, reopen func(*testing.T, T) T) T {
	if reopen == nil {
		return s
	}
	return reopen(t, s)
}

// same compares sanctions, times by instant (a store may change zones).
func same(a, b store.Sanction) bool {
	return a.Kind == b.Kind && a.Target == b.Target && a.Addr == b.Addr && a.Nick == b.Nick && a.Reason == b.Reason &&
		a.By == b.By && a.Since.Equal(b.Since) && a.Until.Equal(b.Until)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
