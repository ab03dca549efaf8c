// Package execcmd is chatroom's commands for scripts and bots, run as
// "ssh -p 1998 host COMMAND ARGS": say, tail, who, rooms, search, dm,
// help. Each runs as an unannounced member of the room (no join or leave
// line; see chat.Identity.Unannounced), under the same bans, mutes and
// rate limits as people. Output is plain lines, or with --json one JSON
// object a line (schema: Line, Person, RoomLine).
package execcmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/lineui"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitRefused = 1 // the room refused: banned, muted, no such room; the reason is on stderr
	ExitUsage   = 2 // the command line was wrong; the usage is on stderr
)

// Usage is what help prints, and what a wrong command line is shown.
const Usage = `chatroom commands (ssh -p 1998 HOST COMMAND ...):
  say [#ROOM] [TEXT]                 post TEXT, or each line of stdin, as you (paced by the rate limit)
  tail [-f] [-n N] [#ROOM] [--json]  the last N messages (default 10, at most 500); -f follows
  who [#ROOM] [--json]               who is in the room
  rooms [--json]                     the rooms, the busiest first
  search TERMS... [#ROOM] [--json]   messages matching TERMS, newest first (at most 50)
  dm NICK TEXT                       a private message to NICK
  help                               this help
Exit status: 0 done, 1 refused (reason on stderr), 2 bad usage.`

// UsageError is a command line that does not parse: exit status 2.
type UsageError struct{ Problem string }

func (e *UsageError) Error() string { return e.Problem }

// Command is one parsed command line.
type Command struct {
	Name   string
	Room   string // "" for the lobby
	Text   string // say, dm: the text; search: the terms
	Nick   string // dm
	N      int    // tail
	Follow bool   // tail -f
	JSON   bool
}

// Parse reads a command line, split into words as the ssh server split it.
func Parse(args []string) (Command, error) {
	if len(args) == 0 {
		return Command{}, &UsageError{"no command"}
	}
	c := Command{Name: args[0], N: 10}
	switch c.Name {
	case "say", "dm", "search", "tail", "who", "rooms", "help":
	default:
		return Command{}, &UsageError{fmt.Sprintf("unknown command %q", c.Name)}
	}
	var words []string
	usage := func(format string, a ...any) (Command, error) {
		return Command{}, &UsageError{c.Name + ": " + fmt.Sprintf(format, a...)}
	}
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--json" && c.Name != "say" && c.Name != "dm":
			c.JSON = true
		case a == "-f" && c.Name == "tail":
			c.Follow = true
		case a == "-n" && c.Name == "tail":
			if i+1 >= len(rest) {
				return usage("-n needs a number")
			}
			i++
			n, err := strconv.Atoi(rest[i])
			if err != nil || n < 1 || n > maxTail {
				return usage("-n takes a number from 1 to %d, not %q", maxTail, rest[i])
			}
			c.N = n
		case strings.HasPrefix(a, "#") && c.Room == "" && len(words) == 0 && c.Name != "dm":
			c.Room = a
		case strings.HasPrefix(a, "#") && c.Room == "" && c.Name == "search":
			c.Room = a
		case strings.HasPrefix(a, "-") && len(a) > 1 && c.Name != "say" && c.Name != "dm" && c.Name != "search":
			return usage("unknown option %s", a)
		default:
			words = append(words, a)
		}
	}
	switch c.Name {
	case "say":
		c.Text = strings.Join(words, " ")
	case "dm":
		if len(words) < 2 {
			return usage("needs a nick and the text: dm NICK TEXT")
		}
		c.Nick, c.Text = words[0], strings.Join(words[1:], " ")
	case "search":
		if len(words) == 0 {
			return usage("needs something to search for")
		}
		c.Text = strings.Join(words, " ")
	case "tail", "who", "rooms", "help":
		if len(words) > 0 {
			return usage("unexpected %q", words[0])
		}
		if c.Name == "rooms" && c.Room != "" {
			return usage("takes no room")
		}
	}
	return c, nil
}

// maxTail is the most messages tail shows: the most /history loads.
const maxTail = 500

// maxFound is the most messages search shows.
const maxFound = 50

// NeedsMember reports whether the command acts in the room (all but
// help).
func (c Command) NeedsMember() bool { return c.Name != "help" }

// IO is where a command reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Location is the time zone plain lines show times in.
	Location *time.Location
	// Done is closed when the client has gone: tail -f ends.
	Done <-chan struct{}
}

// Run runs the command as m. An error is a refusal (exit status 1), its
// text for stderr.
func (c Command) Run(m *chat.Member, o IO) error {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if c.Name == "help" {
		_, err := fmt.Fprintln(o.Stdout, Usage)
		return err
	}
	if c.Room != "" {
		if err := m.Enter(c.Room); err != nil {
			return err
		}
	}
	switch c.Name {
	case "say":
		return c.say(m, o)
	case "dm":
		return submitPaced(m, "/msg "+c.Nick+" "+c.Text, o.Done)
	case "tail":
		return c.tail(m, o)
	case "who":
		return c.who(m, o)
	case "rooms":
		return c.rooms(m, o)
	case "search":
		return c.search(m, o)
	}
	return fmt.Errorf("unknown command %q", c.Name)
}

// say posts the text, or each line of stdin, in order, each waiting its
// turn under the rate limit: none is lost, and none is sent out of order.
func (c Command) say(m *chat.Member, o IO) error {
	_, current := m.Rooms()
	post := func(text string) error {
		return paced(m, o.Done, func() error { return m.SayIn(current, text) })
	}
	if c.Text != "" {
		return post(c.Text)
	}
	sc := bufio.NewScanner(o.Stdin)
	sc.Buffer(make([]byte, 4096), maxLineBytes)
	for sc.Scan() {
		if line := sc.Text(); strings.TrimSpace(line) != "" {
			if err := post(line); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	return nil
}

// maxLineBytes bounds a line of stdin: the longest message, in UTF-8.
const maxLineBytes = 4*chat.MaxMessageLen + 2

// submitPaced submits line, waiting out the rate limit; an error notice
// the command leaves (a /msg refused) is returned as the refusal.
func submitPaced(m *chat.Member, line string, done <-chan struct{}) error {
	return paced(m, done, func() error {
		_, err := command.Submit(m, line)
		return err
	})
}

// paced runs act once the rate limit allows it, waiting its turn first
// (chat.Member.SendWait), and again after a refusal (another session of
// the key took the turn).
func paced(m *chat.Member, done <-chan struct{}, act func() error) error {
	for {
		wait := m.SendWait()
		if wait <= 0 {
			err := act()
			var limited *chat.LimitError
			if !errors.As(err, &limited) {
				return err
			}
			wait = limited.Wait
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-m.Done():
			t.Stop()
			return closed(m)
		case <-done:
			t.Stop()
			return errors.New("the client went away")
		}
	}
}

func closed(m *chat.Member) error {
	if why := m.ClosedReason(); why != "" {
		return errors.New(why)
	}
	return chat.ErrLeft
}

// logLine reports whether msg is a line of room's log (not a private
// notice).
func logLine(msg message.Message, name string) bool {
	return !msg.Private && msg.Room == name
}

// tail prints the last N messages of the room, then, with -f, every new
// one until the client goes or the member is closed.
func (c Command) tail(m *chat.Member, o IO) error {
	_, current := m.Rooms()
	// Joining gave the member the room's backlog: the newest messages.
	var have []message.Message
	take := func(msgs []message.Message) {
		for _, msg := range msgs {
			if logLine(msg, current) {
				have = append(have, msg)
			}
		}
	}
	take(m.Next())
	if len(have) < c.N && (len(have) == 0 || have[0].Seq > 1) {
		before := uint64(1 << 62)
		if len(have) > 0 {
			before = have[0].Seq
		}
		if _, err := m.LoadOlder(current, before, c.N-len(have)); err != nil {
			return err
		}
		older := []message.Message{}
		for _, msg := range m.Next() {
			if msg.Older && msg.Room == current && !msg.Private {
				older = append(older, msg)
			} else if logLine(msg, current) {
				have = append(have, msg)
			}
		}
		have = append(older, have...)
	}
	have = have[max(0, len(have)-c.N):]
	w := bufio.NewWriter(o.Stdout)
	for _, msg := range have {
		if err := c.printMessage(w, msg, o.Location); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil || !c.Follow {
		return err
	}
	for {
		select {
		case <-m.Wake():
			for _, msg := range m.Next() {
				if logLine(msg, current) {
					if err := c.printMessage(w, msg, o.Location); err != nil {
						return err
					}
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
		case <-m.Done():
			return closed(m)
		case <-o.Done:
			return nil
		}
	}
}

func (c Command) printMessage(w io.Writer, msg message.Message, loc *time.Location) error {
	if c.JSON {
		return json.NewEncoder(w).Encode(LineOf(msg))
	}
	_, err := fmt.Fprintln(w, lineui.Format(msg, loc, ""))
	return err
}

// who prints who is in the room.
func (c Command) who(m *chat.Member, o IO) error {
	r := m.Room()
	w := bufio.NewWriter(o.Stdout)
	for _, p := range r.Online() {
		if c.JSON {
			if err := json.NewEncoder(w).Encode(Person{Room: r.Name(), Nick: p.Nick, Key: keyOrNull(p.Key),
				Op: p.Op, Away: p.Away, AwayReason: p.AwayReason}); err != nil {
				return err
			}
			continue
		}
		if _, err := fmt.Fprintln(w, p.Label()); err != nil {
			return err
		}
	}
	return w.Flush()
}

// rooms prints the rooms the member may see.
func (c Command) rooms(m *chat.Member, o IO) error {
	list, err := m.Listings()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(o.Stdout)
	for _, l := range list {
		if c.JSON {
			if err := json.NewEncoder(w).Encode(RoomLine{Room: l.Name, Online: l.Online, Topic: l.Topic, InviteOnly: l.InviteOnly}); err != nil {
				return err
			}
			continue
		}
		line := fmt.Sprintf("#%s %d online", l.Name, l.Online)
		if l.InviteOnly {
			line += ", invite-only"
		}
		if l.Topic != "" {
			line += ": " + l.Topic
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return w.Flush()
}

// search prints the messages matching the terms, newest first.
func (c Command) search(m *chat.Member, o IO) error {
	found, _, err := m.Find("", c.Text, maxFound)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(o.Stdout)
	for _, msg := range found {
		if err := c.printMessage(w, msg, o.Location); err != nil {
			return err
		}
	}
	return w.Flush()
}
