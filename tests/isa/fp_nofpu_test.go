//go:build !fpu

package isa

// fpAvailable says whether the hart implements F/D arithmetic (the fpu
// package is merged), so the random programs may use it.
const fpAvailable = false
