package chat

import (
	"fmt"
	"strings"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/humantime"
)

// Who is here and who someone is: /names and /whois.

func cmdNames(m *Member, _ string) (Effect, error) {
	r := m.Room()
	online := r.Online()
	names := make([]string, len(online))
	for i, o := range online {
		names[i] = o.Label()
		if o.Away {
			names[i] += awayNote(o.AwayReason)
		}
	}
	where := "#" + r.name
	if r.dm {
		where = "this conversation"
	}
	m.notice(message.Notice, fmt.Sprintf("Online in %s (%d): %s", where, len(names), strings.Join(names, ", ")))
	return Stay, nil
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

func cmdWhois(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /whois NICK")
	}
	h := m.hub
	now := h.now()
	h.mu.RLock()
	defer h.mu.RUnlock()
	who := h.byNickLocked(args)
	if who == nil {
		return Stay, noSuchNick(args)
	}
	var b strings.Builder
	if who.key != "" {
		fmt.Fprintf(&b, "%s: verified key %s", who.nick, who.key)
	} else {
		fmt.Fprintf(&b, "%s: unverified (connected without a key)", who.nick)
	}
	fmt.Fprintf(&b, "\n  online since %s (%s), ", who.joined.UTC().Format("2006-01-02 15:04 MST"), humantime.Format(now.Sub(who.joined)))
	if idle := now.Sub(time.Unix(0, who.lastActive.Load())); idle < time.Minute {
		b.WriteString("active now")
	} else {
		fmt.Fprintf(&b, "last active %s ago", humantime.Format(idle))
	}
	if n := who.devicesLocked(); n > 1 {
		fmt.Fprintf(&b, ", on %d devices", n)
	}
	if p := who.pres; p.awayLocked() {
		fmt.Fprintf(&b, "\n  away since %s", p.awaySince.In(m.loc).Format("15:04"))
		if p.awayReason != "" {
			b.WriteString(": " + p.awayReason)
		}
	}
	if who.isOpLocked() {
		b.WriteString("\n  operator")
	}
	if m.isOpLocked() {
		fmt.Fprintf(&b, "\n  address %s", who.addr)
	}
	m.noticeLocked(m.currentRoomLocked(), message.Notice, b.String())
	return Stay, nil
}
