package sanction

import (
	"strings"
	"testing"
	"time"

	"github.com/chatroom/chatroom/store"
)

const alice = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func TestFindCoversKeyAddressAndTheKeyAddress(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	l := NewList([]store.Sanction{
		{Kind: store.Ban, Target: alice, Addr: "10.0.0.1", Until: now.Add(time.Hour)},
		{Kind: store.Mute, Target: "10.0.0.2"},
		{Kind: store.Ban, Target: "10.0.0.3", Until: now.Add(-time.Minute)}, // over
	})
	for _, c := range []struct {
		kind      store.SanctionKind
		key, addr string
		want      bool
	}{
		{store.Ban, alice, "192.0.2.9", true},
		{store.Ban, "", "10.0.0.1", true},              // no key, from where the banned key was
		{store.Ban, "SHA256:other", "10.0.0.1", false}, // another key there is someone else
		{store.Mute, "", "10.0.0.2", true},
		{store.Ban, "", "10.0.0.2", false}, // muted, not banned
		{store.Ban, "", "10.0.0.3", false}, // expired
	} {
		if _, got := l.Find(c.kind, c.key, c.addr, now); got != c.want {
			t.Errorf("Find(%s, %q, %q) = %v, want %v", c.kind, c.key, c.addr, got, c.want)
		}
	}
	if got := l.Active(store.Ban, now, nil); len(got) != 1 || got[0].Target != alice {
		t.Errorf("active bans: %+v", got)
	}
	l.Delete(store.Ban, alice)
	if _, banned := l.Find(store.Ban, alice, "", now); banned {
		t.Error("a lifted ban still holds")
	}
	var zero List
	zero.Put(store.Sanction{Kind: store.Mute, Target: alice})
	if _, muted := zero.Find(store.Mute, alice, "", now); !muted {
		t.Error("the zero List does not keep what it is given")
	}
}

func TestRefusalSaysWhatAndUntilWhen(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := store.Sanction{Kind: store.Ban, Target: "10.0.0.1", By: "boss", Reason: "spam", Until: now.Add(90 * time.Minute)}
	got := Refusal(s, now)
	for _, want := range []string{"your address is banned", "until 2026-11-30 13:30 UTC", "by boss", ": spam"} {
		if !strings.Contains(got, want) {
			t.Errorf("refusal %q lacks %q", got, want)
		}
	}
	if !ValidFingerprint(alice) || ValidFingerprint("SHA256:short") {
		t.Error("ValidFingerprint")
	}
}
