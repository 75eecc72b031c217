package intc

import "testing"

// BenchmarkPLICRaiseClaimComplete measures one interrupt's round trip
// through the PLIC on the virt layout with 8 harts (16 contexts).
func BenchmarkPLICRaiseClaimComplete(b *testing.B) {
	p, err := NewPLIC(PLICConfig{Name: "plic", NDev: 96, Contexts: VirtContexts(8)})
	if err != nil {
		b.Fatal(err)
	}
	p.Write(4*10, 4, 1)
	p.Write(0x2000, 4, 1<<10)
	for b.Loop() {
		p.SetIRQ(10, true)
		n, _ := p.Read(0x200004, 4)
		p.SetIRQ(10, false)
		p.Write(0x200004, 4, n)
	}
}
