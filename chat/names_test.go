package chat_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/store/memory"
)

// invisibleRunes draw nothing (or nothing of their own) on a terminal:
// those issue 8 names, and some found by property rather than listed.
var invisibleRunes = []rune{
	0x115F, 0x1160, 0x3164, 0xFFA0, // Hangul fillers, which are letters
	0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, // zero-width space, joiners, word joiner, BOM, soft hyphen
	0x200E, 0x200F, 0x061C, 0x202E, 0x2066, // direction marks and controls
	0x034F, 0x180E, 0x2061, 0x2062, 0x2063, 0x2064, // CGJ, Mongolian vowel separator, invisible operators
	0xE0001, 0xE0062, 0xFE00, 0xFE0F, 0xE0100, // tags, variation selectors
	0x17B4, 0xFF9E, 0x1161, 0x11A8, // Khmer inherent vowel, halfwidth sound mark, Hangul vowel and final
}

func TestInvisibleCharactersMakeNoNewNick(t *testing.T) {
	h := newHub(t, Options{})
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.1")
	m := joinAs(t, h, "mallory", key("mallory"), "10.0.0.2")
	for i, r := range invisibleRunes {
		for _, fake := range []string{"bob" + string(r), "b" + string(r) + "ob", "mal" + string(r) + "lory"} {
			// The refusal names the character and does not carry it.
			_, err := command.Submit(m, "/nick "+fake)
			want := fmt.Sprintf("(U+%04X), which nicks may not", r)
			if err == nil || !strings.Contains(err.Error(), want) || strings.ContainsRune(err.Error(), r) {
				t.Errorf("/nick %q: err = %q, want it to say %s", fake, err, want)
			}
		}
		if m.Nick() != "mallory" {
			t.Fatalf("mallory became %q", m.Nick())
		}
		// The same names as ssh user names are cleaned at join.
		fake := joinAs(t, h, "bob"+string(r), key("fake"+string(r)), fmt.Sprintf("10.0.1.%d", i))
		if !strings.HasPrefix(fake.Nick(), "bob-") {
			t.Errorf("ssh user %q became %q, want bob-N", "bob"+string(r), fake.Nick())
		}
		fake.Leave("")
	}
	for _, bad := range []struct{ line, want string }{
		{"/nick bob\u1160", "holds an invisible character (U+1160), which nicks may not"},
		{"/nick bob\u202e", "holds an invisible direction-changing character (U+202E)"},
		{"/nick bob\u1161", "holds a zero-width character (U+1161)"},
		{"/nick bob\u00a0x", "holds a space character (U+00A0)"},
	} {
		mustFail(t, m, bad.line, bad.want)
	}
	// Names that show the same are the same name, wherever one is looked up.
	for _, fake := range []string{"bob\u1160", "\u200bbob", "b\u00adob"} {
		if !nickname.Same("bob", fake) {
			t.Errorf("sameNick(bob, %q) = false", fake)
		}
		submit(t, m, "/msg "+fake+" hi")
	}
	if got := texts(drain(bob), message.Chat); len(got) != 3 {
		t.Fatalf("bob got %q, want three messages addressed to look-alikes of his nick", got)
	}
}

func TestSSHUserNameWithInvisibleCharactersIsCleaned(t *testing.T) {
	h := newHub(t, Options{})
	joinAs(t, h, "bob", key("bob"), "10.0.0.1")
	m, err := h.Join(Identity{Key: key("mallory"), Nick: "bob\u3164", Addr: "10.0.0.2:1"})
	if err != nil {
		t.Fatal(err)
	}
	welcome := strings.Join(texts(drain(m), message.Notice), "\n")
	if m.Nick() != "bob-2" || !strings.Contains(welcome, `Your ssh user name "bob\u3164" was cleaned to bob`) {
		t.Fatalf("ssh user bob+U+3164 became %q, told %q", m.Nick(), welcome)
	}
	// Korean typed as jamo and accents typed as combining marks are kept,
	// composed.
	for asked, want := range map[string]string{"\u1112\u1161\u11ab": "한", "e\u0301mile": "émile"} {
		m := join(t, h, asked)
		if m.Nick() != want {
			t.Errorf("ssh user %q became %q, want %q", asked, m.Nick(), want)
		}
	}
}

func TestInvisibleAndLookAlikeRoomNames(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	alice := join(t, h, "alice")
	submit(t, alice, "/join #golang")
	for _, r := range invisibleRunes {
		if unicode.IsSpace(r) {
			continue
		}
		for _, fake := range []string{"lobby" + string(r), "new" + string(r) + "room"} {
			mustFail(t, alice, "/join #"+fake, fmt.Sprintf("(U+%04X), which room names may not", r))
		}
	}
	mustFail(t, alice, "/join #lobby\u1160", `"#lobby\u1160" holds an invisible character (U+1160), which room names may not`)
	// Look-alikes of rooms that exist are no new rooms either: Cyrillic
	// о, a zero for an o, fullwidth letters. Each try counts as making a
	// room, which is rate-limited.
	for _, c := range []struct{ fake, want string }{
		{"#lоbby", "#lоbby looks too much like #lobby, which exists: /join #lobby"},
		{"#l0bby", "looks too much like #lobby"},
		{"#gоlang", "looks too much like #golang"},
		{"#ｇｏｌａｎｇ", "looks too much like #golang"},
	} {
		clock.Advance(NewRoomEvery)
		mustFail(t, alice, "/join "+c.fake, c.want)
	}
	infos, err := h.Opts().Store.RoomInfos(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, info := range infos {
		names = append(names, info.Name)
	}
	if !slices.Equal(names, []string{"golang"}) {
		t.Fatalf("rooms made: %q, want only golang", names)
	}
	// The room itself, however it is capitalised, is joined.
	submit(t, alice, "/join #GoLang")
	if got := current(alice); got != "golang" {
		t.Fatalf("/join #GoLang went to %q", got)
	}
}

// The rooms a new one is compared with are known from the store when the
// hub starts, and a deleted room's name may be taken again.
func TestLookAlikeRoomsAcrossRestartsAndDeletion(t *testing.T) {
	store := &memory.Store{}
	ops := opSet{key("op"): true}
	h := newHub(t, Options{Store: store, Operators: ops})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	submit(t, op, "/join #golang")

	again := newHub(t, Options{Store: store, Operators: ops})
	alice := joinAs(t, again, "alice", key("alice"), "10.0.0.2")
	mustFail(t, alice, "/join #gоlang", "looks too much like #golang") // Cyrillic о

	op = joinAs(t, again, "boss", key("op"), "10.0.0.1")
	submit(t, op, "/delete #golang")
	submit(t, op, "/delete #golang confirm")
	submit(t, alice, "/join #gоlang")
	if got := current(alice); got != "gоlang" {
		t.Fatalf("/join #gоlang after #golang was deleted went to %q", got)
	}
}
