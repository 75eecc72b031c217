package boards

import (
	"fmt"
	"time"
)

// Kind names a device model. The SoC builder maps each kind to one hardware
// model, so these strings are a contract: add one only with a reason.
type Kind string

const (
	KindPLIC         Kind = "plic"
	KindCLINT        Kind = "clint"
	KindUART         Kind = "uart"
	KindTestFinisher Kind = "test-finisher"
	KindRTCGoldfish  Kind = "rtc-goldfish"
	KindVirtioMMIO   Kind = "virtio-mmio"
	KindPCIeECAM     Kind = "pcie-ecam"
	KindPCIeDW       Kind = "pcie-dw"
	KindNVMe         Kind = "nvme"
	KindHTIF         Kind = "htif"
	KindPRCI         Kind = "prci"
	KindL2Cache      Kind = "l2cache"
	KindGPIO         Kind = "gpio"
	KindI2C          Kind = "i2c"
	// Kinds present for DTB completeness: the hardware exists on the board
	// but no behaviour of it is observable to the software we run.
	KindPWM     Kind = "pwm"
	KindSPI     Kind = "spi"
	KindGEM     Kind = "gem"
	KindOTP     Kind = "otp"
	KindDDRCtrl Kind = "ddr-ctrl"
	KindPDMA    Kind = "pdma"
	KindDTIM    Kind = "dtim"
	KindLIM     Kind = "lim"
)

// Params is a kind's typed parameters; the concrete type tells the kind.
type Params interface{ Kind() Kind }

// PLIC: a SiFive-style platform-level interrupt controller.
type PLIC struct {
	// Sources is riscv,ndev: the highest valid source number (source 0 is
	// reserved, so valid sources are 1..Sources).
	Sources int
	// Priorities is the number of priority levels above 0 (7 on SiFive).
	Priorities int
	// Contexts are the contexts of the harts present, in register order:
	// context i has its enable bits at 0x2000+0x80*i and its threshold at
	// 0x200000+0x1000*i.
	Contexts []PLICContext
	// AllContexts are the contexts for every declared hart.
	AllContexts []PLICContext
	// HideMContextsInDTB writes M-mode contexts as 0xffffffff in
	// interrupts-extended, as Linux's SiFive trees do, so S-mode software
	// skips them.
	HideMContextsInDTB bool
}

// PLICContext is one hart/privilege pair.
type PLICContext struct {
	Hart int
	Mode byte // 'M' or 'S'
}

// CLINT: SiFive CLINT / ACLINT MSWI+MTIMER at the board timebase
// (msip +0, mtimecmp +0x4000, mtime +0xBFF8).
type CLINT struct{}

// UART: an ns16550a or a SiFive UART.
type UART struct {
	Variant    string // "ns16550a" or "sifive"
	ClockHz    uint64 // input clock
	RegShift   int    // ns16550: register stride is 1<<RegShift
	RegIOWidth int    // ns16550: access width in bytes
}

// TestFinisher: QEMU's sifive_test (0x5555 pass, 0x3333 fail, 0x7777 reset).
type TestFinisher struct{}

// RTCGoldfish: the Goldfish real-time clock.
type RTCGoldfish struct{}

// VirtioMMIO: one virtio-mmio transport. A board entry with count N becomes
// N devices named <name>0..<name>N-1 at base + i*size with IRQs[i].
type VirtioMMIO struct{ Transport int }

// PCISpace is the kind of a PCIe host window.
type PCISpace int

const (
	PCIIO       PCISpace = iota // I/O space
	PCIMem                      // 32-bit memory
	PCIMem64                    // 64-bit memory
	PCIPrefetch                 // 64-bit prefetchable memory
)

var pciSpaceNames = []string{"io", "mem", "mem64", "prefetch"}

func (s PCISpace) String() string {
	if int(s) < len(pciSpaceNames) {
		return pciSpaceNames[s]
	}
	return fmt.Sprintf("PCISpace(%d)", int(s))
}

// PCIWindow is one outbound window of a PCIe host: CPU addresses
// [CPU, CPU+Size) reach PCI addresses [PCI, PCI+Size).
type PCIWindow struct {
	Type PCISpace
	CPU  uint64
	PCI  uint64
	Size uint64
}

// PCIeECAM: the generic ECAM host (QEMU's gpex). Device.Base/Size is the
// ECAM window; Device.IRQs are INTA..INTD of slot 0.
type PCIeECAM struct {
	Windows []PCIWindow
	Buses   int // buses the ECAM window covers (bus-range 0..Buses-1)
	// IntxSwizzle: INTx of slot s pin p (1..4) raises IRQs[(s+p-1)%4];
	// otherwise IRQs[p-1].
	IntxSwizzle bool
	Domain      int
}

// PCIeDW: the FU740's DesignWare host. Device.Base/Size is the DBI window.
type PCIeDW struct {
	Config, Mgmt Window
	Windows      []PCIWindow
	Buses        int
	Lanes        int
	MSIIRQ       uint32
	IntxIRQs     [4]uint32 // INTA..INTD
	// GPIO is the GPIO controller carrying PWREN and PERST#.
	GPIO                 string
	PowerGPIO, ResetGPIO int
	PRCIReset            int // PRCI reset line, -1 if none
}

// NVMe: a controller attached to a PCIe host.
type NVMe struct {
	Host       string // the PCIe host device's name
	Slot       int    // device number on the root bus
	Serial     string
	Namespaces []Namespace
	Latency    NVMeLatency
}

// Namespace is one NVMe namespace; its backing image is chosen per run.
type Namespace struct {
	ID        int
	Size      uint64
	BlockSize int
}

// NVMeLatency is the modelled per-command service time.
type NVMeLatency struct{ Read, Write, Flush, Admin time.Duration }

// HTIF: the Berkeley host-target interface. Without a fixed address
// (Device.Size 0) tohost/fromhost come from the payload's ELF symbols.
type HTIF struct{ FromELF bool }

// PRCI: SiFive power, reset, clock and interrupt block.
type PRCI struct {
	Variant  string // "fu740" or "fu540"
	HFClkHz  uint64 // crystal input
	RTCClkHz uint64
}

// L2Controller: the SiFive cache controller's registers; the geometry is
// Board.L2.
type L2Controller struct{}

// GPIO: SiFive GPIO controller.
type GPIO struct {
	Lines int
	// PowerOffLine / RestartLine drive gpio-poweroff / gpio-restart
	// (active low), -1 if none.
	PowerOffLine, RestartLine int
}

// I2C: SiFive (OpenCores) I2C master and what sits on its bus.
type I2C struct {
	RegShift, RegIOWidth int
	PMIC                 *PMIC
}

// PMIC is a power-management chip on an I2C bus.
type PMIC struct {
	Model string // "da9063"
	Addr  uint8  // 7-bit address
	// GPIOIRQ is the GPIO line its IRQ output drives (level low), -1 none.
	GPIOIRQ int
}

// PWM: SiFive PWM (DTB only).
type PWM struct{ Cells int }

// SPI: SiFive SPI/QSPI controller (DTB only).
type SPI struct{}

// GEM: Cadence GEM Ethernet (DTB only).
type GEM struct {
	MAC     [6]byte
	PHYMode string
}

// OTP: SiFive one-time-programmable fuses (DTB only).
type OTP struct{ Fuses int }

// DDRCtrl: DDR controller registers (DTB only).
type DDRCtrl struct{}

// PDMA: SiFive platform DMA (DTB only).
type PDMA struct{ Channels int }

// DTIM: a hart's data tightly-integrated memory (RAM-like).
type DTIM struct{ Hart int }

// LIM: the L2 loosely-integrated memory (RAM-like).
type LIM struct{}

func (*PLIC) Kind() Kind         { return KindPLIC }
func (*CLINT) Kind() Kind        { return KindCLINT }
func (*UART) Kind() Kind         { return KindUART }
func (*TestFinisher) Kind() Kind { return KindTestFinisher }
func (*RTCGoldfish) Kind() Kind  { return KindRTCGoldfish }
func (*VirtioMMIO) Kind() Kind   { return KindVirtioMMIO }
func (*PCIeECAM) Kind() Kind     { return KindPCIeECAM }
func (*PCIeDW) Kind() Kind       { return KindPCIeDW }
func (*NVMe) Kind() Kind         { return KindNVMe }
func (*HTIF) Kind() Kind         { return KindHTIF }
func (*PRCI) Kind() Kind         { return KindPRCI }
func (*L2Controller) Kind() Kind { return KindL2Cache }
func (*GPIO) Kind() Kind         { return KindGPIO }
func (*I2C) Kind() Kind          { return KindI2C }
func (*PWM) Kind() Kind          { return KindPWM }
func (*SPI) Kind() Kind          { return KindSPI }
func (*GEM) Kind() Kind          { return KindGEM }
func (*OTP) Kind() Kind          { return KindOTP }
func (*DDRCtrl) Kind() Kind      { return KindDDRCtrl }
func (*PDMA) Kind() Kind         { return KindPDMA }
func (*DTIM) Kind() Kind         { return KindDTIM }
func (*LIM) Kind() Kind          { return KindLIM }
