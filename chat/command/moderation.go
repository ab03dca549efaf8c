package command

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/sanction"
	"github.com/chatroom/chatroom/humantime"
	"github.com/chatroom/chatroom/store"
)

// Operators' commands: /kick, /ban, /mute and lifting them, /bans,
// /release, /op and /deop; and the message of the day (/motd), which
// anyone may read.

func cmdKick(m *chat.Member, args string) (Effect, error) {
	nick, reason, _ := strings.Cut(args, " ")
	if strings.TrimLeft(nick, "@~") == "" {
		return Stay, usage("usage: /kick NICK [REASON]")
	}
	return Stay, m.Kick(nick, reason)
}

// impose runs /ban and /mute: "TARGET [DURATION] [REASON]".
func impose(m *chat.Member, kind store.SanctionKind, args string) (Effect, error) {
	name := string(kind)
	arg, rest, _ := strings.Cut(args, " ")
	if arg == "" {
		return Stay, usage("usage: /%s NICK|FINGERPRINT|IP [DURATION] [REASON], e.g. /%s spammer 7d flooding", name, name)
	}
	d, reason, err := durationReason(strings.TrimSpace(rest))
	if err != nil {
		return Stay, err
	}
	if kind == store.Ban {
		return Stay, m.Ban(arg, d, reason)
	}
	return Stay, m.Mute(arg, d, reason)
}

// lift runs /unban and /unmute.
func lift(m *chat.Member, kind store.SanctionKind, args string) (Effect, error) {
	if strings.TrimLeft(strings.TrimSpace(args), "@~") == "" {
		return Stay, usage("usage: /un%s NICK|FINGERPRINT|IP", kind)
	}
	if kind == store.Ban {
		return Stay, m.Unban(args)
	}
	return Stay, m.Unmute(args)
}

func cmdBans(m *chat.Member, _ string) (Effect, error) {
	now := m.Now()
	all, err := m.Sanctions()
	if err != nil {
		return Stay, err
	}
	var b strings.Builder
	for _, kind := range []store.SanctionKind{store.Ban, store.Mute} {
		var lines []string
		for _, s := range all {
			if s.Kind != kind {
				continue
			}
			who := s.Nick
			if !strings.Contains(who, s.Target) {
				who += " (" + s.Target + ")"
			}
			lines = append(lines, "  "+who+sanction.Describe(s, now))
		}
		slices.Sort(lines)
		if len(lines) == 0 {
			fmt.Fprintf(&b, "No %ss.\n", kind)
			continue
		}
		fmt.Fprintf(&b, "%ss (%d):\n%s\n", strings.ToUpper(string(kind[:1]))+string(kind[1:]), len(lines), strings.Join(lines, "\n"))
	}
	m.Notify(strings.TrimSpace(b.String()))
	return Stay, nil
}

func cmdRelease(m *chat.Member, args string) (Effect, error) {
	if strings.TrimLeft(args, "@~") == "" {
		return Stay, usage("usage: /release NICK")
	}
	return Stay, m.Release(args)
}

func cmdOp(m *chat.Member, args string) (Effect, error) { return Stay, m.SetOp(args, true) }

func cmdDeop(m *chat.Member, args string) (Effect, error) { return Stay, m.SetOp(args, false) }

func cmdMOTD(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		text := "There is no message of the day."
		if motd := m.MOTD(); motd != "" {
			text = "Message of the day: " + motd
		}
		m.Notify(text)
		return Stay, nil
	}
	if args == "-" {
		args = ""
	}
	return Stay, m.SetMOTD(args)
}

// durationReason reads "[DURATION] [REASON]". A first word that
// starts like a number must be a duration: a typo must not make a ban
// permanent. The reason is returned as typed.
func durationReason(args string) (d time.Duration, reason string, err error) {
	first, rest, _ := strings.Cut(args, " ")
	if first == "" {
		return 0, "", nil
	}
	if dur, ok := humantime.Parse(first); ok {
		return dur, rest, nil
	}
	if first[0] >= '0' && first[0] <= '9' || first[0] == '-' {
		return 0, "", fmt.Errorf("%q is not a duration: use 30s, 10m, 2h, 1h30m, 7d or 2w, or none for good", first)
	}
	return 0, args, nil
}
