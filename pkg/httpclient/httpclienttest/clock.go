// Package httpclienttest holds what tests of httpclient's users share: a
// clock for the retry loop that records its waits instead of sleeping, so
// a test asserts how long the loop would wait rather than timing it.
package httpclienttest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is an httpclient.Clock whose Sleep returns at once, moving Now
// forward by the wait. Its zero value is not usable: see NewClock.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// NewClock starts a clock at start, which may be any date: the retry loop
// counts a context's deadline down on its clock, not the wall clock.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now is the start plus every wait so far.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and moves the clock on; it fails only when ctx is done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// Waits are the waits asked for, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}
