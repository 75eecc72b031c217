package soc

import (
	"fmt"

	"cosim/boards"
	"cosim/hw/cache"
	"cosim/hw/hart"
)

// addCaches builds the board's caches: the shared L2, and per hart its L1
// I and D in front of it. Every cache has its own replacement seed, fixed
// by its place on the board, so runs repeat.
func (s *SoC) addCaches() error {
	b := s.Board
	if b.L2 != nil {
		l2, err := newCache("l2", b.L2.Cache, false, 0x4c32)
		if err != nil {
			return err
		}
		s.L2 = l2
	}
	for i, bh := range b.Harts {
		var c hart.Caches
		c.ICoherent = b.ICacheCoherent
		var err error
		if bh.ICache != nil {
			name := fmt.Sprintf("hart%d.l1i", bh.ID)
			if c.I, err = newCache(name, *bh.ICache, !b.ICacheCoherent, 0x100+uint64(bh.ID)*2); err != nil {
				return err
			}
			c.I.Next = s.L2
		}
		if bh.DCache != nil {
			name := fmt.Sprintf("hart%d.l1d", bh.ID)
			if c.D, err = newCache(name, *bh.DCache, false, 0x101+uint64(bh.ID)*2); err != nil {
				return err
			}
			c.D.Next = s.L2
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

func newCache(name string, bc boards.Cache, keepData bool, seed uint64) (*cache.Cache, error) {
	cfg := cache.Config{Name: name, Size: bc.Size, Ways: bc.Ways, Line: bc.Line,
		HitLatency: uint64(bc.HitLatency), MissLatency: uint64(bc.MissLatency),
		Replacement: cache.Random, Seed: seed, KeepData: keepData}
	if bc.Replacement == boards.ReplaceLRU {
		cfg.Replacement = cache.LRU
	}
	return cache.New(cfg)
}
