package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chatroom/chatroom/chat"
	"github.com/rivo/uniseg"
)

// Rooms: /join, /part, /rooms, /topic, /delete, and invite-only rooms
// (/private, /invite, /uninvite).

func cmdJoin(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /join #ROOM, e.g. /join #go")
	}
	return Stay, m.Join(args)
}

func cmdPart(m *chat.Member, _ string) (Effect, error) { return Stay, m.Part("") }

// maxListedRooms is how many rooms /rooms lists, the busiest first.
const maxListedRooms = 50

func cmdRooms(m *chat.Member, _ string) (Effect, error) {
	listings, err := m.Listings()
	if err != nil {
		return Stay, err
	}
	type row struct {
		name   string
		online int
		rest   string // after the name: invite-only, topic
	}
	rows := make([]row, 0, len(listings))
	for _, l := range listings {
		var rest string
		if l.InviteOnly {
			rest += ", invite-only"
		}
		if l.Topic != "" {
			rest += ": " + l.Topic
		}
		rows = append(rows, row{l.Name, l.Online, rest})
	}
	// Columns line up: the names padded to the longest listed, the
	// counts to the widest.
	shown := rows[:min(len(rows), maxListedRooms)]
	nameW, countW := 0, 0
	for _, r := range shown {
		nameW = max(nameW, uniseg.StringWidth(r.name))
		countW = max(countW, len(strconv.Itoa(r.online)))
	}
	lines := make([]string, 0, len(shown)+1)
	for _, r := range shown {
		pad := strings.Repeat(" ", nameW-uniseg.StringWidth(r.name))
		lines = append(lines, fmt.Sprintf("  #%s%s  %*d online%s", r.name, pad, countW, r.online, r.rest))
	}
	if len(rows) > len(shown) {
		lines = append(lines, fmt.Sprintf("  … and %d quieter ones", len(rows)-len(shown)))
	}
	m.Notify(fmt.Sprintf("Rooms (%d; /join #NAME enters one):\n%s", len(rows), strings.Join(lines, "\n")))
	return Stay, nil
}

func cmdTopic(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		room, topic, err := m.Topic()
		switch {
		case err != nil:
			return Stay, err
		case topic == "":
			m.Notify(fmt.Sprintf("#%s has no topic; /topic TEXT sets one.", room))
		default:
			m.Notify("Topic: " + topic)
		}
		return Stay, nil
	}
	if args == "-" {
		args = ""
	}
	return Stay, m.SetTopic("", args)
}

func cmdDelete(m *chat.Member, args string) (Effect, error) {
	arg, confirm, _ := strings.Cut(args, " ")
	if arg == "" {
		return Stay, usage("usage: /delete #ROOM, then /delete #ROOM confirm")
	}
	confirmed := strings.TrimSpace(confirm) == "confirm"
	n, err := m.DeleteRoom(arg, confirmed)
	if err != nil || confirmed {
		return Stay, err
	}
	name, _ := chat.RoomName(arg) // DeleteRoom read it
	m.Notify(fmt.Sprintf(
		"This deletes #%s for everyone, with its %d messages, for good. To go ahead: /delete #%s confirm", name, n, name))
	return Stay, nil
}

func cmdPrivate(m *chat.Member, args string) (Effect, error) {
	on := false
	switch strings.ToLower(args) {
	case "on":
		on = true
	case "off":
	default:
		return Stay, usage("usage: /private on|off")
	}
	return Stay, m.SetPrivate("", on)
}

func cmdInvite(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /invite NICK")
	}
	return Stay, m.Invite("", args)
}

func cmdUninvite(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /uninvite NICK")
	}
	return Stay, m.Uninvite("", args)
}
