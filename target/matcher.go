package target

import (
	"container/heap"
	"sync"
	"time"
)

// timerKind says what a worker timer does when it fires.
type timerKind uint8

const (
	timerExpire timerKind = iota // end the session at its scheduled end
	timerPurge                   // forget the ended session
)

// timerItem is one scheduled action of the worker.
type timerItem struct {
	at   time.Time
	s    *session
	kind timerKind
}

// timerHeap is a min-heap of timerItems by time.
type timerHeap []timerItem

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerItem)) }
func (h *timerHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = timerItem{}
	*h = old[:len(old)-1]
	return it
}

// worker is the matching worker: every tick it pairs waiting users of each
// shared queue, ends expired sessions, forgets old ones and rotates the
// webhook idempotency generations. Its state is guarded by mu so that tests
// may call tick directly while the goroutine runs.
type worker struct {
	st        *store
	clock     func() time.Time
	retention time.Duration

	mu        sync.Mutex
	timers    timerHeap
	rotatedAt time.Time
	spareID   string // a session id generated but not used yet
}

// newWorker returns a worker over st.
func newWorker(st *store, clock func() time.Time, eventRetention time.Duration) *worker {
	return &worker{st: st, clock: clock, retention: eventRetention, rotatedAt: clock(), timers: make(timerHeap, 0, 1024)}
}

// run ticks every interval until stop is closed, then closes done.
func (w *worker) run(interval time.Duration, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			w.tick()
		}
	}
}

// tick runs one round of the worker.
func (w *worker) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock()
	for _, q := range w.st.sharedQueues() {
		w.matchQueue(q, now)
	}
	w.fireTimers(now)
	if now.Sub(w.rotatedAt) >= w.retention {
		w.st.rotateEvents()
		w.rotatedAt = now
	}
}

// matchQueue pairs q's alive entries in FIFO order. Call with w.mu held.
func (w *worker) matchQueue(q *queue, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var pending *queueEntry
	for i, e := range q.entries {
		q.entries[i] = nil
		if !e.alive.Load() {
			continue
		}
		if pending == nil {
			if w.eligible(e) {
				pending = e
			}
			continue
		}
		a, b := pending.user, e.user
		if a == b { // cannot happen (one alive entry per user); be safe
			pending = e
			continue
		}
		if w.spareID == "" {
			w.spareID = randomHex("ses_", 12)
		}
		lock2(a, b)
		aOK := w.eligibleLocked(pending)
		bOK := w.eligibleLocked(e)
		switch {
		case aOK && bOK:
			w.startLocked(pending, e, now)
			pending = nil
		case bOK:
			pending = e
		case !aOK:
			pending = nil
		}
		unlock2(a, b)
	}
	q.entries = q.entries[:0]
	if pending != nil && pending.alive.Load() {
		q.entries = append(q.entries, pending)
	}
}

// eligible locks e's user and reports whether e is still alive and its user
// has a token; a user without one is dropped from the queue.
func (w *worker) eligible(e *queueEntry) bool {
	e.user.mu.Lock()
	defer e.user.mu.Unlock()
	return w.eligibleLocked(e)
}

// eligibleLocked is eligible with e.user.mu held.
func (w *worker) eligibleLocked(e *queueEntry) bool {
	u := e.user
	if u.entry != e {
		return false
	}
	if u.tokens < 1 {
		w.st.dropLocked(u)
		return false
	}
	return true
}

// startLocked turns entries a and b into a session: one token debited from
// each user, both in_session. Call with both users' locks held, both
// eligible.
func (w *worker) startLocked(a, b *queueEntry, now time.Time) {
	hold := max(a.hold, b.hold)
	if hold <= 0 {
		hold = w.st.hold
	}
	s := &session{
		id:           w.spareID,
		users:        [2]*user{a.user, b.user},
		startedAt:    now,
		scheduledEnd: now.Add(hold),
	}
	w.spareID = ""
	for _, e := range [2]*queueEntry{a, b} {
		u := e.user
		u.tokens--
		u.debited++
		e.alive.Store(false)
		e.queue.waiting.Add(-1)
		u.entry = nil
		u.status = statusInSession
		u.session = s
	}
	w.st.putSession(s) // session shard lock is a leaf
	w.st.c.debited.Add(2)
	w.st.c.sessionsStarted.Add(1)
	w.st.c.sessionsActive.Add(1)
	heap.Push(&w.timers, timerItem{at: s.scheduledEnd, s: s, kind: timerExpire})
}

// fireTimers runs every timer due at now. Call with w.mu held.
func (w *worker) fireTimers(now time.Time) {
	for len(w.timers) > 0 && !w.timers[0].at.After(now) {
		it := heap.Pop(&w.timers).(timerItem)
		switch it.kind {
		case timerExpire:
			w.st.endSession(it.s, it.s.scheduledEnd)
			// Ended now or earlier (leave, /end): keep it readable for
			// sessionRetention after it ended.
			endedAt := w.endedAt(it.s)
			heap.Push(&w.timers, timerItem{at: endedAt.Add(sessionRetention), s: it.s, kind: timerPurge})
		case timerPurge:
			w.st.forgetSession(it.s)
		}
	}
}

// endedAt reads s.endedAt under one participant's lock.
func (w *worker) endedAt(s *session) time.Time {
	u := s.users[0]
	u.mu.Lock()
	defer u.mu.Unlock()
	return s.endedAt
}
