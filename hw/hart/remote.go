package hart

// FenceI performs fence.i on this hart on another's behalf (SBI remote
// fence.i): its instruction fetches see every store made before the call.
func (h *Hart) FenceI() { h.fenceI() }

// FlushTLB drops every cached translation of this hart (SBI remote
// sfence.vma): the next access of each page walks the page table again.
func (h *Hart) FlushTLB() { h.flushTLB() }
