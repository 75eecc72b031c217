package soc

import (
	"fmt"

	"cosim/boards"
	"cosim/hw/cache"
	"cosim/hw/hart"
)

// addCaches builds the board's caches: the shared L2, and per hart its L1
// I and D in front of it.
func (s *SoC) addCaches() error {
	l2, err := NewL2(s.Board)
	if err != nil {
		return err
	}
	s.L2 = l2
	for i, bh := range s.Board.Harts {
		c, err := NewHartCaches(s.Board, bh, l2)
		if err != nil {
			return err
		}
		if c.I == nil && c.D == nil {
			continue
		}
		if err := s.Harts[i].SetCaches(c); err != nil {
			return err
		}
	}
	return nil
}

// NewL2 builds the board's shared L2 (nil when it declares none). Every
// cache has its own replacement seed, fixed by its place on the board, so
// runs repeat.
func NewL2(b *boards.Board) (*cache.Cache, error) {
	if b.L2 == nil {
		return nil, nil
	}
	return newCache("l2", b.L2.Cache, false, 0x4c32)
}

// NewHartCaches builds the L1 caches the board gives hart bh, in front of
// l2 (which may be nil). A non-coherent I-cache keeps the bytes it fetched.
func NewHartCaches(b *boards.Board, bh boards.Hart, l2 *cache.Cache) (hart.Caches, error) {
	c := hart.Caches{ICoherent: b.ICacheCoherent}
	var err error
	if bh.ICache != nil {
		name := fmt.Sprintf("hart%d.l1i", bh.ID)
		if c.I, err = newCache(name, *bh.ICache, !b.ICacheCoherent, 0x100+uint64(bh.ID)*2); err != nil {
			return hart.Caches{}, err
		}
		c.I.Next = l2
	}
	if bh.DCache != nil {
		name := fmt.Sprintf("hart%d.l1d", bh.ID)
		if c.D, err = newCache(name, *bh.DCache, false, 0x101+uint64(bh.ID)*2); err != nil {
			return hart.Caches{}, err
		}
		c.D.Next = l2
	}
	return c, nil
}

func newCache(name string, bc boards.Cache, keepData bool, seed uint64) (*cache.Cache, error) {
	cfg := cache.Config{Name: name, Size: bc.Size, Ways: bc.Ways, Line: bc.Line,
		HitLatency: uint64(bc.HitLatency), MissLatency: uint64(bc.MissLatency),
		Replacement: cache.Random, Seed: seed, KeepData: keepData}
	if bc.Replacement == boards.ReplaceLRU {
		cfg.Replacement = cache.LRU
	}
	return cache.New(cfg)
}
