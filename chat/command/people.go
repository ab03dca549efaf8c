package command

import (
	"fmt"
	"strings"
	"time"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/humantime"
)

// Who is here, who someone is, and what a member says of itself or hides
// from its view: /names, /whois, /away, /back, /ignore, /unignore,
// /ignored.

func cmdNames(m *chat.Member, _ string) (Effect, error) {
	n := m.Names()
	names := make([]string, len(n.Online))
	for i, o := range n.Online {
		names[i] = o.Label()
		if o.Away {
			names[i] += awayNote(o.AwayReason)
		}
	}
	where := "#" + n.Room
	if n.Direct {
		where = "this conversation"
	}
	m.Notify(fmt.Sprintf("Online in %s (%d): %s", where, len(names), strings.Join(names, ", ")))
	return Stay, nil
}

// awayNote is how /names adds an absence to a nick.
func awayNote(reason string) string {
	if reason == "" {
		return " (away)"
	}
	return " (away: " + reason + ")"
}

func cmdWhois(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /whois NICK")
	}
	now := m.Now()
	who, err := m.Whois(args)
	if err != nil {
		return Stay, err
	}
	var b strings.Builder
	if who.Key != "" {
		fmt.Fprintf(&b, "%s: verified key %s", who.Nick, who.Key)
	} else {
		fmt.Fprintf(&b, "%s: unverified (connected without a key)", who.Nick)
	}
	fmt.Fprintf(&b, "\n  online since %s (%s), ", who.Joined.UTC().Format("2006-01-02 15:04 MST"), humantime.Format(now.Sub(who.Joined)))
	if idle := now.Sub(who.LastActive); idle < time.Minute {
		b.WriteString("active now")
	} else {
		fmt.Fprintf(&b, "last active %s ago", humantime.Format(idle))
	}
	if who.Devices > 1 {
		fmt.Fprintf(&b, ", on %d devices", who.Devices)
	}
	if !who.AwaySince.IsZero() {
		fmt.Fprintf(&b, "\n  away since %s", who.AwaySince.In(m.Location()).Format("15:04"))
		if who.AwayReason != "" {
			b.WriteString(": " + who.AwayReason)
		}
	}
	if who.Operator {
		b.WriteString("\n  operator")
	}
	if who.Addr != "" {
		fmt.Fprintf(&b, "\n  address %s", who.Addr)
	}
	m.Notify(b.String())
	return Stay, nil
}

func cmdAway(m *chat.Member, args string) (Effect, error) { return Stay, m.Away(args) }

func cmdBack(m *chat.Member, _ string) (Effect, error) { return Stay, m.Back() }

func cmdIgnore(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /ignore NICK")
	}
	return Stay, m.Ignore(args)
}

func cmdUnignore(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /unignore NICK")
	}
	return Stay, m.Unignore(args)
}

func cmdIgnored(m *chat.Member, _ string) (Effect, error) {
	ignored := m.Ignored()
	if len(ignored) == 0 {
		m.Notify("You ignore nobody.")
		return Stay, nil
	}
	nicks := make([]string, len(ignored))
	for i, ig := range ignored {
		nicks[i] = ig.Nick
		if ig.Now != "" {
			nicks[i] += " (now " + ig.Now + ")"
		}
	}
	m.Notify("You ignore: " + strings.Join(nicks, ", "))
	return Stay, nil
}
