package chat

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatroom/chatroom/chat/message"
)

// A person's own view settings, kept per key in the store's settings
// under these names followed by the key; a session without a key keeps
// them for the session.
const (
	settingQuiet      = "quiet:"
	settingHighlights = "highlight:"
)

// Bounds on /highlight: every line anyone posts is matched against each
// word, in every session that set them.
const (
	maxHighlights   = 20
	maxHighlightLen = 50
)

// loadPrefs brings back what the key set in earlier sessions. It reads the
// store, so is called before the member is shared, without the hub's lock.
// A setting that cannot be read is said, and the session goes on without.
func (m *Member) loadPrefs() {
	if m.key == "" {
		return
	}
	st := m.hub.opts.Store
	var errs []error
	quiet, err := st.Setting(ctxBG, settingQuiet+m.key)
	errs = append(errs, err)
	m.quiet.Store(quiet == "on")
	words, err := st.Setting(ctxBG, settingHighlights+m.key)
	errs = append(errs, err)
	if list := strings.Fields(words); len(list) > 0 {
		m.highlights.Store(&list)
	}
	if err := errors.Join(errs...); err != nil {
		m.queueNotice(message.Message{Kind: message.Error, Text: fmt.Sprintf("could not load your /quiet and /highlight settings: %v", err)})
	}
}

// sameKeyLocked calls f for each session of m's person: m, and, for a key,
// every other session of it, so that a setting of the key holds in all of
// its windows at once. The caller holds hub.mu.
func (m *Member) sameKeyLocked(f func(*Member)) {
	for _, o := range m.sessionsLocked() {
		f(o)
	}
}

// putPref stores a setting of m's key (nothing without one) and applies it
// to every session of the person. It says how long the setting lasts.
func (m *Member) putPref(name, value string, apply func(*Member)) string {
	h := m.hub
	kept := " (for this session: you connected without a key)"
	if m.key != "" {
		kept = ""
		if err := h.opts.Store.PutSetting(ctxBG, name+m.key, value); err != nil {
			kept = fmt.Sprintf(" (for this session only: %v)", err)
		}
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	m.sameKeyLocked(apply)
	return kept
}

// Quiet reports whether the member hides others' joins and leaves.
func (m *Member) Quiet() bool { return m.quiet.Load() }

// SetQuiet hides others' joins and leaves from the member's view (on), or
// shows them again, for good if it has a key; it is told which.
func (m *Member) SetQuiet(on bool) {
	value := ""
	if on {
		value = "on"
	}
	kept := m.putPref(settingQuiet, value, func(o *Member) { o.quiet.Store(on) })
	text := "Quiet off: you see people join and leave."
	if on {
		text = "Quiet on: you no longer see others join and leave (nick changes still show); /quiet again shows them."
	}
	m.notice(message.Notice, text+kept)
}

// Highlighted reports whether text holds one of the member's /highlight
// words, as a whole word, case aside: such a line is for the member, as
// one naming it is.
func (m *Member) Highlighted(text string) bool {
	p := m.highlights.Load()
	if p == nil {
		return false
	}
	for _, w := range *p {
		if message.Mentions(text, w) {
			return true
		}
	}
	return false
}

func (m *Member) highlightList() []string {
	if p := m.highlights.Load(); p != nil {
		return *p
	}
	return nil
}

// Highlights are the member's highlight words.
func (m *Member) Highlights() []string { return slices.Clone(m.highlightList()) }

// Highlight makes lines with word count as for the member, as its nick
// does; it is told so.
func (m *Member) Highlight(word string) error {
	if problem := highlightProblem(word); problem != "" {
		return errors.New(problem)
	}
	list := m.highlightList()
	if slices.ContainsFunc(list, func(w string) bool { return strings.EqualFold(w, word) }) {
		return fmt.Errorf("you already highlight %q", word)
	}
	if len(list) >= maxHighlights {
		return fmt.Errorf("you highlight %d words, the most there may be; /highlight -WORD removes one", len(list))
	}
	list = append(slices.Clip(list), word)
	kept := m.setHighlights(list)
	m.notice(message.Notice, fmt.Sprintf("Lines with %q now count as for you, as your nick does%s.", word, kept))
	return nil
}

// Unhighlight stops word (in any case) counting as for the member.
func (m *Member) Unhighlight(word string) error {
	list := m.highlightList()
	i := slices.IndexFunc(list, func(w string) bool { return strings.EqualFold(w, word) })
	if i < 0 {
		return fmt.Errorf("you do not highlight %q", word)
	}
	word = list[i]
	kept := m.setHighlights(slices.Delete(slices.Clone(list), i, i+1))
	m.notice(message.Notice, fmt.Sprintf("Lines with %q no longer count as for you%s.", word, kept))
	return nil
}

// setHighlights keeps list as the person's highlight words. The list is
// replaced, never changed, so a reader holding the old one is safe.
func (m *Member) setHighlights(list []string) string {
	return m.putPref(settingHighlights, strings.Join(list, " "), func(o *Member) {
		if len(list) == 0 {
			o.highlights.Store(nil)
		} else {
			o.highlights.Store(&list)
		}
	})
}

// highlightProblem says why word cannot be highlighted, "" if it can.
func highlightProblem(word string) string {
	if n := utf8.RuneCountInString(word); n > maxHighlightLen {
		return fmt.Sprintf("a highlight word may be %d characters long; that one is %d", maxHighlightLen, n)
	}
	if strings.ContainsFunc(word, func(r rune) bool { return !unicode.IsGraphic(r) }) {
		return "a highlight word may hold only visible characters"
	}
	return ""
}
