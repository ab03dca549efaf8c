package chat

import (
	"time"
)

// Who is here and who someone is: what /names and /whois show.

// Names is who is in the room a member is looking at.
type Names struct {
	Room   string
	Direct bool // a direct conversation, not a room
	Online []Online
}

// Names says who is in the room the member is looking at.
func (m *Member) Names() Names {
	r := m.Room()
	return Names{Room: r.name, Direct: r.dm, Online: r.Online()}
}

// Label is the nick as rosters show it: operators marked with @ and
// members without a key with ~, as IRC does; neither character can be part
// of a nick, so neither mark can be faked.
func (o Online) Label() string {
	label := o.Nick
	if o.Key == "" {
		label = "~" + label
	}
	if o.Op {
		label = "@" + label
	}
	return label
}

// Whois is who someone online is, as a member may see it.
type Whois struct {
	Nick string
	Key  string // "": connected without a key
	// Joined is when the session began; LastActive when they last wrote
	// or ran a command.
	Joined, LastActive time.Time
	Devices            int // sessions of the same key, when more than one
	// AwaySince is zero unless they said /away, AwayReason why.
	AwaySince  time.Time
	AwayReason string
	Operator   bool
	// Addr is their address, shown to operators only: "" for others.
	Addr string
}

// Whois says who the person online as nick is (ErrNoSuchNick if nobody
// is). Their address is filled in for operators only.
func (m *Member) Whois(nick string) (Whois, error) {
	h := m.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	who := h.byNickLocked(nick)
	if who == nil {
		return Whois{}, noSuchNick(nick)
	}
	w := Whois{
		Nick:       who.nick,
		Key:        who.key,
		Joined:     who.joined,
		LastActive: time.Unix(0, who.lastActive.Load()),
		Devices:    who.devicesLocked(),
		AwaySince:  who.pres.awaySince,
		AwayReason: who.pres.awayReason,
		Operator:   who.isOpLocked(),
	}
	if m.isOpLocked() {
		w.Addr = who.addr
	}
	return w, nil
}
