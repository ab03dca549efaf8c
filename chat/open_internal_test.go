package chat

import (
	"testing"
	"time"
)

type listedOps map[string]bool

func (o listedOps) IsOperator(key string) bool { return o[key] }

func fingerprint(name string) string { return "SHA256:" + name }

func joinNamed(t *testing.T, h *Hub, name string) *Member {
	t.Helper()
	m, err := h.Join(Identity{Key: fingerprint(name), Nick: name, Addr: "127.0.0.1:1", Location: time.UTC})
	if err != nil {
		t.Fatalf("join %s: %v", name, err)
	}
	return m
}

// A record read before the lock is not trusted once a room's record
// changed: an invitation withdrawn meanwhile keeps the person out.
func TestAnInvitationWithdrawnAfterTheReadKeepsThemOut(t *testing.T) {
	h, err := NewHub(Options{Operators: listedOps{fingerprint("op"): true}})
	if err != nil {
		t.Fatal(err)
	}
	op, alice := joinNamed(t, h, "op"), joinNamed(t, h, "alice")
	for _, step := range []func() error{
		func() error { return op.Join("#team") },
		func() error { return op.SetPrivate("team", true) },
		func() error { return op.Invite("team", "alice") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := h.readRooms(alice.key, "team")
	if rec, _ := recs.get("team"); err != nil || !rec.invited {
		t.Fatalf("read %+v, %v; want alice invited", rec, err)
	}
	if err := op.Uninvite("team", "alice"); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	ok, err := h.mayEnterLocked(alice, h.rooms["team"], recs)
	h.unlock()
	if err != nil || ok {
		t.Fatalf("alice may enter #team (%v) on an invitation withdrawn after it was read", err)
	}
}

// A room opened from a record read before someone else opened it, spoke
// in it and let it go again numbers on after their lines: the record is
// read again rather than giving a Seq twice.
func TestARoomLetGoAfterTheReadIsReadAgain(t *testing.T) {
	h, err := NewHub(Options{})
	if err != nil {
		t.Fatal(err)
	}
	bob := joinNamed(t, h, "bob")
	say := func(text string) {
		t.Helper()
		if err := bob.Join("#x"); err != nil {
			t.Fatal(err)
		}
		if err := bob.SayIn("x", text); err != nil {
			t.Fatal(err)
		}
		if err := bob.Part("x"); err != nil {
			t.Fatal(err)
		}
	}
	say("first")
	recs, err := h.readRooms("", "x")
	if err != nil {
		t.Fatal(err)
	}
	say("second") // #x opened, spoken in and let go since the read
	h.mu.Lock()
	r, err := h.roomLocked("x", recs)
	h.unlock()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := h.opts.History.LastSeq(ctxBG, "x")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.lastSeq(); got != stored {
		t.Fatalf("#x opened at Seq %d, but %d is stored", got, stored)
	}
}
