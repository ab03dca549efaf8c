package chat

import (
	"errors"
	"fmt"
)

// The kinds of refusal a caller may branch on with errors.Is. The error an
// operation returns says, in a sentence for the person, what was refused
// and what to do instead; these say only which kind of refusal it is, so
// that a front end other than the full-screen view (an exec command's exit
// status, a metric of refusals by reason) need not read the sentence.
// A rate limit's refusal is a *LimitError, which says how long to wait.
var (
	// ErrNotOperator: the member is not an operator, or not one listed in
	// the operators file where that is needed.
	ErrNotOperator = errors.New("operators only")
	// ErrNoSuchNick: nobody online, and no key, goes by that nick.
	ErrNoSuchNick = errors.New("no such nick")
	// ErrNoSuchRoom: there is no room of that name.
	ErrNoSuchRoom = errors.New("no such room")
	// ErrNotInRoom: the member is not in the room it named.
	ErrNotInRoom = errors.New("not in that room")
	// ErrInviteOnly: the room lets in only operators and invited keys.
	ErrInviteOnly = errors.New("invite-only")
	// ErrMuted: the member is muted and may not post, change its nick or
	// the topic.
	ErrMuted = errors.New("muted")
	// ErrBanned: the key or address is banned.
	ErrBanned = errors.New("banned")
	// ErrProtected: the target is an operator in the operators file, whom
	// no other operator may ban, mute, kick or deop.
	ErrProtected = errors.New("in the operators file")
	// ErrSelf: the member named itself where that makes no sense (kick,
	// ban, ignore or write to yourself).
	ErrSelf = errors.New("that is you")
	// ErrTooManyRooms: the member is in as many rooms and conversations as
	// one session may be.
	ErrTooManyRooms = errors.New("too many rooms")
)

// refusal is a sentence for the person that errors.Is matches against one
// of the kinds above. The sentence is what people have always been shown
// (the end-to-end tests read it); the kind is for programs.
type refusal struct {
	kind error
	text string
}

func (r *refusal) Error() string { return r.text }
func (r *refusal) Unwrap() error { return r.kind }

// refuse makes a refusal of kind with a sentence formatted as fmt.Sprintf
// does. For a sentence that wraps a cause, use fmt.Errorf with %w twice.
func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, text: fmt.Sprintf(format, args...)}
}

// noSuchNick refuses naming someone who is not online.
func noSuchNick(nick string) error {
	return refuse(ErrNoSuchNick, "nobody called %q is online", nick)
}

// NotOperator refuses a member who is not an operator the command cmd
// (without its slash).
func NotOperator(cmd string) error {
	return fmt.Errorf("%w: /%s is for operators", ErrNotOperator, cmd)
}
