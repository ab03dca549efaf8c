package message

import (
	"testing"
)

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"@alice hi", true},
		{"hi @Alice!", true},
		{"thanks @alice.", true},
		{"(@alice)", true},
		{"alice: look", true},
		{"Alice, look", true},
		{"ping @alice\nnext line", true},
		{"alice", true},
		{"hi alice", true},
		{"hi alice!", true},
		{"what does Alice think?", true},
		{"is that alice's?", true},
		{"malice", false},
		{"alice_b said", false},
		{"alice.b said", false},
		{"@alicebob hi", false},
		{"mail x@alice.org", false},
		{"a@alice", false},
		{"@alice-b", false},
		{"@ali", false},
		{"alicebob: no", false},
		{"", false},
	} {
		if got := Mentions(c.text, "alice"); got != c.want {
			t.Errorf("Mentions(%q, alice) = %v, want %v", c.text, got, c.want)
		}
	}
	if Mentions("@anything", "") {
		t.Error("an empty nick is mentioned")
	}
}

func FuzzMentions(f *testing.F) {
	f.Add("@alice.", "alice")
	f.Add("é@é", "é")
	f.Fuzz(func(t *testing.T, text, nick string) {
		_ = Mentions(text, nick)
	})
}
