// Package roomlog is one room's log: messages numbered by Seq, stored in
// History before anyone sees them, the last of them kept in memory (the
// tail), and readers that each read from their own cursor at their own pace,
// catching up from History when they fall behind the tail.
//
// Posting appends and wakes each reader with a non-blocking send; readers
// pull what is new, so no reader can slow down a poster or another reader.
// The package knows nothing of who may read what (ignores, hiding, read
// positions) nor of who is in a room: that is package chat's.
package roomlog

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// ctxBG is the context of History calls: they are short, and a post is not
// cancelled halfway (a line half stored would leave a Seq in doubt).
var ctxBG = context.Background()

// InitialTail is the tail a log starts with; it grows to Config.Tail as
// messages come, so that a quiet room costs little memory.
const InitialTail = 16

// Config says where a log is stored and how much of it stays in memory.
type Config struct {
	// Name is the room's name, under which History keeps the log.
	Name    string
	History store.History
	// Tail is the most messages kept in memory (at least 1).
	Tail int
	// Last is the Seq of the newest message History holds, First that of
	// the oldest (Last+1, or 0, when it holds none).
	Last, First uint64
	// Now stamps messages as they are stored. Default: time.Now.
	Now func() time.Time
	// Stored, if set, is told of each message once it is stored and in
	// the tail, before any reader is woken (for metrics).
	Stored func(message.Kind)
}

// Log is one room's log. Its methods are safe for concurrent use.
type Log struct {
	name    string
	history store.History
	maxTail int
	now     func() time.Time
	stored  func(message.Kind)

	// postMu guards the queue of lines waiting to be stored (see post.go).
	postMu  sync.Mutex
	pending []*Posting
	storing bool // a poster is storing what is queued

	// mu guards the log in memory. It is held briefly, never while
	// storing, so reading what is new never waits for the disk.
	mu      sync.RWMutex
	seq     uint64            // last Seq stored; changed only by the storer (see store)
	first   uint64            // Seq of the oldest message kept (seq+1 when none is)
	tail    []message.Message // ring of the last len(tail) messages: Seq s sits at (s-1) % len(tail)
	tailLen uint64            // how many ring slots hold messages

	// readerList is the readers of the log's cursors, woken by the storer
	// without any lock: a new slice each time, under readersMu, so a
	// storer reading the old one is not disturbed.
	readersMu  sync.Mutex
	readerList atomic.Pointer[[]*Reader]
}

// New returns the log of a room whose History is as cfg says.
func New(cfg Config) *Log {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Tail = max(cfg.Tail, 1)
	if cfg.First == 0 {
		cfg.First = cfg.Last + 1
	}
	return &Log{
		name:    cfg.Name,
		history: cfg.History,
		maxTail: cfg.Tail,
		now:     cfg.Now,
		stored:  cfg.Stored,
		seq:     cfg.Last,
		first:   cfg.First,
		tail:    make([]message.Message, min(cfg.Tail, InitialTail)),
	}
}

// Last is the Seq of the newest message.
func (l *Log) Last() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.seq
}

// Bounds returns the Seqs of the oldest message still kept (in History)
// and of the newest.
func (l *Log) Bounds() (first, last uint64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.first, l.seq
}

// InTail reports whether every message after Seq after is in memory, so
// that reading them needs no History.
func (l *Log) InTail(after uint64) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.seq <= after || l.seq-l.tailLen < after+1
}

// Scan calls f, oldest first, with each message from Seq from to last that
// is in memory, and returns the Seq of the oldest message in memory: those
// before it, if any are wanted, are History's to read. f is called with
// the log locked for reading: it must not post nor take locks that a
// poster may hold while posting.
func (l *Log) Scan(from, last uint64, f func(*message.Message)) (oldestInTail uint64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	oldestInTail = l.seq - l.tailLen + 1
	for seq := max(from, oldestInTail); seq <= min(last, l.seq); seq++ {
		f(&l.tail[(seq-1)%uint64(len(l.tail))])
	}
	return oldestInTail
}

// ForgetBefore drops from memory the messages before Seq first, which the
// history no longer keeps either (pruning deleted them).
func (l *Log) ForgetBefore(first uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.first = max(l.first, min(first, l.seq+1))
	for l.tailLen > 0 && l.seq-l.tailLen+1 < l.first {
		l.tailLen--
	}
}

// append puts m, just stored with the next Seq, in the tail, growing it
// while it is below its most. The caller holds mu.
func (l *Log) append(m message.Message) {
	l.seq = m.Seq
	if l.tailLen == uint64(len(l.tail)) && len(l.tail) < l.maxTail {
		l.growTail()
	}
	l.tail[(m.Seq-1)%uint64(len(l.tail))] = m
	if l.tailLen < uint64(len(l.tail)) {
		l.tailLen++
	}
}

// growTail doubles the tail, up to its most. The caller holds mu, and has
// set seq to that of the message about to be added.
func (l *Log) growTail() {
	old := l.tail
	l.tail = make([]message.Message, min(2*len(old), l.maxTail))
	// The messages held are the tailLen before the newest, seq.
	for seq := l.seq - l.tailLen; seq < l.seq; seq++ {
		l.tail[(seq-1)%uint64(len(l.tail))] = old[(seq-1)%uint64(len(old))]
	}
}

// NotStoredError is why a line a person typed was refused: History could
// not store it, and nobody was shown it.
type NotStoredError struct{ Err error }

func (e *NotStoredError) Error() string {
	return fmt.Sprintf("message not stored: %v", e.Err)
}

func (e *NotStoredError) Unwrap() error { return e.Err }
