package boards

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
)

// The raw shape of a board file as TOML decodes it. Field tags are the
// schema; docs/adding-a-board.md describes each key.

type fileTOML struct {
	Name           string            `toml:"name"`
	Model          string            `toml:"model"`
	Compatible     []string          `toml:"compatible"`
	Family         string            `toml:"family"`
	Timebase       *Freq             `toml:"timebase"`
	MemoryModel    string            `toml:"memory_model"`
	ICacheCoherent *bool             `toml:"icache_coherent"`
	DTBOrder       string            `toml:"dtb_order"`
	Console        string            `toml:"console"`
	DefaultHarts   int               `toml:"default_harts"`
	Aliases        map[string]string `toml:"aliases"`
	Unverified     map[string]string `toml:"unverified"`

	Boot   *bootTOML        `toml:"boot"`
	L2     *l2TOML          `toml:"l2"`
	Hart   []hartTOML       `toml:"hart"`
	Bus    []windowTOML     `toml:"bus"`
	Memory []memoryTOML     `toml:"memory"`
	Device []toml.Primitive `toml:"device"`
}

type bootTOML struct {
	Firmware    string    `toml:"firmware"`
	ResetVector *Uint     `toml:"reset_vector"`
	Payload     *Uint     `toml:"payload"`
	FDT         *addrTOML `toml:"fdt"`
}

type cacheTOML struct {
	Size        *Uint  `toml:"size"`
	Ways        *Uint  `toml:"ways"`
	Line        *Uint  `toml:"line"`
	HitLatency  *int   `toml:"hit_latency"`
	MissLatency *int   `toml:"miss_latency"`
	Replacement string `toml:"replacement"`
}

type l2TOML struct {
	cacheTOML
	Banks      int    `toml:"banks"`
	Controller string `toml:"controller"`
	DTSets     Uint   `toml:"dt_sets"`
}

type hartTOML struct {
	Count          *int       `toml:"count"`
	Core           string     `toml:"core"`
	Compatible     []string   `toml:"compatible"`
	ISA            string     `toml:"isa"`
	Modes          string     `toml:"modes"`
	MMU            []string   `toml:"mmu"`
	PMPEntries     int        `toml:"pmp_entries"`
	PMPGranularity *Uint      `toml:"pmp_granularity"`
	ADPolicy       string     `toml:"ad_policy"`
	Misaligned     string     `toml:"misaligned"`
	Boot           *bool      `toml:"boot"`
	MVendorID      Uint       `toml:"mvendorid"`
	MArchID        Uint       `toml:"marchid"`
	MImpID         Uint       `toml:"mimpid"`
	HPMCounters    int        `toml:"hpm_counters"`
	PrivSpec       string     `toml:"priv_spec"`
	TimeCSR        *bool      `toml:"time_csr"`
	Clock          Freq       `toml:"clock"`
	Errata         []string   `toml:"errata"`
	ICache         *cacheTOML `toml:"icache"`
	DCache         *cacheTOML `toml:"dcache"`
	ITLB           int        `toml:"itlb"`
	DTLB           int        `toml:"dtlb"`
}

type windowTOML struct {
	Name string    `toml:"name"`
	Base *addrTOML `toml:"base"`
	Size *Uint     `toml:"size"`
}

type memoryTOML struct {
	Name string `toml:"name"`
	Kind string `toml:"kind"`
	Base *Uint  `toml:"base"`
	Size *Uint  `toml:"size"`
}

type pciWindowTOML struct {
	Type string    `toml:"type"`
	Base *addrTOML `toml:"base"`
	PCI  *Uint     `toml:"pci"`
	Size *Uint     `toml:"size"`
}

type namespaceTOML struct {
	ID        int   `toml:"id"`
	Size      *Uint `toml:"size"`
	BlockSize int   `toml:"block_size"`
}

type latencyTOML struct {
	Read  Duration `toml:"read"`
	Write Duration `toml:"write"`
	Flush Duration `toml:"flush"`
	Admin Duration `toml:"admin"`
}

type pmicTOML struct {
	Model   string `toml:"model"`
	Addr    *Uint  `toml:"addr"`
	GPIOIRQ *int   `toml:"gpio_irq"`
}

// deviceTOML holds every key any kind accepts; kindSpecs says which keys
// each kind allows.
type deviceTOML struct {
	Name       string       `toml:"name"`
	Kind       string       `toml:"kind"`
	Base       *Uint        `toml:"base"`
	Size       *Uint        `toml:"size"`
	Regs       []windowTOML `toml:"regs"`
	IRQs       IRQList      `toml:"irqs"`
	IRQParent  string       `toml:"interrupt_parent"`
	Compatible []string     `toml:"compatible"`
	Node       string       `toml:"node"`
	PRCIClock  *int         `toml:"prci_clock"`
	Count      *int         `toml:"count"`

	Variant    string `toml:"variant"`
	Clock      Freq   `toml:"clock"`
	RegShift   *int   `toml:"reg_shift"`
	RegIOWidth *int   `toml:"reg_io_width"`

	Sources          int      `toml:"sources"`
	Priorities       *int     `toml:"priorities"`
	Contexts         []string `toml:"contexts"`
	DTBHideMContexts bool     `toml:"dtb_hide_m_contexts"`

	Windows     []pciWindowTOML `toml:"windows"`
	Buses       int             `toml:"buses"`
	IntxSwizzle bool            `toml:"intx_swizzle"`
	Domain      int             `toml:"domain"`
	Config      *windowTOML     `toml:"config"`
	Mgmt        *windowTOML     `toml:"mgmt"`
	Lanes       int             `toml:"num_lanes"`
	GPIO        string          `toml:"gpio"`
	PowerGPIO   *int            `toml:"pwren_gpio"`
	ResetGPIO   *int            `toml:"perst_gpio"`
	PRCIReset   *int            `toml:"prci_reset"`

	Host       string          `toml:"host"`
	Slot       int             `toml:"slot"`
	Serial     string          `toml:"serial"`
	Namespaces []namespaceTOML `toml:"namespaces"`
	Latency    *latencyTOML    `toml:"latency"`

	HFClk  Freq `toml:"hfclk"`
	RTCClk Freq `toml:"rtcclk"`

	Lines    int       `toml:"lines"`
	PowerOff *int      `toml:"poweroff_line"`
	Restart  *int      `toml:"restart_line"`
	PMIC     *pmicTOML `toml:"pmic"`
	PWMCells *int      `toml:"pwm_cells"`
	MAC      string    `toml:"mac"`
	PHYMode  string    `toml:"phy_mode"`
	Fuses    int       `toml:"fuses"`
	Channels int       `toml:"channels"`
	Hart     *int      `toml:"hart"`
}

// addrTOML is an address or a keyword: "auto" (boot.fdt: QEMU's placement)
// or "above-dram" (a PCIe window placed, as QEMU virt does, at the end of
// DRAM rounded up to the window's size).
type addrTOML struct {
	Value   uint64
	Keyword string
}

func (a *addrTOML) UnmarshalTOML(v any) error {
	if s, ok := v.(string); ok {
		if k := strings.TrimSpace(s); k == "auto" || k == "above-dram" {
			a.Keyword = k
			return nil
		}
	}
	var u Uint
	if err := u.UnmarshalTOML(v); err != nil {
		return fmt.Errorf("%v (or one of \"auto\", \"above-dram\" where allowed)", err)
	}
	a.Value = uint64(u)
	return nil
}

// tomlKeys lists the TOML keys of a struct's fields.
func tomlKeys(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("toml"); tag != "" && tag != "-" {
			out = append(out, strings.Split(tag, ",")[0])
		}
	}
	return out
}
