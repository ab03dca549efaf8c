package room

import (
	"strings"
	"testing"
	"time"
)

func notices(m *Member) string { return strings.Join(texts(drain(m), Notice), "\n") }

// /away shows in /names, /whois and the roster, is announced to nobody,
// and ends with /back or with the next line the person writes.
func TestAwayShowsInNamesWhoisAndRoster(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	dave, alice := join(t, h, "dave"), join(t, h, "alice")
	drain(dave)
	drain(alice)
	lobby := dave.Room()
	v := lobby.RosterVersion()

	if n := notices(dave); n != "" {
		t.Fatalf("stray notices: %q", n)
	}
	submit(t, dave, "/away lunch")
	if n := notices(dave); !strings.Contains(n, "You are away (lunch)") {
		t.Fatalf("dave was told %q", n)
	}
	if got := drain(alice); len(got) != 0 {
		t.Fatalf("going away was announced: %+v", got)
	}
	if lobby.RosterVersion() == v {
		t.Fatal("the roster version did not change")
	}
	var seen bool
	for _, o := range lobby.Online() {
		if o.Nick == "dave" {
			seen = o.Away && o.AwayReason == "lunch"
		}
	}
	if !seen {
		t.Fatalf("roster: %+v", lobby.Online())
	}
	submit(t, alice, "/names")
	if n := notices(alice); !strings.Contains(n, "alice, dave (away: lunch)") {
		t.Fatalf("/names: %q", n)
	}
	submit(t, alice, "/whois dave")
	if n := notices(alice); !strings.Contains(n, "away since 12:34: lunch") {
		t.Fatalf("/whois: %q", n)
	}

	// A command is not typing: still away.
	submit(t, dave, "/names")
	submit(t, dave, "/back")
	if n := notices(dave); !strings.Contains(n, "You are back") {
		t.Fatalf("/back said %q", n)
	}
	if _, err := dave.Submit("/back"); err == nil || !strings.Contains(err.Error(), "you are not away") {
		t.Fatalf("/back when not away: %v", err)
	}
	submit(t, alice, "/names")
	if n := notices(alice); strings.Contains(n, "away") {
		t.Fatalf("/names after /back: %q", n)
	}

	// Writing a line, or /me, is being back.
	for _, line := range []string{"I am here", "/me waves"} {
		submit(t, dave, "/away")
		submit(t, alice, "/names")
		if n := notices(alice); !strings.Contains(n, "dave (away)") {
			t.Fatalf("/names: %q", n)
		}
		drain(dave)
		submit(t, dave, line)
		if n := notices(dave); !strings.Contains(n, "You are back") {
			t.Fatalf("after %q dave was told %q", line, n)
		}
		submit(t, alice, "/names")
		if n := notices(alice); strings.Contains(n, "away") {
			t.Fatalf("/names after %q: %q", line, n)
		}
	}
}

// Writing privately to someone away tells the writer the reason once an
// absence: not after every line, and again after a new /away.
func TestWritingToSomeoneAwayTellsTheReasonOnce(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	dave, alice, carol := join(t, h, "dave"), join(t, h, "alice"), join(t, h, "carol")
	submit(t, dave, "/away lunch")
	drain(alice)
	const told = "dave is away: lunch. They will see it when they are back."
	submit(t, alice, "/msg dave are you around?")
	if n := notices(alice); !strings.Contains(n, told) {
		t.Fatalf("alice was told %q", n)
	}
	submit(t, alice, "/msg dave hello?")
	submit(t, alice, "and another line")
	if n := notices(alice); strings.Contains(n, "is away") {
		t.Fatalf("alice was told again: %q", n)
	}
	// Each writer is told.
	drain(carol)
	submit(t, carol, "/msg dave hi")
	if n := notices(carol); !strings.Contains(n, told) {
		t.Fatalf("carol was told %q", n)
	}
	// A new absence is told anew.
	clock.Advance(time.Hour)
	submit(t, dave, "/away meeting")
	submit(t, alice, "/msg dave now?")
	if n := notices(alice); !strings.Contains(n, "dave is away: meeting.") {
		t.Fatalf("alice was not told of the new absence: %q", n)
	}
	// Someone here is not away.
	submit(t, dave, "/back")
	submit(t, alice, "/msg dave back?")
	if n := notices(alice); strings.Contains(n, "is away") {
		t.Fatalf("dave is back, yet alice was told: %q", n)
	}
	// Once gone, the offline wording, once too.
	dave.Leave("")
	submit(t, alice, "/msg dave bye")
	submit(t, alice, "/msg dave really bye")
	if n := notices(alice); strings.Count(n, "dave is away; your message will wait for them") != 1 {
		t.Fatalf("alice was told %q", n)
	}
}
