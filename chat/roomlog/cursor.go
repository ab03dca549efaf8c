package roomlog

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/chatroom/chatroom/chat/message"
)

// Reader is one who reads one or more logs, a cursor in each: it is woken
// when any of them has something new for it. Wakes coalesce: a 1-slot
// channel and a send that never blocks, so a poster never waits for a
// reader, and many posts may make one wake.
type Reader struct {
	wakeC chan struct{}
	// live shows a server line that could not be stored (see store).
	live func(message.Message)
}

// NewReader returns a reader; live, if not nil, is given the server lines
// its logs could not store, to show outside the log (they carry the Seq
// of the last stored message, after which they happened). It is a value
// so that it can sit inside what reads (a chat member): waking thousands
// of members then follows no pointer more than waking them did before.
// Use it by pointer once placed.
func NewReader(live func(message.Message)) Reader {
	return Reader{wakeC: make(chan struct{}, 1), live: live}
}

// C receives when the reader may have something new.
func (r *Reader) C() <-chan struct{} { return r.wakeC }

// Wake wakes the reader, unless a wake is already pending.
func (r *Reader) Wake() {
	select {
	case r.wakeC <- struct{}{}:
	default:
	}
}

func (r *Reader) showLive(m message.Message) {
	if r.live != nil {
		r.live(m)
	}
}

// Cursor is a reader's place in one log: the last Seq handed out to it.
// One goroutine reads through a cursor (Next); its position may be read
// from any.
type Cursor struct {
	reader *Reader
	pos    atomic.Uint64
	// historyFailing says the last History read failed, so that the
	// failure is reported once, not at every retry; owned by the reading
	// goroutine.
	historyFailing bool
}

// NewCursor returns reader's cursor placed after Seq pos: Next starts
// with pos+1.
func NewCursor(reader *Reader, pos uint64) *Cursor {
	c := &Cursor{reader: reader}
	c.pos.Store(pos)
	return c
}

// Pos is the last Seq handed out through the cursor.
func (c *Cursor) Pos() uint64 { return c.pos.Load() }

// Add makes c's reader woken by what is posted to l from now on. A cursor
// placed at l's Last before being added misses nothing: what is stored
// meanwhile is after its position, and the caller wakes the reader once
// added if it is to read at once. A reader has one cursor in a log.
func (l *Log) Add(c *Cursor) {
	l.readersMu.Lock()
	defer l.readersMu.Unlock()
	old := l.readers()
	list := make([]*Reader, len(old), len(old)+1)
	copy(list, old)
	list = append(list, c.reader)
	l.readerList.Store(&list)
}

// Remove stops waking c's reader for l.
func (l *Log) Remove(c *Cursor) {
	l.readersMu.Lock()
	defer l.readersMu.Unlock()
	list := slices.DeleteFunc(slices.Clone(l.readers()), func(r *Reader) bool { return r == c.reader })
	l.readerList.Store(&list)
}

// readers returns the readers as of the last Add or Remove. The storer
// wakes them straight, not through their cursors: one pointer less to
// follow for each reader of each line.
func (l *Log) readers() []*Reader {
	if p := l.readerList.Load(); p != nil {
		return *p
	}
	return nil
}

// Next reads what is new for c in l, oldest first, at most batch messages:
// from the tail, or from History for what the tail no longer holds. notes
// are lines outside the log about what could not be read (messages History
// no longer keeps, a failed read), with the Seq after which they belong.
// behind is how many messages c was behind the newest, if anything was new.
// When more remain, c's reader is woken to come back for them; after a
// failed read, the next post wakes it to retry.
func (l *Log) Next(c *Cursor, batch int) (msgs, notes []message.Message, behind uint64) {
	cursor := c.pos.Load()

	l.mu.RLock()
	last := l.seq
	oldestInTail := last - l.tailLen + 1
	from := cursor + 1
	if from <= last && from >= oldestInTail {
		to := min(last, from+uint64(batch)-1)
		msgs = make([]message.Message, 0, to-from+1)
		for seq := from; seq <= to; seq++ {
			msgs = append(msgs, l.tail[(seq-1)%uint64(len(l.tail))])
		}
	}
	l.mu.RUnlock()
	if from <= last {
		behind = last - cursor
	}

	failed := false
	if from <= last && from < oldestInTail {
		msgs, notes, failed = l.fromHistory(c, cursor, oldestInTail, batch)
	}
	if len(msgs) > 0 {
		cursor = msgs[len(msgs)-1].Seq
		c.pos.Store(cursor)
	}
	if cursor < last && !failed {
		c.reader.Wake()
	}
	return msgs, notes, behind
}

// fromHistory reads messages after cursor, older than the in-memory tail.
// Messages History no longer holds are reported, never skipped silently; a
// failed read is reported once and retried, the cursor staying where it
// was.
func (l *Log) fromHistory(c *Cursor, cursor, oldestInTail uint64, batch int) (msgs, notes []message.Message, failed bool) {
	from := cursor + 1
	got, err := l.history.After(ctxBG, l.name, cursor, batch)
	if err != nil {
		if c.historyFailing {
			return nil, nil, true
		}
		c.historyFailing = true
		return nil, []message.Message{{Room: l.name, Seq: cursor, Kind: message.Error, Time: l.now(), Private: true,
			Text: fmt.Sprintf("could not load %d earlier messages (will retry): %v", oldestInTail-from, err)}}, true
	}
	c.historyFailing = false
	first := oldestInTail
	if len(got) > 0 {
		first = got[0].Seq
	}
	if first > from {
		notes = []message.Message{{Room: l.name, Seq: cursor, Kind: message.Notice, Time: l.now(), Private: true,
			Text: fmt.Sprintf("%d earlier messages are no longer kept.", first-from)}}
		if len(got) == 0 {
			c.pos.Store(oldestInTail - 1)
		}
	}
	return got, notes, false
}
