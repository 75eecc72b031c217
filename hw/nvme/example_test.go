package nvme_test

import (
	"fmt"

	"cosim/hw/blockdev"
	"cosim/hw/mem"
	"cosim/hw/nvme"
	"cosim/hw/pcie"
	"cosim/hw/sim"
)

// Wiring on QEMU virt's layout: the ECAM window, the 32-bit MMIO window
// (PCI address = CPU address) and the PIO window are mapped once; the
// controller sits at 00:01.0, so its INTA reaches PLIC source 33.
func Example_virt() {
	clock := &sim.Clock{}
	bus := &mem.Bus{}
	var plic sim.IRQSink // the board's PLIC
	var intx [4]sim.Line
	for i := range intx {
		intx[i] = sim.Line{Sink: plic, N: 32 + i}
	}
	host, _ := pcie.NewECAMHost(pcie.ECAMConfig{Name: "pcie", Buses: 256, HostBridge: &pcie.GPEXHostBridge, INTx: intx, DMA: bus})
	_ = bus.MapDevice("pcie-ecam", 0x3000_0000, host.ECAMSize(), host.ConfigSpace())
	_ = bus.MapDevice("pcie-pio", 0x0300_0000, 0x1_0000, host.IOWindow(0))
	_ = bus.MapDevice("pcie-mmio", 0x4000_0000, 0x4000_0000, host.MemWindow(0x4000_0000))

	img := blockdev.NewMemory(1 << 20) // blockdev.Open(path, blockdev.Options{Snapshot: ...})
	ctrl, _ := nvme.New(nvme.Config{Name: "nvme0", Serial: "cosim0001"}, clock, nvme.Namespace{Image: img})
	_ = host.Attach(1, 0, ctrl)

	id, _ := bus.Read(0x3000_0000+1<<15, 4)
	fmt.Printf("00:01.0 %04x:%04x BAR0 %d KiB\n", id&0xFFFF, id>>16, ctrl.BARSize()>>10)
	// Output: 00:01.0 1b36:0010 BAR0 16 KiB
}
