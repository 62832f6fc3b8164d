package engine

import (
	"context"
	"sync"
)

// vuPool holds the initialised VUs that no scenario is using. Scenarios take
// VUs when they start and give them back when they end, so one VU serves
// several scenarios over a run. It is safe for concurrent use.
type vuPool struct {
	mu     sync.Mutex
	idle   []InitializedVU
	notify chan struct{} // closed and replaced when a VU is put back
}

func newVUPool() *vuPool { return &vuPool{notify: make(chan struct{})} }

// put returns a VU to the pool.
func (p *vuPool) put(vu InitializedVU) {
	p.mu.Lock()
	p.idle = append(p.idle, vu)
	close(p.notify)
	p.notify = make(chan struct{})
	p.mu.Unlock()
}

// tryGet takes an idle VU if there is one.
func (p *vuPool) tryGet() (InitializedVU, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil, false
	}
	vu := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return vu, true
}

// get takes an idle VU, waiting for one until ctx is done. The engine
// initialises as many VUs as the busiest moment of the run needs, so get
// waits only while an earlier scenario is still handing its VUs back.
func (p *vuPool) get(ctx context.Context) (InitializedVU, error) {
	for {
		p.mu.Lock()
		if n := len(p.idle); n > 0 {
			vu := p.idle[n-1]
			p.idle[n-1] = nil
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			return vu, nil
		}
		wait := p.notify
		p.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// getN takes n VUs (see get); on error the VUs already taken go back.
func (p *vuPool) getN(ctx context.Context, n int64) ([]InitializedVU, error) {
	vus := make([]InitializedVU, 0, n)
	for int64(len(vus)) < n {
		vu, err := p.get(ctx)
		if err != nil {
			for _, v := range vus {
				p.put(v)
			}
			return nil, err
		}
		vus = append(vus, vu)
	}
	return vus, nil
}
