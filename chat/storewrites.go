package chat

import (
	"sync"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// Store writes that record a change made under the hub's lock run after it
// is released: every session needs h.mu, and a store that stalls (a slow
// disk, a busy database) must stall only the change that wrote to it, not
// every join, post and read on the server. A change made under the lock
// queues its writes with afterLocked; h.unlock releases the lock and then
// runs them.
//
// The writes of all changes run one at a time, in the order the changes
// were made under the lock, so that the store ends as the hub did (a room
// left and entered again is recorded as entered, whichever session
// unlocked first). Whoever unlocks while writes of an earlier change are
// still running does not wait for them: it leaves its own in the queue for
// the goroutine running it, and goes on. A write that fails is logged by
// the write watch (storehealth.go); one that a person asked for tells them
// itself, from its closure.

// writeQueue runs queued store writes in order, one at a time.
type writeQueue struct {
	mu      sync.Mutex
	todo    []func()
	running bool
	idle    *sync.Cond // signalled when the queue runs empty
}

// push appends writes to the queue. The caller holds h.mu, so that the
// order of the queue is the order of the changes.
func (q *writeQueue) push(writes []func()) {
	q.mu.Lock()
	q.todo = append(q.todo, writes...)
	q.mu.Unlock()
}

// run runs queued writes until none is left, unless another goroutine is
// already running them: then it returns at once, and that goroutine runs
// these too. The caller holds no hub lock.
func (q *writeQueue) run() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		return
	}
	q.running = true
	for len(q.todo) > 0 {
		write := q.todo[0]
		q.todo[0] = nil
		q.todo = q.todo[1:]
		q.mu.Unlock()
		write()
		q.mu.Lock()
	}
	q.running = false
	if q.idle != nil {
		q.idle.Broadcast()
	}
}

// wait returns once every write queued so far has run.
func (q *writeQueue) wait() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.idle == nil {
		q.idle = sync.NewCond(&q.mu)
	}
	for q.running || len(q.todo) > 0 {
		if !q.running {
			// Nobody is running them (they were queued by a change whose
			// goroutine has not reached run yet): run them here.
			q.mu.Unlock()
			q.run()
			q.mu.Lock()
			continue
		}
		q.idle.Wait()
	}
}

// afterLocked queues write to run once h.mu is released by h.unlock. The
// caller holds h.mu for writing.
func (h *Hub) afterLocked(write func()) {
	h.pending = append(h.pending, write)
}

// saveReadLocked queues saving key's read position in room. The positions
// of one key saved one after another (a session closing leaves all its
// rooms) are saved in one transaction (Store.SaveReads). The caller holds
// h.mu for writing.
func (h *Hub) saveReadLocked(key, room string, read uint64) {
	if b := h.lastReads; b != nil && b.key == key && b.at == len(h.pending)-1 {
		b.reads = append(b.reads, store.Membership{Room: room, Cursor: read})
		return
	}
	b := &readsBatch{key: key, at: len(h.pending), reads: []store.Membership{{Room: room, Cursor: read}}}
	h.lastReads = b
	// b.reads is read once h.mu is released: nothing adds to it then.
	h.afterLocked(func() { _ = h.opts.Store.SaveReads(ctxBG, b.key, b.reads) })
}

// readsBatch is the read positions of one key saved together.
type readsBatch struct {
	key   string
	at    int // its place in h.pending
	reads []store.Membership
}

// unlock releases h.mu, taken for writing, stores the server lines the
// changes made under it queued (see serverLineLocked), and runs the store
// writes they queued (see afterLocked). Every h.mu.Lock is released with
// it.
func (h *Hub) unlock() {
	pending := h.pending
	h.pending, h.lastReads = nil, nil
	if len(pending) > 0 {
		h.storeWrites.push(pending)
	}
	lines, after := h.takeLinesLocked()
	emptied := h.emptied
	h.emptied = nil
	h.mu.Unlock()
	// The server lines of the changes (see serverLineLocked) are stored
	// before the change returns, as the lines people post are: a leave
	// line among them before the room it emptied settles.
	storeLines(lines, after)
	if len(emptied) > 0 {
		h.letGoEmptied(emptied)
	}
	if len(pending) > 0 {
		h.storeWrites.run()
	}
}

// tell gives m an error notice about a queued write that failed: one that
// m's own change made. The caller holds no hub lock, as a queued write runs.
func (h *Hub) tell(m *Member, r *Room, text string) {
	h.mu.Lock()
	defer h.unlock()
	if !m.left {
		m.noticeLocked(r, message.Error, text)
	}
}

// note gives m a notice in the room it is looking at, from a queued
// write: one that says what m's change did, once it is known whether it
// was stored. The caller holds no hub lock.
func (h *Hub) note(m *Member, text string) {
	h.mu.Lock()
	defer h.unlock()
	if !m.left {
		m.noticeLocked(m.currentRoomLocked(), message.Notice, text)
	}
}

// WaitWrites returns once the store writes of every change made so far
// have run: before closing the store, and in tests that read it.
func (h *Hub) WaitWrites() {
	h.storeWrites.wait()
}
