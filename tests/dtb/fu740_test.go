package dtbtest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/boards"
	"cosim/boards/dtb"
)

// node is what Linux's hifive-unmatched-a00.dts (with fu740-c000.dtsi) says
// about one node our fu740 models, written out by hand from the tree: its
// compatible strings, reg as (base, size) pairs, PLIC interrupts, and any
// other property that matters, rendered as normalize renders it.
type node struct {
	path   string
	compat []string
	reg    []uint64
	irqs   []uint32
	props  map[string]string
}

const (
	plic = "&/soc/interrupt-controller@c000000"
	gpio = "&/soc/gpio@10060000"
	prci = "&/soc/clock-controller@10000000"
)

func intc(h int) string { return "&/cpus/cpu@" + string(rune('0'+h)) + "/interrupt-controller" }

var unmatched = []node{
	{path: "/", compat: []string{"sifive,hifive-unmatched-a00", "sifive,fu740-c000", "sifive,fu740"},
		props: map[string]string{"model": `"SiFive HiFive Unmatched A00\x00"`}},
	{path: "/cpus", props: map[string]string{"timebase-frequency": "0xf4240"}},
	{path: "/cpus/cpu@0", compat: []string{"sifive,bullet0", "riscv"}, props: map[string]string{
		"reg": "0x0", "i-cache-block-size": "0x40", "i-cache-sets": "0x80", "i-cache-size": "0x4000",
		"next-level-cache": "&/soc/cache-controller@2010000"}},
	{path: "/cpus/cpu@0/interrupt-controller", compat: []string{"riscv,cpu-intc"}},
	{path: "/memory@80000000", reg: []uint64{0x8000_0000, 16 << 30}},
	{path: "/hfclk", compat: []string{"fixed-clock"}, props: map[string]string{"clock-frequency": "0x18cba80"}},
	{path: "/rtcclk", compat: []string{"fixed-clock"}, props: map[string]string{"clock-frequency": "0xf4240"}},
	{path: "/gpio-poweroff", compat: []string{"gpio-poweroff"}, props: map[string]string{"gpios": gpio + " 0x2 0x1"}},
	// Linux writes M-mode contexts as 0xffffffff (not for S-mode).
	{path: "/soc/interrupt-controller@c000000", compat: []string{"sifive,fu540-c000-plic", "sifive,plic-1.0.0"},
		reg: []uint64{0xc00_0000, 0x400_0000}, props: map[string]string{
			"riscv,ndev": "0x45",
			"interrupts-extended": intc(0) + " 0xffffffff " + intc(1) + " 0xffffffff " + intc(1) + " 0x9 " + intc(2) + " 0xffffffff " + intc(2) + " 0x9 " +
				intc(3) + " 0xffffffff " + intc(3) + " 0x9 " + intc(4) + " 0xffffffff " + intc(4) + " 0x9"}},
	{path: "/soc/clock-controller@10000000", compat: []string{"sifive,fu740-c000-prci"}, reg: []uint64{0x1000_0000, 0x1000},
		props: map[string]string{"clocks": "&/hfclk &/rtcclk"}},
	{path: "/soc/serial@10010000", compat: []string{"sifive,fu740-c000-uart", "sifive,uart0"}, reg: []uint64{0x1001_0000, 0x1000}, irqs: []uint32{39},
		props: map[string]string{"clocks": prci + " 0x7"}},
	{path: "/soc/serial@10011000", compat: []string{"sifive,fu740-c000-uart", "sifive,uart0"}, reg: []uint64{0x1001_1000, 0x1000}, irqs: []uint32{40}},
	{path: "/soc/i2c@10030000", compat: []string{"sifive,fu740-c000-i2c", "sifive,i2c0"}, reg: []uint64{0x1003_0000, 0x1000}, irqs: []uint32{52},
		props: map[string]string{"reg-shift": "0x2", "reg-io-width": "0x1"}},
	{path: "/soc/i2c@10030000/pmic@58", compat: []string{"dlg,da9063"}, props: map[string]string{
		"reg": "0x58", "interrupt-parent": gpio, "interrupts": "0x1 0x8"}},
	{path: "/soc/i2c@10030000/pmic@58/onkey", compat: []string{"dlg,da9063-onkey"}},
	{path: "/soc/i2c@10030000/pmic@58/rtc", compat: []string{"dlg,da9063-rtc"}},
	{path: "/soc/i2c@10030000/pmic@58/watchdog", compat: []string{"dlg,da9063-watchdog"}},
	{path: "/soc/i2c@10031000", compat: []string{"sifive,fu740-c000-i2c", "sifive,i2c0"}, reg: []uint64{0x1003_1000, 0x1000}, irqs: []uint32{53}},
	{path: "/soc/spi@10040000", compat: []string{"sifive,fu740-c000-spi", "sifive,spi0"}, reg: []uint64{0x1004_0000, 0x1000, 0x2000_0000, 0x1000_0000}, irqs: []uint32{41}},
	{path: "/soc/spi@10041000", compat: []string{"sifive,fu740-c000-spi", "sifive,spi0"}, reg: []uint64{0x1004_1000, 0x1000, 0x3000_0000, 0x1000_0000}, irqs: []uint32{42}},
	{path: "/soc/spi@10050000", compat: []string{"sifive,fu740-c000-spi", "sifive,spi0"}, reg: []uint64{0x1005_0000, 0x1000}, irqs: []uint32{43}},
	{path: "/soc/ethernet@10090000", compat: []string{"sifive,fu540-c000-gem"}, reg: []uint64{0x1009_0000, 0x2000, 0x100a_0000, 0x1000}, irqs: []uint32{55},
		props: map[string]string{"phy-mode": `"gmii\x00"`, "phy-handle": "&/soc/ethernet@10090000/ethernet-phy@0"}},
	{path: "/soc/ethernet@10090000/ethernet-phy@0", props: map[string]string{"reg": "0x0"}},
	{path: "/soc/pwm@10020000", compat: []string{"sifive,fu740-c000-pwm", "sifive,pwm0"}, reg: []uint64{0x1002_0000, 0x1000}, irqs: []uint32{44, 45, 46, 47}},
	{path: "/soc/pwm@10021000", compat: []string{"sifive,fu740-c000-pwm", "sifive,pwm0"}, reg: []uint64{0x1002_1000, 0x1000}, irqs: []uint32{48, 49, 50, 51}},
	{path: "/soc/cache-controller@2010000", compat: []string{"sifive,fu740-c000-ccache", "cache"}, reg: []uint64{0x201_0000, 0x1000},
		irqs: []uint32{19, 21, 22, 20}, props: map[string]string{
			"cache-block-size": "0x40", "cache-level": "0x2", "cache-sets": "0x800", "cache-size": "0x200000"}},
	{path: "/soc/gpio@10060000", compat: []string{"sifive,fu740-c000-gpio", "sifive,gpio0"}, reg: []uint64{0x1006_0000, 0x1000},
		irqs: []uint32{23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38}},
	{path: "/soc/pcie@e00000000", compat: []string{"sifive,fu740-pcie"},
		reg:  []uint64{0xe_0000_0000, 0x8000_0000, 0xd_f000_0000, 0x1000_0000, 0x100d_0000, 0x1000},
		irqs: []uint32{56, 57, 58, 59, 60, 61, 62, 63, 64},
		props: map[string]string{
			"reg-names":       `"dbi\x00config\x00mgmt\x00"`,
			"device_type":     `"pci\x00"`,
			"bus-range":       "0x0 0xff",
			"num-lanes":       "0x8",
			"interrupt-names": `"msi\x00inta\x00intb\x00intc\x00intd\x00"`,
			"ranges": "0x81000000 0x0 0x60080000 0x0 0x60080000 0x0 0x10000 " +
				"0x82000000 0x0 0x60090000 0x0 0x60090000 0x0 0xff70000 " +
				"0x82000000 0x0 0x70000000 0x0 0x70000000 0x0 0x1000000 " +
				"0xc3000000 0x20 0x0 0x20 0x0 0x20 0x0",
			"interrupt-map-mask": "0x0 0x0 0x0 0x7",
			"interrupt-map": "0x0 0x0 0x0 0x1 " + plic + " 0x39 0x0 0x0 0x0 0x2 " + plic + " 0x3a " +
				"0x0 0x0 0x0 0x3 " + plic + " 0x3b 0x0 0x0 0x0 0x4 " + plic + " 0x3c",
			"pwren-gpios": gpio + " 0x5 0x0",
			"reset-gpios": gpio + " 0x8 0x0",
			"clocks":      prci + " 0x8",
			"resets":      prci + " 0x4",
		}},
	// From U-Boot's fu740-c000-u-boot.dtsi: OpenSBI needs the CLINT.
	{path: "/soc/clint@2000000", compat: []string{"riscv,clint0"}, reg: []uint64{0x200_0000, 0x1_0000}, props: map[string]string{
		"interrupts-extended": intc(0) + " 0x3 " + intc(0) + " 0x7 " + intc(1) + " 0x3 " + intc(1) + " 0x7 " +
			intc(2) + " 0x3 " + intc(2) + " 0x7 " + intc(3) + " 0x3 " + intc(3) + " 0x7 " + intc(4) + " 0x3 " + intc(4) + " 0x7"}},
	{path: "/soc/dmc@100b0000", compat: []string{"sifive,fu740-c000-ddr"},
		reg: []uint64{0x100b_0000, 0x800, 0x100b_2000, 0x2000, 0x100b_8000, 0x1000}},
}

// unmatchedOmitted are nodes of Linux's tree for hardware the board does
// not model.
var unmatchedOmitted = map[string]string{
	"/led-controller-1":                       "PWM-driven LEDs: nothing observable",
	"/led-controller-2":                       "PWM-driven LEDs: nothing observable",
	"/soc/i2c@10030000/temperature-sensor@4c": "the TMP451 is not modelled; only the PMIC answers on I2C0",
	"/soc/i2c@10030000/eeprom@54":             "the board-ID EEPROM is not modelled",
	"/soc/i2c@10030000/pmic@58/regulators":    "the PMIC's regulators have no observable behaviour",
	"/soc/spi@10040000/flash@0":               "the SPI controllers are DTB-only; no flash chip behind QSPI0",
	"/soc/spi@10050000/mmc@0":                 "no SD card behind SPI0",
}

func TestFU740CarriesUnmatchedFacts(t *testing.T) {
	b, err := boards.Builtin("fu740")
	require.NoError(t, err)
	tree, err := dtb.FromBoard(b)
	require.NoError(t, err)
	for h := 1; h <= 4; h++ {
		unmatched = append(unmatched, node{path: "/cpus/cpu@" + string(rune('0'+h)),
			compat: []string{"sifive,bullet0", "riscv"}, props: map[string]string{
				"mmu-type": `"riscv,sv39\x00"`, "d-cache-block-size": "0x40", "d-cache-sets": "0x40", "d-cache-size": "0x8000",
				"i-cache-block-size": "0x40", "i-cache-sets": "0x80", "i-cache-size": "0x8000",
				"d-tlb-sets": "0x1", "d-tlb-size": "0x28", "i-tlb-sets": "0x1", "i-tlb-size": "0x28",
				"next-level-cache": "&/soc/cache-controller@2010000"}})
	}
	for _, want := range unmatched {
		n := tree.Lookup(want.path)
		require.NotNil(t, n, "missing node %s", want.path)
		if want.compat != nil {
			c, _ := n.Strings("compatible")
			require.Equal(t, want.compat, c, "%s compatible", want.path)
		}
		if want.reg != nil {
			cells, ok := n.Cells("reg")
			require.True(t, ok, "%s reg", want.path)
			var got []uint64
			for i := 0; i+1 < len(cells); i += 2 {
				got = append(got, uint64(cells[i])<<32|uint64(cells[i+1]))
			}
			require.Equal(t, want.reg, got, "%s reg", want.path)
		}
		if want.irqs != nil {
			irqs, _ := n.Cells("interrupts")
			require.Equal(t, want.irqs, irqs, "%s interrupts", want.path)
			p, err := normalize(tree, n, "interrupt-parent")
			require.NoError(t, err)
			require.Equal(t, plic, p, "%s interrupt-parent", want.path)
		}
		for prop, v := range want.props {
			_, ok := n.Prop(prop)
			require.True(t, ok, "%s: missing %s", want.path, prop)
			got, err := normalize(tree, n, prop)
			require.NoError(t, err)
			require.Equal(t, v, got, "%s %s", want.path, prop)
		}
	}
	// Aliases and the console name the same UARTs as Linux's &uart0/&uart1.
	for alias, path := range map[string]string{"serial0": "/soc/serial@10010000", "serial1": "/soc/serial@10011000", "ethernet0": "/soc/ethernet@10090000"} {
		s, ok := tree.Lookup("/aliases").String(alias)
		require.True(t, ok, alias)
		require.Equal(t, path, s)
	}
	s, _ := tree.Lookup("/chosen").String("stdout-path")
	require.Equal(t, "/soc/serial@10010000", s, "Linux: stdout-path = serial0")
	for path, why := range unmatchedOmitted {
		require.Nil(t, tree.Lookup(path), "%s is listed as omitted", path)
		t.Logf("omitted %s: %s", path, why)
	}
}
