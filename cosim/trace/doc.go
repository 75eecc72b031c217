// Package trace owns cosim's execution traces: the on-disk event record (a
// compact little-endian layout documented in docs/trace-format.md), the
// pcapng container written and read through gopacket's pcapgo with one
// interface per hart plus one for the board, a gopacket layer that decodes
// records, record-time filters, the recorder that observes a running model
// (a sim.Observer), importers from QEMU's -d exec,cpu,int log and from a GDB
// remote stepping session, the streaming per-hart comparison, and CSV/text
// export.
//
// It must not touch models: it learns about a run only through sim.Event
// values handed to its Observer, and it never reads the host clock, so the
// same run gives a byte-identical file.
package trace
