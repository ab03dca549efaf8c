package room

import "strings"

// Commands that change only the member's own view: /clear, /mouse and
// /bell. They hold no chat rule; the view carries them out (see Effect).

func cmdClear(*Member, string) (Effect, error) { return ClearView, nil }

func cmdMouse(_ *Member, args string) (Effect, error) {
	switch strings.ToLower(args) {
	case "on":
		return MouseOn, nil
	case "off":
		return MouseOff, nil
	}
	return Stay, usage("usage: /mouse on|off")
}

func cmdBell(_ *Member, args string) (Effect, error) {
	switch strings.ToLower(args) {
	case "on":
		return BellOn, nil
	case "off":
		return BellOff, nil
	}
	return Stay, usage("usage: /bell on|off")
}
