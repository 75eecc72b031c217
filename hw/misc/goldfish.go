package misc

import (
	"fmt"

	"cosim/hw/sim"
)

// Goldfish RTC registers (Android goldfish spec; QEMU hw/rtc/goldfish_rtc.c).
const (
	rtcTimeLow      = 0x00
	rtcTimeHigh     = 0x04
	rtcAlarmLow     = 0x08
	rtcAlarmHigh    = 0x0C
	rtcIRQEnabled   = 0x10
	rtcClearAlarm   = 0x14
	rtcAlarmStatus  = 0x18
	rtcClearIRQ     = 0x1C
	GoldfishRTCSize = 0x1000
)

// GoldfishRTCConfig describes the RTC.
type GoldfishRTCConfig struct {
	Name  string
	Clock *sim.Clock
	// EpochNs is the wall-clock time at simulated time zero, in
	// nanoseconds since 1970 (from the run's config, default 0: the run
	// is deterministic and never looks at the host clock).
	EpochNs uint64
	IRQ     sim.Line
	Obs     sim.Observer
}

// GoldfishRTC is a nanosecond wall clock with one alarm.
type GoldfishRTC struct {
	// Obs receives events; nil = off. It starts as the config's.
	Obs        sim.Observer
	cfg        GoldfishRTCConfig
	offset     uint64 // added to simulated ns; changed by writes to TIME
	timeHigh   uint32 // latched by reads of TIME_LOW
	alarmNext  uint64
	running    bool
	irqPending bool
	irqEnabled bool
	alarm      *sim.Alarm
	irq        bool
	// IRQ is the interrupt output.
	IRQ sim.Line
}

// NewGoldfishRTC builds the RTC.
func NewGoldfishRTC(cfg GoldfishRTCConfig) (*GoldfishRTC, error) {
	if cfg.Clock == nil {
		return nil, fmt.Errorf("goldfish rtc %s: no clock", cfg.Name)
	}
	return &GoldfishRTC{cfg: cfg, Obs: cfg.Obs, offset: cfg.EpochNs, IRQ: cfg.IRQ}, nil
}

func simNs(t sim.Time) uint64 { return uint64(t / sim.Nanosecond) }

// Now returns the RTC's time in nanoseconds.
func (r *GoldfishRTC) Now() uint64 { return simNs(r.cfg.Clock.Now()) + r.offset }

// Read implements mem.Device (32-bit registers).
func (r *GoldfishRTC) Read(off uint64, size int) (uint64, bool) {
	if size != 4 || off%4 != 0 || off >= GoldfishRTCSize {
		return 0, false
	}
	var v uint32
	switch off {
	case rtcTimeLow:
		t := r.Now()
		r.timeHigh = uint32(t >> 32)
		v = uint32(t)
	case rtcTimeHigh:
		v = r.timeHigh
	case rtcAlarmLow:
		v = uint32(r.alarmNext)
	case rtcAlarmHigh:
		v = uint32(r.alarmNext >> 32)
	case rtcIRQEnabled:
		v = b2u(r.irqEnabled)
	case rtcAlarmStatus:
		v = b2u(r.running)
	}
	observeMMIO(r.Obs, r.cfg.Name, off, uint64(v), size, false)
	return uint64(v), true
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// Write implements mem.Device.
func (r *GoldfishRTC) Write(off uint64, size int, v uint64) bool {
	if size != 4 || off%4 != 0 || off >= GoldfishRTCSize {
		return false
	}
	observeMMIO(r.Obs, r.cfg.Name, off, v, size, true)
	x := uint64(uint32(v))
	switch off {
	case rtcTimeLow:
		r.setTime(r.Now()&^0xFFFF_FFFF | x)
	case rtcTimeHigh:
		r.setTime(r.Now()&0xFFFF_FFFF | x<<32)
	case rtcAlarmLow:
		r.alarmNext = r.alarmNext&^0xFFFF_FFFF | x
		r.arm()
	case rtcAlarmHigh:
		r.alarmNext = r.alarmNext&0xFFFF_FFFF | x<<32
	case rtcIRQEnabled:
		r.irqEnabled = x&1 != 0
	case rtcClearAlarm:
		r.clearAlarm()
	case rtcClearIRQ:
		r.irqPending = false
	}
	r.update()
	return true
}

func (r *GoldfishRTC) setTime(t uint64) {
	r.offset = t - simNs(r.cfg.Clock.Now())
	if r.running {
		r.arm()
	}
}

// arm starts the alarm for alarmNext; a time already past fires at once.
func (r *GoldfishRTC) arm() {
	r.clearAlarm()
	now := r.Now()
	if r.alarmNext <= now {
		r.irqPending = true
		return
	}
	d := r.alarmNext - now
	r.running = true
	r.alarm = r.cfg.Clock.After(sim.Time(min(d, uint64(sim.Never/sim.Nanosecond)))*sim.Nanosecond, func() {
		r.alarm = nil
		r.running = false
		r.irqPending = true
		r.update()
	})
}

func (r *GoldfishRTC) clearAlarm() {
	r.cfg.Clock.Cancel(r.alarm)
	r.alarm = nil
	r.running = false
}

func (r *GoldfishRTC) update() {
	lvl := r.irqPending && r.irqEnabled
	if lvl != r.irq {
		r.irq = lvl
		r.IRQ.Set(lvl)
	}
}
