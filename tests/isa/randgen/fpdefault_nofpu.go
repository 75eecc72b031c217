//go:build !fpu

package randgen

// fpDefault: F/D arithmetic is generated only once the hart implements it.
const fpDefault = false
