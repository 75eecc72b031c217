package nvme

import (
	"encoding/binary"

	"cosim/hw/sim"
)

// Asynchronous event types and information (NVMe 1.4, 5.2).
const (
	eventTypeError = 0
	eventTypeSMART = 1

	eventInvalidDoorbell      = 0x00 // error: write to a doorbell of a queue that does not exist
	eventInvalidDoorbellValue = 0x01 // error: a value the queue cannot hold
	eventTemperature          = 0x01 // SMART: temperature threshold crossed
)

// Log page identifiers.
const (
	logError    = 0x01
	logSMART    = 0x02
	logFirmware = 0x03
	logEffects  = 0x05
)

// Sizes and fixed values of the logs.
const (
	errorEntrySize   = 64
	smartLogSize     = 512
	firmwareLogSize  = 512
	effectsLogSize   = 4096
	temperatureK     = 0x143 // composite temperature, 323 K, as QEMU
	warnTemperature  = 0x157 // WCTEMP, 343 K
	critTemperature  = 0x175 // CCTEMP, 373 K
	availableSpare   = 100   // percent
	spareThreshold   = 10    // percent
	critWarnTemp     = 1 << 1
	aecTemperature   = 1 << 1
	effectSupported  = 1 << 0
	effectLBAChanged = 1 << 1
)

type event struct{ typ, info, lid uint8 }

type errorEntry struct {
	count  uint64
	sqid   uint16
	cid    uint16
	status Status
}

// asyncEventRequest parks an AER until an event happens; more than AERL+1
// outstanding is an error.
func (c *Controller) asyncEventRequest(cmd *command) {
	if len(c.aers) >= aerLimit+1 {
		c.complete(cmd.sq, cmd.cid(), AERLimitExceeded, 0)
		c.recycle(cmd)
		return
	}
	c.aers = append(c.aers, cmd)
	c.deliverEvents()
}

// enqueueEvent records an event for the host; it is reported through the
// oldest outstanding AER as soon as its type is not masked (a reported
// type stays masked until the host reads its log page).
func (c *Controller) enqueueEvent(e event) {
	if len(c.events) < maxEventsQueued {
		c.events = append(c.events, e)
	}
	c.deliverEvents()
}

func (c *Controller) deliverEvents() {
	for len(c.aers) > 0 {
		i := 0
		for i < len(c.events) && c.masked[c.events[i].typ] {
			i++
		}
		if i == len(c.events) {
			return
		}
		e := c.events[i]
		c.events = append(c.events[:i], c.events[i+1:]...)
		cmd := c.aers[0]
		c.aers = append(c.aers[:0], c.aers[1:]...)
		c.masked[e.typ] = true
		c.complete(cmd.sq, cmd.cid(), Success, uint32(e.typ)|uint32(e.info)<<8|uint32(e.lid)<<16)
		c.recycle(cmd)
	}
}

func (c *Controller) doorbellError(qid uint16, info uint8) {
	c.errCount++
	c.errLog = append(c.errLog[:0], errorEntry{count: c.errCount, sqid: qid, cid: 0xFFFF})
	c.enqueueEvent(event{typ: eventTypeError, info: info, lid: logError})
}

// logError keeps the most recent error in the Error Information log.
func (c *Controller) logError(sqid, cid uint16, st Status) {
	c.errCount++
	e := errorEntry{count: c.errCount, sqid: sqid, cid: cid, status: st}
	if len(c.errLog) < maxErrorEntries {
		c.errLog = append(c.errLog, e)
		return
	}
	copy(c.errLog[1:], c.errLog[:len(c.errLog)-1])
	c.errLog[0] = e
}

// temperatureEvent raises the SMART temperature event if the temperature
// is beyond a threshold and the host enabled the event.
func (c *Controller) temperatureEvent() {
	if c.criticalWarning()&critWarnTemp != 0 && c.feat.asyncConfig&aecTemperature != 0 {
		c.enqueueEvent(event{typ: eventTypeSMART, info: eventTemperature, lid: logSMART})
	}
}

func (c *Controller) criticalWarning() uint8 {
	if temperatureK > c.feat.tempOver || temperatureK < c.feat.tempUnder {
		return critWarnTemp
	}
	return 0
}

func put128(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }

// unitsOf1000 is the SMART data-unit count: thousands of 512-byte units,
// rounded up.
func unitsOf1000(bytes uint64) uint64 { return ((bytes >> 9) + 999) / 1000 }

func (c *Controller) smartLog(b []byte, stats counters) {
	b[0] = c.criticalWarning()
	binary.LittleEndian.PutUint16(b[1:], temperatureK)
	b[3] = availableSpare
	b[4] = spareThreshold
	put128(b[32:], unitsOf1000(stats.bytesRead))
	put128(b[48:], unitsOf1000(stats.bytesWritten))
	put128(b[64:], stats.readCmds)
	put128(b[80:], stats.writeCmds)
	put128(b[128:], uint64(c.clock.Now()/(3600*sim.Second)))
	put128(b[160:], stats.mediaErrors)
	put128(b[176:], c.errCount)
}

func (c *Controller) errorLog(b []byte) {
	for i, e := range c.errLog {
		p := b[i*errorEntrySize:]
		binary.LittleEndian.PutUint64(p[0:], e.count)
		binary.LittleEndian.PutUint16(p[8:], e.sqid)
		binary.LittleEndian.PutUint16(p[10:], e.cid)
		binary.LittleEndian.PutUint16(p[12:], uint16(e.status)<<1)
		binary.LittleEndian.PutUint16(p[14:], 0xFFFF) // parameter location not reported
	}
}

func (c *Controller) firmwareLog(b []byte) {
	b[0] = 1 // slot 1 active
	putString(b[8:16], c.c.Firmware)
}

// effects lists the supported commands and what they change.
func effectsLog(b []byte) {
	for _, op := range adminOpcodes {
		binary.LittleEndian.PutUint32(b[4*int(op):], effectSupported)
	}
	for _, o := range ioOpcodes {
		v := uint32(effectSupported)
		if o.lbcc {
			v |= effectLBAChanged
		}
		binary.LittleEndian.PutUint32(b[1024+4*int(o.op):], v)
	}
}

func (c *Controller) totals() counters {
	var t counters
	for _, ns := range c.ns {
		t.bytesRead += ns.stats.bytesRead
		t.bytesWritten += ns.stats.bytesWritten
		t.readCmds += ns.stats.readCmds
		t.writeCmds += ns.stats.writeCmds
		t.mediaErrors += ns.stats.mediaErrors
	}
	return t
}

// getLogPage returns a log (or the part from the offset on), zero-padded to
// the requested length. Reading without Retain Asynchronous Event unmasks
// the log's event type.
func (c *Controller) getLogPage(cmd *command) (Status, uint32) {
	dw10 := cmd.cdw(10)
	lid, rae := uint8(dw10), dw10>>15&1 == 1
	length := (uint64(cmd.cdw(11)&0xFFFF)<<16 | uint64(dw10>>16) + 1) * 4
	off := uint64(cmd.cdw(13))<<32 | uint64(cmd.cdw(12))
	if off&3 != 0 || length > c.mdtsBytes() {
		return InvalidField, 0
	}
	var log []byte
	evType := -1
	switch lid {
	case logError:
		log = make([]byte, errorEntrySize*maxErrorEntries)
		c.errorLog(log)
		evType = eventTypeError
	case logSMART:
		stats, st := c.smartScope(cmd.nsid())
		if !st.OK() {
			return st, 0
		}
		log = make([]byte, smartLogSize)
		c.smartLog(log, stats)
		evType = eventTypeSMART
	case logFirmware:
		log = make([]byte, firmwareLogSize)
		c.firmwareLog(log)
	case logEffects:
		log = make([]byte, effectsLogSize)
		effectsLog(log)
	default:
		return InvalidLogPage, 0
	}
	if off > uint64(len(log)) {
		return InvalidField, 0
	}
	data := c.scratch(int(length))
	clear(data)
	copy(data, log[off:])
	if st := c.transferOut(cmd, data); !st.OK() {
		return st, 0
	}
	if !rae && evType >= 0 {
		c.masked[evType] = false
		c.deliverEvents()
	}
	return Success, 0
}

// smartScope picks the counters a SMART log request means: the
// controller's for NSID 0 or FFFFFFFFh, a namespace's otherwise.
func (c *Controller) smartScope(nsid uint32) (counters, Status) {
	if nsid == 0 || nsid == broadcastNSID {
		return c.totals(), Success
	}
	if ns := c.namespace(nsid); ns != nil {
		return ns.stats, Success
	}
	if nsid <= c.c.MaxNamespaces {
		return counters{}, InvalidField
	}
	return counters{}, InvalidNamespace
}
