// Package prebuilt embeds the guest microkernel's images in the default
// configuration (lock checking on, no porting bug), one per board family,
// so that cosim boots a kernel with no RISC-V toolchain installed. The
// images are built by `make -C kernel prebuilt` from kernel/ and drivers/;
// a test rebuilds them and fails if the committed bytes differ.
//
// It owns only the embedded bytes: nothing here knows how to run them.
package prebuilt

import (
	_ "embed"
	"fmt"
	"sort"
)

//go:embed qemu-virt.bin
var qemuVirt []byte

//go:embed fu740.bin
var fu740 []byte

// LoadAddress is where every image is linked and must be placed: the
// S-mode payload address of OpenSBI fw_jump (FW_JUMP_ADDR).
const LoadAddress = 0x80200000

var images = map[string][]byte{
	"qemu-virt": qemuVirt,
	"fu740":     fu740,
}

// Image returns the raw kernel image (load it at LoadAddress, enter in
// S-mode with a0 = hartid, a1 = DTB) built for board.
func Image(board string) ([]byte, error) {
	img, ok := images[board]
	if !ok {
		return nil, fmt.Errorf("prebuilt: no kernel image for board %q (have %v)", board, Boards())
	}
	return img, nil
}

// Boards lists the boards that have an embedded image.
func Boards() []string {
	var b []string
	for k := range images {
		b = append(b, k)
	}
	sort.Strings(b)
	return b
}
