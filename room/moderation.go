package room

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatroom/chatroom/room/sanitize"
)

const settingMOTD = "motd"

// maxReason bounds reasons and the message of the day.
const maxReason = 300

// Banned reports whether a key or an address is banned now, and how.
func (h *Hub) Banned(key, addr string) (Sanction, bool) {
	return h.sanctionFor(Ban, key, hostOnly(addr), h.now())
}

// sanctionFor finds an active sanction of kind on key or addr.
func (h *Hub) sanctionFor(kind SanctionKind, key, addr string, now time.Time) (Sanction, bool) {
	h.sanctionMu.RLock()
	defer h.sanctionMu.RUnlock()
	for _, target := range []string{key, addr} {
		if target == "" {
			continue
		}
		if s, ok := h.sanctions[kind][target]; ok && s.Active(now) {
			return s, true
		}
	}
	return Sanction{}, false
}

// describe says how long a sanction lasts: " until 14:05 UTC (another
// 9m)" or " permanently", with who and why.
func (s Sanction) describe(now time.Time) string {
	var b strings.Builder
	if s.Until.IsZero() {
		b.WriteString(" permanently")
	} else {
		fmt.Fprintf(&b, " until %s (%s from now)", s.Until.UTC().Format("2006-01-02 15:04 MST"), roundDuration(s.Until.Sub(now)))
	}
	if s.By != "" {
		fmt.Fprintf(&b, " by %s", s.By)
	}
	if s.Reason != "" {
		fmt.Fprintf(&b, ": %s", s.Reason)
	}
	return b.String()
}

// Refusal is what a banned person is told when they try to connect.
func (s Sanction) Refusal(now time.Time) string {
	what := "this key is"
	if !s.TargetIsKey() {
		what = "your address is"
	}
	return fmt.Sprintf("You cannot join: %s banned%s.", what, s.describe(now))
}

// roundDuration keeps a duration readable: 1h59m, not 1h59m59.87s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute)
	case d >= time.Minute:
		return d.Round(time.Second)
	}
	return max(d.Round(time.Second), time.Second)
}

var durationPattern = regexp.MustCompile(`^(\d+)([dw])$`)

// parseDuration reads durations like 30s, 10m, 2h, 1h30m, 7d and 2w.
func parseDuration(s string) (time.Duration, bool) {
	if m := durationPattern.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n <= 0 || n > 100*365 {
			return 0, false
		}
		day := 24 * time.Hour
		if m[2] == "w" {
			day *= 7
		}
		return time.Duration(n) * day, true
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// target is who a moderation command is about.
type target struct {
	id    string    // key fingerprint or IP address
	label string    // nick, for people reading
	who   []*Member // online members it covers
}

// resolveTarget reads NICK, FINGERPRINT or IP. The caller holds r.mu.
func (r *Room) resolveTargetLocked(arg string) (target, error) {
	switch {
	case isKey(arg):
		t := target{id: arg, label: shortKey(arg)}
		for m := range r.members {
			if m.key == arg {
				t.who, t.label = append(t.who, m), m.nick
			}
		}
		return t, nil
	case net.ParseIP(arg) != nil:
		ip := net.ParseIP(arg).String()
		t := target{id: ip, label: ip}
		for m := range r.members {
			if m.addr == ip {
				t.who = append(t.who, m)
			}
		}
		return t, nil
	}
	if m := r.byNickLocked(arg); m != nil {
		if m.key != "" {
			return r.resolveTargetLocked(m.key)
		}
		t, _ := r.resolveTargetLocked(m.addr)
		t.label = m.nick
		return t, nil
	}
	owner, err := r.hub.opts.Store.NickOwner(ctxBG, nickKey(arg))
	if err != nil {
		return target{}, err
	}
	if owner != "" {
		t, _ := r.resolveTargetLocked(owner)
		t.label = sanitize.Nick(arg)
		return t, nil
	}
	return target{}, fmt.Errorf("nobody called %q is online and no key owns that nick: give a key fingerprint (SHA256:...) or an IP address", arg)
}

func shortKey(key string) string {
	if len(key) > 19 {
		return key[:19] + "…"
	}
	return key
}

// splitDurationReason reads "[DURATION] [REASON]".
func splitDurationReason(args string) (d time.Duration, reason string) {
	first, rest, _ := strings.Cut(args, " ")
	if dur, ok := parseDuration(first); ok {
		return dur, cleanReason(rest)
	}
	return 0, cleanReason(args)
}

func cleanReason(s string) string {
	return sanitize.Text(truncateRunes(strings.Join(strings.Fields(s), " "), maxReason))
}

func forHowLong(d time.Duration) string {
	if d == 0 {
		return " permanently"
	}
	return " for " + d.String()
}

// past is the kind as a past participle: "banned", "muted".
func (k SanctionKind) past() string {
	if k == Mute {
		return "muted"
	}
	return "banned"
}

var errOpsOnly = errors.New("operators only")

func (m *Member) requireOpLocked(cmd string) error {
	if !m.isOpLocked() {
		return fmt.Errorf("%w: /%s is for operators", errOpsOnly, cmd)
	}
	return nil
}

// sanction imposes a ban or a mute, announces it and logs it.
func (m *Member) sanction(kind SanctionKind, args string) (Effect, error) {
	name := string(kind)
	arg, rest, _ := strings.Cut(args, " ")
	if arg == "" {
		if kind == Ban {
			return Stay, errors.New("usage: /ban NICK|FINGERPRINT|IP [DURATION] [REASON], e.g. /ban spammer 7d flooding")
		}
		return Stay, errors.New("usage: /mute NICK|FINGERPRINT|IP [DURATION] [REASON], e.g. /mute loud 10m")
	}
	d, reason := splitDurationReason(strings.TrimSpace(rest))
	r := m.room
	h := r.hub
	now := h.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := m.requireOpLocked(name); err != nil {
		return Stay, err
	}
	t, err := r.resolveTargetLocked(arg)
	if err != nil {
		return Stay, err
	}
	if slices.Contains(t.who, m) {
		return Stay, fmt.Errorf("you cannot %s yourself", name)
	}
	s := Sanction{Kind: kind, Target: t.id, Nick: t.label, Reason: reason, By: m.nick, Since: now}
	if d > 0 {
		s.Until = now.Add(d)
	}
	if err := h.opts.Store.PutSanction(ctxBG, s); err != nil {
		return Stay, err
	}
	h.sanctionMu.Lock()
	h.sanctions[kind][t.id] = s
	h.sanctionMu.Unlock()

	h.audit(name, "by", m.nick, "by_key", m.key, "target", t.id, "nick", t.label, "for", d, "reason", reason)
	text := fmt.Sprintf("%s %s %s%s", m.nick, kind.past(), t.label, forHowLong(d))
	if reason != "" {
		text += ": " + reason
	}
	r.announceLocked(text)
	for _, who := range t.who {
		if kind == Ban {
			r.closeLocked(who, "you are banned"+s.describe(now), "banned", true)
		} else {
			who.noticeLocked(Message{Kind: Error, Text: "You are muted" + s.describe(now) + ". You can still read."})
		}
	}
	return Stay, nil
}

// lift removes a ban or mute.
func (m *Member) lift(kind SanctionKind, args string) (Effect, error) {
	arg := strings.TrimSpace(args)
	if arg == "" {
		return Stay, fmt.Errorf("usage: /un%s NICK|FINGERPRINT|IP", kind)
	}
	r := m.room
	h := r.hub
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := m.requireOpLocked("un" + string(kind)); err != nil {
		return Stay, err
	}
	id := arg
	if !isKey(arg) && net.ParseIP(arg) == nil {
		// A nick: find the sanction recorded under it, or resolve it.
		id = ""
		h.sanctionMu.RLock()
		for tid, s := range h.sanctions[kind] {
			if nickKey(s.Nick) == nickKey(arg) {
				id = tid
			}
		}
		h.sanctionMu.RUnlock()
		if id == "" {
			t, err := r.resolveTargetLocked(arg)
			if err != nil {
				return Stay, fmt.Errorf("%s is not %s", arg, kind.past())
			}
			id = t.id
		}
	} else if ip := net.ParseIP(arg); ip != nil {
		id = ip.String()
	}
	h.sanctionMu.Lock()
	s, ok := h.sanctions[kind][id]
	delete(h.sanctions[kind], id)
	h.sanctionMu.Unlock()
	if !ok {
		return Stay, fmt.Errorf("%s is not %s", arg, kind.past())
	}
	if err := h.opts.Store.DeleteSanction(ctxBG, kind, id); err != nil {
		return Stay, err
	}
	h.audit("un"+string(kind), "by", m.nick, "by_key", m.key, "target", id, "nick", s.Nick)
	r.announceLocked(fmt.Sprintf("%s lifted the %s on %s", m.nick, kind, s.Nick))
	if kind == Mute {
		for o := range r.members {
			if o.key == id || o.addr == id {
				o.noticeLocked(Message{Kind: Notice, Text: "You are no longer muted."})
			}
		}
	}
	return Stay, nil
}
