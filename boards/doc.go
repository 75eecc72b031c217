// Package boards owns the board description: the TOML schema of
// boards/*.toml, loading and validating a board file into the board IR (one
// Go value: harts and their fidelity knobs, caches, memory map, devices with
// typed kind-specific parameters, IRQ wiring, boot), and the boards compiled
// into the binary.
//
// Everything else is built from the IR: the generated SoC packages and the
// runtime SoC builder (soc/...), the DTB (boards/dtb), the guest kernel's
// board header and the board pages (soc/gen). This package imports nothing
// of ours; it must not know about hardware models, the engine or the CLI.
//
// Errors name the file, the line and the key (see Error). A board loaded
// from a path that is not compiled in goes through exactly the same code as
// a built-in one.
package boards
