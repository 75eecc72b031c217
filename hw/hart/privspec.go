package hart

// PrivSpec is the version of the privileged architecture a hart
// implements, as major*100+minor (110 for 1.10); 0 means the latest the
// model knows (1.12). CSRs introduced by a later version do not exist on
// the hart: accessing them is an illegal instruction, as QEMU 7.2 does for
// CPUs it models at an older version (its SiFive E51/U54 are 1.10).
type PrivSpec uint16

// csrSince lists CSRs introduced after 1.10 and the version that brought
// them (privileged spec change history; QEMU 7.2's min_priv_ver).
var csrSince = map[uint16]PrivSpec{
	csrMcountinh:  111,
	csrMenvcfg:    112,
	csrSenvcfg:    112,
	csrMconfigptr: 112,
	0x747:         112, // mseccfg
}

// SetPrivSpec sets the privileged architecture version (the board's
// priv_spec); it is kept out of Config so the hot loop's configuration
// stays as it is.
func (h *Hart) SetPrivSpec(v PrivSpec) { h.privSpec = v }

// SetTimeCSR says whether the time CSR exists. SiFive's U54/U74 and
// QEMU 7.2's sifive_u (whose CLINT provides no rdtime) have none: rdtime
// is an illegal instruction that M-mode firmware emulates from mtime.
func (h *Hart) SetTimeCSR(present bool) { h.noTimeCSR = !present }

// HasTimeCSR reports whether the time CSR exists (firmware asks, to
// emulate it when it does not).
func (h *Hart) HasTimeCSR() bool { return !h.noTimeCSR }

// csrInSpec reports whether the CSR exists at the hart's privileged
// architecture version and with its optional CSRs.
func (h *Hart) csrInSpec(csr uint16) bool {
	if csr == csrTime && h.noTimeCSR {
		return false
	}
	if h.privSpec == 0 {
		return true
	}
	since, ok := csrSince[csr]
	return !ok || since <= h.privSpec
}
