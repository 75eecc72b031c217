// Package cache owns the cache model: set-associative caches with the
// board's geometry, replacement policy, hit and miss latencies, statistics,
// and (for a non-coherent instruction cache) the bytes each line held when it
// was filled.
//
// It models tags and timing, not coherence protocols: whoever owns the
// caches decides when a line is invalidated (fence.i, a store seen by a
// coherent cache). It must not know about harts, buses or boards; memory
// contents reach it through a fill callback.
package cache

import (
	"errors"
	"fmt"
	"math/bits"
)

// Replacement selects the victim way on a miss.
type Replacement uint8

const (
	// Random replacement driven by a seeded LFSR, as SiFive's L1 and L2
	// caches document (deterministic for a given seed).
	Random Replacement = iota
	// LRU replaces the least recently used way.
	LRU
)

// Config is one cache's geometry and timing.
type Config struct {
	Name        string
	Size        uint64 // bytes
	Ways        uint64
	Line        uint64 // bytes per line
	HitLatency  uint64 // cycles added by a hit
	MissLatency uint64 // cycles added by a miss, on top of the next level's cost
	Replacement Replacement
	Seed        uint64 // LFSR seed for Random
	// KeepData makes the cache hold a copy of each line's bytes from the
	// moment it was filled (a non-coherent instruction cache).
	KeepData bool
}

// Stats counts what the cache saw.
type Stats struct {
	Accesses   uint64
	Misses     uint64
	Evictions  uint64 // valid lines replaced
	Writebacks uint64 // dirty lines replaced or flushed
}

// Cache is one level of cache.
type Cache struct {
	cfg       Config
	sets      uint64
	lineShift uint
	setMask   uint64
	tags      []uint64 // sets*ways line addresses; invalid = ^0
	dirty     []bool
	age       []uint64 // LRU stamps
	data      []byte   // sets*ways*line when KeepData
	clock     uint64
	lfsr      uint64
	Stats     Stats
	// Next is the level behind this one (nil: memory).
	Next *Cache
	// Fill provides a line's bytes when KeepData is set.
	Fill func(lineAddr uint64, dst []byte)
	// OnEvict is told of every line that leaves the cache (replacement or
	// invalidation), e.g. so decoded instructions from it are dropped.
	OnEvict func(lineAddr uint64)
}

const invalid = ^uint64(0)

// New checks the geometry and builds an empty cache.
func New(cfg Config) (*Cache, error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("cache %s: %w", cfg.Name, err)
	}
	sets := cfg.Size / cfg.Line / cfg.Ways
	n := sets * cfg.Ways
	c := &Cache{
		cfg: cfg, sets: sets, lineShift: uint(bits.TrailingZeros64(cfg.Line)), setMask: sets - 1,
		tags: make([]uint64, n), dirty: make([]bool, n), age: make([]uint64, n),
		lfsr: cfg.Seed | 1,
	}
	for i := range c.tags {
		c.tags[i] = invalid
	}
	if cfg.KeepData {
		c.data = make([]byte, n*cfg.Line)
	}
	return c, nil
}

func (cfg Config) check() error {
	pow2 := func(v uint64) bool { return v != 0 && v&(v-1) == 0 }
	switch {
	case !pow2(cfg.Size):
		return fmt.Errorf("size %d is not a power of two", cfg.Size)
	case !pow2(cfg.Line):
		return fmt.Errorf("line %d is not a power of two", cfg.Line)
	case cfg.Ways == 0 || cfg.Size%(cfg.Line*cfg.Ways) != 0:
		return fmt.Errorf("%d ways do not divide %d lines", cfg.Ways, cfg.Size/cfg.Line)
	case !pow2(cfg.Size / cfg.Line / cfg.Ways):
		return errors.New("number of sets is not a power of two")
	}
	return nil
}

// Config returns the cache's configuration.
func (c *Cache) Config() Config { return c.cfg }

// Sets returns the number of sets.
func (c *Cache) Sets() uint64 { return c.sets }

// LineAddr returns the address of the line holding addr.
func (c *Cache) LineAddr(addr uint64) uint64 { return addr &^ (c.cfg.Line - 1) }

// Access looks addr up, filling the line on a miss, and returns the cycles
// the access costs (this level's latency plus, on a miss, the next level's).
func (c *Cache) Access(addr uint64, write bool) uint64 {
	c.Stats.Accesses++
	line := addr >> c.lineShift
	base := (line & c.setMask) * c.cfg.Ways
	c.clock++
	for w := base; w < base+c.cfg.Ways; w++ {
		if c.tags[w] == line {
			c.age[w] = c.clock
			if write {
				c.dirty[w] = true
			}
			return c.cfg.HitLatency
		}
	}
	c.Stats.Misses++
	cost := c.cfg.HitLatency + c.cfg.MissLatency
	if c.Next != nil {
		cost += c.Next.Access(addr, false)
	}
	w := c.victim(base)
	c.evict(w)
	c.tags[w] = line
	c.dirty[w] = write
	c.age[w] = c.clock
	if c.data != nil && c.Fill != nil {
		c.Fill(line<<c.lineShift, c.lineData(w))
	}
	return cost
}

// Contains reports whether the line holding addr is cached.
func (c *Cache) Contains(addr uint64) bool { return c.way(addr) >= 0 }

// Data returns the bytes the cache holds for addr's line (KeepData only),
// or nil if the line is not cached.
func (c *Cache) Data(addr uint64) []byte {
	w := c.way(addr)
	if w < 0 || c.data == nil {
		return nil
	}
	return c.lineData(uint64(w))
}

// Invalidate drops addr's line (writing it back if dirty).
func (c *Cache) Invalidate(addr uint64) {
	if w := c.way(addr); w >= 0 {
		c.evict(uint64(w))
	}
}

// InvalidateAll drops every line (fence.i on an instruction cache, a full
// flush on a data cache).
func (c *Cache) InvalidateAll() {
	for w := range c.tags {
		c.evict(uint64(w))
	}
}

func (c *Cache) way(addr uint64) int {
	line := addr >> c.lineShift
	base := (line & c.setMask) * c.cfg.Ways
	for w := base; w < base+c.cfg.Ways; w++ {
		if c.tags[w] == line {
			return int(w)
		}
	}
	return -1
}

func (c *Cache) lineData(w uint64) []byte {
	return c.data[w*c.cfg.Line : (w+1)*c.cfg.Line]
}

func (c *Cache) evict(w uint64) {
	if c.tags[w] == invalid {
		return
	}
	c.Stats.Evictions++
	if c.dirty[w] {
		c.Stats.Writebacks++
	}
	line := c.tags[w]
	c.tags[w] = invalid
	c.dirty[w] = false
	if c.OnEvict != nil {
		c.OnEvict(line << c.lineShift)
	}
}

// victim picks the way to fill in the set starting at base: an invalid way
// if there is one, else by the replacement policy.
func (c *Cache) victim(base uint64) uint64 {
	for w := base; w < base+c.cfg.Ways; w++ {
		if c.tags[w] == invalid {
			return w
		}
	}
	if c.cfg.Replacement == LRU {
		v := base
		for w := base + 1; w < base+c.cfg.Ways; w++ {
			if c.age[w] < c.age[v] {
				v = w
			}
		}
		return v
	}
	return base + c.nextRandom()%c.cfg.Ways
}

// nextRandom steps a 64-bit Galois LFSR (taps 64, 63, 61, 60): cheap, and
// the same sequence for the same seed on every host.
func (c *Cache) nextRandom() uint64 {
	lsb := c.lfsr & 1
	c.lfsr >>= 1
	if lsb != 0 {
		c.lfsr ^= 0xD800000000000000
	}
	return c.lfsr
}
