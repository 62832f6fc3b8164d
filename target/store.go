package target

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"
)

// numShards is the number of shards of every sharded map. A power of two.
const numShards = 64

// sessionRetention is how long an ended session stays readable through
// GET /sessions/{id} before it is forgotten.
const sessionRetention = 15 * time.Minute

// userStatus is where a user stands in the matchmaking flow.
type userStatus uint8

const (
	statusIdle userStatus = iota
	statusWaiting
	statusInSession
)

// String returns the status as the API spells it in GET /me.
func (s userStatus) String() string {
	switch s {
	case statusWaiting:
		return "waiting"
	case statusInSession:
		return "in_session"
	default:
		return "idle"
	}
}

// user is one anonymous API user. id, token and seq are immutable; every
// other field is guarded by mu.
type user struct {
	seq   uint64 // creation order; two user locks are taken in seq order
	id    string
	token string

	mu       sync.Mutex
	tokens   int64 // balance; always credited - debited, never negative
	credited int64
	debited  int64
	status   userStatus
	entry    *queueEntry // non-nil iff status == statusWaiting
	session  *session    // non-nil iff status == statusInSession
}

// queueEntry is one user's place in a queue. An entry is alive while its
// user's entry field points at it; alive mirrors that for lock-free reads
// (position estimates) and is only written under the user's lock.
type queueEntry struct {
	user  *user
	queue *queue
	hold  time.Duration // session hold asked for at join; 0 = server default
	alive atomic.Bool
}

// queue is the set of users waiting under one region and mode. Shared queues
// keep their entries in FIFO order for the matching worker; isolated
// "queues of one" keep none and exist only for the waiting gauge.
type queue struct {
	region  string
	mode    string
	shared  bool
	waiting atomic.Int64 // alive entries, including ones not yet appended

	mu      sync.Mutex
	entries []*queueEntry // FIFO; may contain dead entries (lazy deletion)
}

// position returns e's 1-based position among the alive entries of q. It is
// a snapshot: concurrent joins, leaves and matches may change it at once.
func (q *queue) position(e *queueEntry) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	pos := 1
	for _, x := range q.entries {
		if x == e {
			return pos
		}
		if x.alive.Load() {
			pos++
		}
	}
	return pos // not appended yet: behind every entry present
}

// session pairs two users. id, users, startedAt and scheduledEnd are
// immutable; ended and endedAt are written only with both users' locks held,
// so holding either user's lock is enough to read them.
type session struct {
	id           string
	users        [2]*user // users[0] waited longer
	startedAt    time.Time
	scheduledEnd time.Time

	ended   bool
	endedAt time.Time
}

// endsAt returns when the session ended, or is scheduled to end if it is
// still active. Call with one of the participants' locks held.
func (s *session) endsAt() time.Time {
	if s.ended {
		return s.endedAt
	}
	return s.scheduledEnd
}

// peerOf returns the participant that is not u.
func (s *session) peerOf(u *user) *user {
	if s.users[0] == u {
		return s.users[1]
	}
	return s.users[0]
}

// has reports whether u participates in s.
func (s *session) has(u *user) bool { return s.users[0] == u || s.users[1] == u }

// counters are the store-wide totals behind Stats and /metrics.
type counters struct {
	users           atomic.Int64
	credited        atomic.Int64
	debited         atomic.Int64
	sessionsStarted atomic.Int64
	sessionsActive  atomic.Int64
	webhook         [numWebhookResults]atomic.Int64
}

// webhookResult classifies a webhook delivery for metrics and Stats.
type webhookResult uint8

const (
	webhookCredited webhookResult = iota
	webhookDuplicate
	webhookIgnored
	webhookRejected
	numWebhookResults
)

// String returns the result as the metric label spells it.
func (r webhookResult) String() string {
	switch r {
	case webhookCredited:
		return "credited"
	case webhookDuplicate:
		return "duplicate"
	case webhookIgnored:
		return "ignored"
	default:
		return "rejected"
	}
}

// userShard is one shard of a string-keyed user index.
type userShard struct {
	mu sync.RWMutex
	m  map[string]*user
	_  [32]byte // keep neighbouring shard locks off one cache line
}

// sessionShard is one shard of the session index.
type sessionShard struct {
	mu sync.RWMutex
	m  map[string]*session
	_  [32]byte
}

// eventShard is one shard of the processed webhook event ids: two
// generations, rotated every retention period.
type eventShard struct {
	mu   sync.Mutex
	cur  map[string]struct{}
	prev map[string]struct{}
	_    [32]byte
}

// store is the in-memory state of the staging API. All methods are safe for
// concurrent use.
type store struct {
	hold    time.Duration // default session hold
	nextSeq atomic.Uint64
	c       counters

	byID     [numShards]userShard
	byToken  [numShards]userShard
	sessions [numShards]sessionShard
	events   [numShards]eventShard

	queuesMu sync.RWMutex
	queues   map[queueKey]*queue
	shared   []*queue // shared queues, in creation order, for the worker
}

// queueKey identifies a queue object: region plus mode.
type queueKey struct {
	region string
	shared bool
}

// newStore returns an empty store whose sessions last hold by default.
func newStore(hold time.Duration) *store {
	st := &store{hold: hold, queues: make(map[queueKey]*queue, 16)}
	for i := range numShards {
		st.byID[i].m = make(map[string]*user, 256)
		st.byToken[i].m = make(map[string]*user, 256)
		st.sessions[i].m = make(map[string]*session, 128)
		st.events[i].cur = make(map[string]struct{}, 64)
		st.events[i].prev = map[string]struct{}{}
	}
	return st
}

// shardOf returns the shard index of key (FNV-1a, inlined, allocation free).
func shardOf(key string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return h & (numShards - 1)
}

// randomHex returns prefix followed by n random bytes in hex.
func randomHex(prefix string, n int) string {
	var raw [32]byte
	var out [80]byte
	_, _ = rand.Read(raw[:n]) // crypto/rand.Read never fails (Go >= 1.24)
	k := copy(out[:], prefix)
	k += hex.Encode(out[k:], raw[:n])
	return string(out[:k])
}

// createUser registers a new user with a fresh id and bearer token.
func (st *store) createUser() *user {
	u := &user{seq: st.nextSeq.Add(1)}
	for {
		u.id = randomHex("usr_", 12)
		sh := &st.byID[shardOf(u.id)]
		sh.mu.Lock()
		if _, taken := sh.m[u.id]; !taken {
			sh.m[u.id] = u
			sh.mu.Unlock()
			break
		}
		sh.mu.Unlock()
	}
	for {
		u.token = randomHex("", 32)
		sh := &st.byToken[shardOf(u.token)]
		sh.mu.Lock()
		if _, taken := sh.m[u.token]; !taken {
			sh.m[u.token] = u
			sh.mu.Unlock()
			break
		}
		sh.mu.Unlock()
	}
	st.c.users.Add(1)
	return u
}

// lookup returns the user stored under key in shards, or nil.
func lookup(shards *[numShards]userShard, key string) *user {
	sh := &shards[shardOf(key)]
	sh.mu.RLock()
	u := sh.m[key]
	sh.mu.RUnlock()
	return u
}

// userByID returns the user with the given id, or nil.
func (st *store) userByID(id string) *user { return lookup(&st.byID, id) }

// userByToken returns the user owning the bearer token, or nil.
func (st *store) userByToken(token string) *user { return lookup(&st.byToken, token) }

// credit adds n tokens to u's balance.
func (st *store) credit(u *user, n int64) {
	u.mu.Lock()
	u.tokens += n
	u.credited += n
	u.mu.Unlock()
	st.c.credited.Add(n)
}

// claimEvent records a webhook event id and reports whether it is new. Of
// any number of concurrent claims of one id exactly one returns true.
func (st *store) claimEvent(id string) bool {
	sh := &st.events[shardOf(id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, seen := sh.cur[id]; seen {
		return false
	}
	if _, seen := sh.prev[id]; seen {
		return false
	}
	sh.cur[id] = struct{}{}
	return true
}

// rotateEvents forgets the older generation of processed event ids.
func (st *store) rotateEvents() {
	for i := range st.events {
		sh := &st.events[i]
		sh.mu.Lock()
		sh.prev = sh.cur
		sh.cur = make(map[string]struct{}, len(sh.prev)/2+64)
		sh.mu.Unlock()
	}
}

// queueFor returns the queue of region and mode, creating it if needed.
func (st *store) queueFor(region string, shared bool) *queue {
	k := queueKey{region: region, shared: shared}
	st.queuesMu.RLock()
	q := st.queues[k]
	st.queuesMu.RUnlock()
	if q != nil {
		return q
	}
	st.queuesMu.Lock()
	defer st.queuesMu.Unlock()
	if q = st.queues[k]; q != nil {
		return q
	}
	q = &queue{region: region, mode: modeIsolated, shared: shared}
	if shared {
		q.mode = modeShared
		q.entries = make([]*queueEntry, 0, 64)
		st.shared = append(st.shared, q)
	}
	st.queues[k] = q
	return q
}

// forEachQueue calls fn for every queue (shared and isolated), on a
// snapshot taken under the lock so that fn may block.
func (st *store) forEachQueue(fn func(*queue)) {
	st.queuesMu.RLock()
	qs := make([]*queue, 0, len(st.queues))
	for _, q := range st.queues {
		qs = append(qs, q)
	}
	st.queuesMu.RUnlock()
	for _, q := range qs {
		fn(q)
	}
}

// sharedQueues returns a snapshot of the shared queues.
func (st *store) sharedQueues() []*queue {
	st.queuesMu.RLock()
	defer st.queuesMu.RUnlock()
	return st.shared[:len(st.shared):len(st.shared)]
}

// apiError is an error answer of the API: status, machine code, message.
type apiError struct {
	status  int
	code    string
	message string
}

// Error implements error.
func (e *apiError) Error() string { return e.code + ": " + e.message }

// Errors of the queue endpoints; shared values, never mutated.
var (
	errAlreadyQueued      = &apiError{409, "already_queued", "the user is already waiting in a queue"}
	errInSession          = &apiError{409, "in_session", "the user is in a session"}
	errInsufficientTokens = &apiError{402, "insufficient_tokens", "joining a shared queue needs at least 1 token"}
)

// joinResult is what a successful join answers.
type joinResult struct {
	queue    *queue
	position int64
}

// join puts u in the queue of region and mode. hold is the session hold the
// join asks for (0 = default).
func (st *store) join(u *user, region string, shared bool, hold time.Duration) (joinResult, *apiError) {
	u.mu.Lock()
	switch u.status {
	case statusWaiting:
		u.mu.Unlock()
		return joinResult{}, errAlreadyQueued
	case statusInSession:
		u.mu.Unlock()
		return joinResult{}, errInSession
	}
	if shared && u.tokens < 1 {
		u.mu.Unlock()
		return joinResult{}, errInsufficientTokens
	}
	q := st.queueFor(region, shared) // queuesMu is a leaf lock
	e := &queueEntry{user: u, queue: q, hold: hold}
	e.alive.Store(true)
	u.status = statusWaiting
	u.entry = e
	pos := q.waiting.Add(1)
	u.mu.Unlock()

	if !shared {
		return joinResult{queue: q, position: 1}, nil
	}
	// Appended after u.mu is released: the worker holds q.mu while it locks
	// users, so taking q.mu under u.mu could deadlock. If u leaves in
	// between, the entry is appended dead and skipped.
	q.mu.Lock()
	q.entries = append(q.entries, e)
	q.mu.Unlock()
	return joinResult{queue: q, position: pos}, nil
}

// leave takes u out of its queue or ends its session. It is idempotent.
func (st *store) leave(u *user, now time.Time) {
	u.mu.Lock()
	switch u.status {
	case statusWaiting:
		st.dropLocked(u)
		u.mu.Unlock()
	case statusInSession:
		s := u.session
		u.mu.Unlock()
		st.endSession(s, now)
	default:
		u.mu.Unlock()
	}
}

// dropLocked takes waiting user u out of its queue. Call with u.mu held.
func (st *store) dropLocked(u *user) {
	e := u.entry
	e.alive.Store(false)
	e.queue.waiting.Add(-1)
	u.entry = nil
	u.status = statusIdle
}

// lock2 locks two distinct users in seq order; unlock2 releases them.
func lock2(a, b *user) {
	if a.seq > b.seq {
		a, b = b, a
	}
	a.mu.Lock()
	b.mu.Lock()
}

// unlock2 releases the locks taken by lock2.
func unlock2(a, b *user) {
	a.mu.Unlock()
	b.mu.Unlock()
}

// endSession ends s at time at, returning both users to idle. It is
// idempotent and reports whether this call ended it.
func (st *store) endSession(s *session, at time.Time) bool {
	a, b := s.users[0], s.users[1]
	lock2(a, b)
	defer unlock2(a, b)
	if s.ended {
		return false
	}
	s.ended = true
	s.endedAt = at
	for _, u := range s.users {
		if u.session == s {
			u.session = nil
			u.status = statusIdle
		}
	}
	st.c.sessionsActive.Add(-1)
	return true
}

// putSession indexes s by id.
func (st *store) putSession(s *session) {
	sh := &st.sessions[shardOf(s.id)]
	sh.mu.Lock()
	sh.m[s.id] = s
	sh.mu.Unlock()
}

// sessionByID returns the session with the given id, or nil.
func (st *store) sessionByID(id string) *session {
	sh := &st.sessions[shardOf(id)]
	sh.mu.RLock()
	s := sh.m[id]
	sh.mu.RUnlock()
	return s
}

// forgetSession removes s from the index (after its retention period).
func (st *store) forgetSession(s *session) {
	sh := &st.sessions[shardOf(s.id)]
	sh.mu.Lock()
	if sh.m[s.id] == s {
		delete(sh.m, s.id)
	}
	sh.mu.Unlock()
}

// userView is a consistent snapshot of one user's public state.
type userView struct {
	id       string
	tokens   int64
	status   userStatus
	entry    *queueEntry
	session  *session
	peerID   string
	credited int64
	debited  int64
}

// view snapshots u under its lock.
func (u *user) view() userView {
	u.mu.Lock()
	defer u.mu.Unlock()
	v := userView{
		id: u.id, tokens: u.tokens, status: u.status, entry: u.entry,
		session: u.session, credited: u.credited, debited: u.debited,
	}
	if u.session != nil {
		v.peerID = u.session.peerOf(u).id
	}
	return v
}
