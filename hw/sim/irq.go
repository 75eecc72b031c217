package sim

// IRQSink receives level changes of numbered interrupt inputs: a PLIC's
// sources, a hart's mip bits.
type IRQSink interface {
	SetIRQ(n int, level bool)
}

// Line is one interrupt wire into a sink. The zero Line is unconnected and
// ignores what is driven on it, so a device works unwired.
type Line struct {
	Sink IRQSink
	N    int
}

// Set drives the wire's level.
func (l Line) Set(level bool) {
	if l.Sink != nil {
		l.Sink.SetIRQ(l.N, level)
	}
}

// Connected reports whether the wire leads anywhere.
func (l Line) Connected() bool { return l.Sink != nil }

// Hart interrupt inputs, as bit numbers of mip.
const (
	IRQSupervisorSoftware = 1
	IRQMachineSoftware    = 3
	IRQSupervisorTimer    = 5
	IRQMachineTimer       = 7
	IRQSupervisorExternal = 9
	IRQMachineExternal    = 11
)
