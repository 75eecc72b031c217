// Package virtio owns the virtio-mmio transport (virtio 1.1 §4.2, both the
// version 2 "modern" register layout and the version 1 legacy one QEMU 7.2's
// virt machine exposes by default), the split virtqueue, and the block
// device behind it.
//
// Devices reach guest memory only through mem.Bus (ReadBytes/WriteBytes),
// complete requests through the sim.Clock after a modelled latency, and
// report requests and completions as sim.KindDevice events. Nothing a guest
// writes into a queue may panic the simulator: malformed queues put the
// device into DEVICE_NEEDS_RESET, failed I/O answers VIRTIO_BLK_S_IOERR.
// The package must not know the board, the engine or the host clock.
package virtio
