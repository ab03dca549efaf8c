package roomlog

import "github.com/chatroom/chatroom/chat/message"

// Posting: how a line gets its Seq, is stored, then is shown.
//
// A line is stored before anyone sees it, and Seq order is storage order,
// so one room's lines are stored one after another. Storing takes as long
// as the disk does; whoever waits for it must not hold a lock that readers
// need (package chat's hub lock: Go's RWMutex makes new readers wait behind
// a waiting writer, so one join arriving while a line is being stored would
// make every session's reads wait for the disk).
//
// So a line is queued, which is quick and does no I/O, and stored after.
// A caller may queue under its own lock, where the checks that may refuse
// the line are made, so that acts serialised by that lock come either
// wholly before a line or after it in the queue (and after it in the log).
// Storing happens after that lock is let go: the first poster to find
// nobody storing stores what is queued (its own line first among them) and
// hands the rest to the next waiter, so that no goroutine of its own runs
// per log, and no poster stores others' lines for long.

// Posting is one line waiting in a log's queue.
type Posting struct {
	msg message.Message
	// barrier marks a posting that stores nothing: waiting for it waits
	// until what was queued before it is stored (see Settle).
	barrier bool

	// turn receives once: when the line is stored (done is set), or
	// when it is this posting's turn to store what is queued.
	turn chan struct{}
	done bool
	seq  uint64
	err  error
}

// Queue puts a line at the end of the log's queue. It does no I/O and
// never waits for the disk, so the caller may hold a lock that readers
// need. The line is stored when the caller awaits it; every line queued
// must be awaited, or those queued after it wait for ever.
func (l *Log) Queue(m message.Message) *Posting {
	return l.queue(&Posting{msg: m, turn: make(chan struct{}, 1)})
}

func (l *Log) queue(p *Posting) *Posting {
	l.postMu.Lock()
	l.pending = append(l.pending, p)
	if !l.storing {
		l.storing = true
		p.turn <- struct{}{} // nobody is storing: this poster will
	}
	l.postMu.Unlock()
	return p
}

// Await waits until p is stored, storing what is queued if it is p's turn,
// and returns p's Seq (0 for a line shown live only, see store), or a
// *NotStoredError for a person's line History refused. Waiting needs no
// lock but the log's own, so a caller holding its own lock cannot
// deadlock, but whoever waits for that lock waits for the disk too.
func (l *Log) Await(p *Posting) (uint64, error) {
	<-p.turn
	if p.done {
		return p.seq, p.err
	}
	l.postMu.Lock()
	batch := l.pending
	l.pending = nil
	l.postMu.Unlock()
	for _, q := range batch {
		if !q.barrier {
			q.seq, q.err = l.store(q.msg)
		}
		q.done = true
		if q != p {
			q.turn <- struct{}{}
		}
	}
	l.postMu.Lock()
	if len(l.pending) > 0 {
		l.pending[0].turn <- struct{}{} // its turn: it stores the rest
	} else {
		l.storing = false
	}
	l.postMu.Unlock()
	return p.seq, p.err
}

// Post queues m and awaits it.
func (l *Log) Post(m message.Message) (uint64, error) {
	return l.Await(l.Queue(m))
}

// Settle waits until every line queued so far is stored. A room is
// settled before it is dropped from memory, so that a log of the same
// name opened again reads from History a last Seq that no line still on
// its way will take.
func (l *Log) Settle() {
	_, _ = l.Await(l.queue(&Posting{barrier: true, turn: make(chan struct{}, 1)}))
}

// Queued is how many postings wait their turn, barriers (Settle) among
// them; lines being stored are not counted. Tests use it to know that a
// poster is waiting.
func (l *Log) Queued() int {
	l.postMu.Lock()
	defer l.postMu.Unlock()
	return len(l.pending)
}

// store gives m the next Seq, stores it, and shows it: it adds it to the
// in-memory tail and wakes every reader. Only the poster whose turn it is
// calls it, so Seqs are handed out and stored in one order.
//
// A message is stored before anyone sees it, and a Seq is handed out only
// once History has the message: read positions, catching up from History,
// numbering after a restart and a crash never meet a Seq that is not on
// disk. When it cannot be stored (a full disk, a failing database), this
// is the one place that decides what happens, by who wrote the line:
//
//   - A line a person typed (Chat, Action) is refused: nobody sees it, and
//     its poster gets a *NotStoredError (its author keeps the text to send
//     again).
//   - A line the server writes about an act (a join, a leave, a nick
//     change, an announcement) must not stop the act, or a full disk would
//     keep everyone out, even from reading. It is shown live to the
//     readers (Reader's live func) as a line outside the log: it takes no
//     Seq, so the rule above holds, and it is missing from history later.
//
// store returns the message's Seq, 0 for a line shown live only; it fails
// only for a person's line.
func (l *Log) store(m message.Message) (uint64, error) {
	// Only the storer changes l.seq, so it may read it without mu.
	last := l.seq
	m.Room = l.name
	m.Seq = last + 1
	m.Time = l.now()
	if err := l.history.Append(ctxBG, l.name, m); err != nil {
		if m.Kind == message.Chat || m.Kind == message.Action {
			return 0, &NotStoredError{Err: err}
		}
		// After the last stored message, where it happened.
		m.Seq = last
		for _, r := range l.readers() {
			r.showLive(m)
		}
		return 0, nil
	}
	l.mu.Lock()
	l.append(m)
	l.mu.Unlock()
	if l.stored != nil {
		l.stored(m.Kind)
	}
	for _, r := range l.readers() {
		r.Wake()
	}
	return m.Seq, nil
}
