package nvme

// Feature identifiers.
const (
	featArbitration     = 0x01
	featPowerManagement = 0x02
	featTemperature     = 0x04
	featErrorRecovery   = 0x05
	featWriteCache      = 0x06
	featNumQueues       = 0x07
	featCoalescing      = 0x08
	featVectorConfig    = 0x09
	featWriteAtomicity  = 0x0A
	featAsyncConfig     = 0x0B
)

// Get Features select values and capability bits.
const (
	selCurrent      = 0
	selDefault      = 1
	selSaved        = 2
	selCapabilities = 3
	capChangeable   = 1 << 2
	defaultArbBurst = 0x7
)

// features holds the current value of every feature. Nothing is saveable:
// a reset brings back the defaults.
type features struct {
	arbitration, power, errorRecovery, atomicity uint32
	tempOver, tempUnder                          uint16
	writeCache                                   bool
	coalesce                                     uint32
	noCoalesce                                   []bool // per vector: Coalescing Disable
	asyncConfig                                  uint32
}

func (f *features) reset(c *Controller) {
	*f = features{
		arbitration: defaultArbBurst,
		tempOver:    warnTemperature,
		writeCache:  c.c.WriteCache == WriteCacheOn,
		noCoalesce:  make([]bool, c.c.MSIXVectors),
	}
}

func (f *features) vectorNoCoalesce(iv int) bool {
	return iv >= 0 && iv < len(f.noCoalesce) && f.noCoalesce[iv]
}

// featureSpec is one supported feature: how to read it, and how to apply a
// Set Features (nil: not changeable).
type featureSpec struct {
	get func(c *Controller, dw11 uint32, sel uint32) uint32
	set func(c *Controller, dw11 uint32) Status
}

var featureTable = map[uint8]featureSpec{
	featArbitration: {
		get: func(c *Controller, _, sel uint32) uint32 {
			return pick(sel, c.feat.arbitration, defaultArbBurst)
		},
		set: func(c *Controller, v uint32) Status { c.feat.arbitration = v; return Success },
	},
	featPowerManagement: {
		get: func(c *Controller, _, sel uint32) uint32 { return pick(sel, c.feat.power, 0) },
		set: func(c *Controller, v uint32) Status {
			if v&0x1F != 0 { // only power state 0 exists (NPSS 0)
				return InvalidField
			}
			c.feat.power = v & 0xFF
			return Success
		},
	},
	featTemperature: {
		get: func(c *Controller, dw11, sel uint32) uint32 {
			sensor, kind := dw11>>16&0xF, dw11>>20&3
			if sensor != 0 || kind > 1 {
				return 0
			}
			cur, def := c.feat.tempOver, uint16(warnTemperature)
			if kind == 1 {
				cur, def = c.feat.tempUnder, 0
			}
			return dw11&0x3F0000 | pick(sel, uint32(cur), uint32(def))
		},
		set: func(c *Controller, v uint32) Status {
			sensor, kind := v>>16&0xF, v>>20&3
			if sensor != 0 && sensor != 0xF || kind > 1 {
				return InvalidField
			}
			if kind == 0 {
				c.feat.tempOver = uint16(v)
			} else {
				c.feat.tempUnder = uint16(v)
			}
			c.temperatureEvent()
			return Success
		},
	},
	featErrorRecovery: {
		get: func(c *Controller, _, sel uint32) uint32 { return pick(sel, c.feat.errorRecovery, 0) },
		set: func(c *Controller, v uint32) Status {
			if v&(1<<16) != 0 { // DULBE: no deallocated-block errors
				return InvalidField
			}
			c.feat.errorRecovery = v & 0xFFFF
			return Success
		},
	},
	featWriteCache: {
		get: func(c *Controller, _, sel uint32) uint32 {
			return pick(sel, b2u(c.feat.writeCache), b2u(c.c.WriteCache == WriteCacheOn))
		},
		set: func(c *Controller, v uint32) Status {
			if c.c.WriteCache == WriteCacheNone {
				return FeatureNotChangeable
			}
			on := v&1 != 0
			if c.feat.writeCache && !on {
				// What the cache held becomes durable before writes are
				// durable one by one.
				if st := c.flushAll(); !st.OK() {
					return st
				}
			}
			c.feat.writeCache = on
			return Success
		},
	},
	featNumQueues: {
		get: func(c *Controller, _, _ uint32) uint32 { return c.queuesAllocated() },
		set: func(c *Controller, v uint32) Status {
			if v&0xFFFF == 0xFFFF || v>>16 == 0xFFFF {
				return InvalidField
			}
			if c.queuesCreated {
				return CommandSequenceError
			}
			return Success
		},
	},
	featCoalescing: {
		get: func(c *Controller, _, sel uint32) uint32 { return pick(sel, c.feat.coalesce, 0) },
		set: func(c *Controller, v uint32) Status { c.feat.coalesce = v & 0xFFFF; return Success },
	},
	featVectorConfig: {
		get: func(c *Controller, dw11, sel uint32) uint32 {
			iv := dw11 & 0xFFFF
			cur := uint32(0)
			if c.feat.vectorNoCoalesce(int(iv)) {
				cur = 1 << 16
			}
			return iv | pick(sel, cur, 0)
		},
		set: func(c *Controller, v uint32) Status {
			iv := int(v & 0xFFFF)
			if iv >= len(c.feat.noCoalesce) {
				return InvalidField
			}
			c.feat.noCoalesce[iv] = v&(1<<16) != 0
			return Success
		},
	},
	featWriteAtomicity: {
		get: func(c *Controller, _, sel uint32) uint32 { return pick(sel, c.feat.atomicity, 0) },
		set: func(c *Controller, v uint32) Status { c.feat.atomicity = v & 1; return Success },
	},
	featAsyncConfig: {
		get: func(c *Controller, _, sel uint32) uint32 { return pick(sel, c.feat.asyncConfig, 0) },
		set: func(c *Controller, v uint32) Status {
			c.feat.asyncConfig = v & 0xFF // SMART / health warnings only (no notices)
			c.temperatureEvent()
			return Success
		},
	},
}

// pick returns the current or the default value for a Get Features select
// (nothing is saveable, so saved means default).
func pick(sel, cur, def uint32) uint32 {
	if sel == selCurrent {
		return cur
	}
	return def
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// queuesAllocated is the Number of Queues result: every queue the
// controller has, 0-based, whatever was asked for (as QEMU answers).
func (c *Controller) queuesAllocated() uint32 {
	n := uint32(c.c.MaxIOQueuePairs - 1)
	return n | n<<16
}

func (c *Controller) getFeatures(cmd *command) (Status, uint32) {
	dw10 := cmd.cdw(10)
	fid, sel := uint8(dw10), dw10>>8&7
	spec, ok := featureTable[fid]
	if !ok || sel > selCapabilities {
		return InvalidField, 0
	}
	if sel == selCapabilities {
		if spec.set != nil && !(fid == featWriteCache && c.c.WriteCache == WriteCacheNone) {
			return Success, capChangeable
		}
		return Success, 0
	}
	return Success, spec.get(c, cmd.cdw(11), sel)
}

func (c *Controller) setFeatures(cmd *command) (Status, uint32) {
	dw10 := cmd.cdw(10)
	fid, save := uint8(dw10), dw10>>31 == 1
	spec, ok := featureTable[fid]
	if !ok {
		return InvalidField, 0
	}
	if save {
		return FeatureNotSaveable, 0
	}
	st := spec.set(c, cmd.cdw(11))
	if fid == featNumQueues && st.OK() {
		return st, c.queuesAllocated()
	}
	return st, 0
}
