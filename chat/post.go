package chat

import "github.com/chatroom/chatroom/chat/message"

// Posting: how a line gets its Seq, is stored, then is shown.
//
// A line is stored before anyone sees it, and Seq order is storage order,
// so one room's lines are stored one after another. Storing takes as long
// as the disk does; whoever waits for it must not hold the hub's lock,
// because Go's RWMutex makes new readers wait behind a waiting writer: one
// join or nick change arriving while a line is being stored would make
// every session's reads wait for the disk.
//
// So a line is queued, which is quick and does no I/O, and stored after.
// Queueing happens under the hub's lock, where the checks that may refuse
// the line are made (is the author still in the room, not muted): a kick,
// a mute or a leave, which hold the hub's lock for writing and queue their
// own line, come either wholly before a line (and refuse it) or after it
// in the queue (and after it in the log). Storing happens after the lock is
// let go: the first poster to find nobody storing stores what is queued
// (its own line first among them) and hands the rest to the next waiter,
// so that no goroutine of its own runs per room, and no poster stores
// others' lines for long.

// posting is one line waiting in a room's queue.
type posting struct {
	msg message.Message
	// barrier marks a posting that stores nothing: waiting for it waits
	// until what was queued before it is stored (see settle).
	barrier bool

	// turn receives once: when the line is stored (done is set), or
	// when it is this posting's turn to store what is queued.
	turn chan struct{}
	done bool
	seq  uint64
	err  error
}

// queue puts a line at the end of the room's queue. It does no I/O and
// never waits for the disk, so the caller may hold the hub's lock. The
// line is stored when the caller awaits it.
func (r *Room) queue(m message.Message) *posting {
	return r.queuePosting(&posting{msg: m, turn: make(chan struct{}, 1)})
}

func (r *Room) queuePosting(p *posting) *posting {
	r.postMu.Lock()
	r.pending = append(r.pending, p)
	if !r.storing {
		r.storing = true
		p.turn <- struct{}{} // nobody is storing: this poster will
	}
	r.postMu.Unlock()
	return p
}

// await waits until p is stored, storing what is queued if it is p's turn,
// and returns p's Seq (0 for a line shown live only, see store). The
// caller may hold the hub's lock only if it is to write the line anyway
// (serverLineLocked): waiting never needs that lock, so it cannot
// deadlock, but others wait behind it.
func (r *Room) await(p *posting) (uint64, error) {
	<-p.turn
	if p.done {
		return p.seq, p.err
	}
	r.postMu.Lock()
	batch := r.pending
	r.pending = nil
	r.postMu.Unlock()
	for _, q := range batch {
		if !q.barrier {
			q.seq, q.err = r.store(q.msg)
		}
		q.done = true
		if q != p {
			q.turn <- struct{}{}
		}
	}
	r.postMu.Lock()
	if len(r.pending) > 0 {
		r.pending[0].turn <- struct{}{} // its turn: it stores the rest
	} else {
		r.storing = false
	}
	r.postMu.Unlock()
	return p.seq, p.err
}

// settle waits until every line queued so far is stored. A room is
// settled before it is dropped from memory, so that a room of the same
// name loaded again reads from History a last Seq that no line still on
// its way will take.
func (r *Room) settle() {
	_, _ = r.await(r.queuePosting(&posting{barrier: true, turn: make(chan struct{}, 1)}))
}

// store gives m the next Seq, stores it, and shows it: it adds it to the
// in-memory tail and wakes every member. Only the poster whose turn it is
// calls it, so Seqs are handed out and stored in one order.
//
// A message is stored before anyone sees it, and a Seq is handed out only
// once History has the message: read positions, catching up from History,
// numbering after a restart and a crash never meet a Seq that is not on
// disk. When it cannot be stored (a full disk, a failing database), this
// is the one place that decides what happens, by who wrote the line:
//
//   - A line a person typed (Chat, Action) is refused: nobody sees it, and
//     its author gets ErrNotStored and keeps the text to send again.
//   - A line the server writes about an act (a join, a leave, a nick
//     change, an announcement) must not stop the act, or a full disk would
//     keep everyone out, even from reading. It is shown live to those in
//     the room as a private line outside the log: it takes no Seq, so the
//     rule above holds, and it is missing from history later.
//
// Either way the hub's write watch has logged the failure. store returns
// the message's Seq, 0 for a line shown live only; it fails only for a
// person's line.
func (r *Room) store(m message.Message) (uint64, error) {
	// Only the storer changes r.seq, so it may read it without logMu.
	last := r.seq
	m.Room = r.name
	m.Seq = last + 1
	m.Time = r.hub.now()
	if err := r.hub.opts.History.Append(ctxBG, r.name, m); err != nil {
		if m.Kind == message.Chat || m.Kind == message.Action {
			r.hub.obs.Refused(RefusedNotStored)
			return 0, notStored{cause: err}
		}
		// After the last stored message, where it happened.
		m.Seq = last
		for _, member := range r.readers() {
			member.queueNotice(m)
		}
		return 0, nil
	}
	r.logMu.Lock()
	r.seq = m.Seq
	if r.tailLen == uint64(len(r.tail)) && len(r.tail) < r.hub.opts.Tail {
		r.growTail()
	}
	r.tail[(m.Seq-1)%uint64(len(r.tail))] = m
	if r.tailLen < uint64(len(r.tail)) {
		r.tailLen++
	}
	r.logMu.Unlock()
	r.hub.obs.Posted(m.Kind)
	for _, member := range r.readers() {
		member.wake()
	}
	return m.Seq, nil
}

// readers returns the room's members as of the last join or leave. The
// storer wakes them without the hub's lock: a member joining after the
// list was read takes its cursor from r.seq and is woken by joining.
func (r *Room) readers() []*Member {
	if p := r.readerList.Load(); p != nil {
		return *p
	}
	return nil
}

// addReaderLocked and dropReaderLocked keep readerList in step with
// members: a new slice each time, so a storer reading the old one is not
// disturbed. The caller holds hub.mu for writing.
func (r *Room) addReaderLocked(m *Member) {
	old := r.readers()
	list := make([]*Member, len(old), len(old)+1)
	copy(list, old)
	list = append(list, m)
	r.readerList.Store(&list)
}

func (r *Room) dropReaderLocked(m *Member) {
	old := r.readers()
	list := make([]*Member, 0, len(old))
	for _, o := range old {
		if o != m {
			list = append(list, o)
		}
	}
	r.readerList.Store(&list)
}
