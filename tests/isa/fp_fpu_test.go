//go:build fpu

package isa

const fpAvailable = true
