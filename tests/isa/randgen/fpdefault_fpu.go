//go:build fpu

package randgen

const fpDefault = true
