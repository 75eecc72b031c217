package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClockOrdersByTimeThenScheduling(t *testing.T) {
	var c Clock
	var got []string
	c.At(30, func() { got = append(got, "c") })
	c.At(10, func() { got = append(got, "a") })
	b := c.At(20, func() { got = append(got, "x") })
	c.At(20, func() { got = append(got, "b1") })
	c.At(20, func() { got = append(got, "b2") })
	c.Cancel(b)
	c.AdvanceTo(25)
	require.Equal(t, []string{"a", "b1", "b2"}, got)
	require.Equal(t, Time(25), c.Now())
	next, ok := c.Next()
	require.True(t, ok)
	require.Equal(t, Time(30), next)
}

func TestClockEventsScheduledWhileRunning(t *testing.T) {
	var c Clock
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < 5 {
			c.After(10, tick)
		}
	}
	c.At(0, tick)
	c.AdvanceTo(35)
	require.Equal(t, 4, n)
	require.Equal(t, Time(35), c.Now())
}

func TestTicksRoundTrip(t *testing.T) {
	require.Equal(t, uint64(10_000_000), Ticks(Second, 10_000_000))
	require.Equal(t, uint64(1), Ticks(FromTicks(1, 1_000_000), 1_000_000))
	require.Equal(t, Time(834), FromTicks(1, 1_200_000_000)) // rounded up
	require.Equal(t, uint64(0), Ticks(99*Nanosecond, 10_000_000))
	require.Equal(t, uint64(1), Ticks(100*Nanosecond, 10_000_000))
}
