package misc

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"cosim/hw/sim"
)

// opensbiI2C replays, register access by register access, what OpenSBI
// 1.1's SiFive I2C adapter (lib/utils/i2c/fdt_i2c_sifive.c) does: 32-bit
// writes of TXR and CR, polling SR for TIP or BUSY, and checking RxACK.
// It never touches PRESCALE or CTR, exactly as that driver.
type opensbiI2C struct {
	t   *testing.T
	c   *I2C
	log []string
}

var errNack = errors.New("nack")

func (o *opensbiI2C) set(off, v uint64) {
	require.True(o.t, o.c.Write(off, 4, v))
}

func (o *opensbiI2C) get(off uint64) uint64 {
	v, ok := o.c.Read(off, 4)
	require.True(o.t, ok)
	return v
}

func (o *opensbiI2C) poll(mask uint64) error {
	for i := 0; i < 1000; i++ {
		if o.get(i2cCR)&mask == 0 {
			return nil
		}
	}
	return errors.New("timeout")
}

func (o *opensbiI2C) rxack() error {
	if o.get(i2cCR)&srRxACK != 0 {
		return errNack
	}
	return nil
}

func (o *opensbiI2C) start(addr, bit uint64) error {
	o.set(i2cTXR, addr<<1|bit)
	o.set(i2cCR, crSTA|crWR|crIACK)
	return o.poll(srTIP)
}

func (o *opensbiI2C) step(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (o *opensbiI2C) regWrite(addr, reg, val uint64) error {
	o.log = append(o.log, "w")
	if err := o.step(o.start(addr, 0), o.rxack()); err != nil {
		return err
	}
	o.set(i2cTXR, reg)
	o.set(i2cCR, crWR|crIACK)
	if err := o.step(o.poll(srTIP), o.rxack()); err != nil {
		return err
	}
	o.set(i2cTXR, val)
	o.set(i2cCR, crWR|crIACK)
	if err := o.step(o.poll(srTIP), o.rxack()); err != nil {
		return err
	}
	o.set(i2cCR, crSTO|crIACK)
	if err := o.poll(srBUSY); err != nil {
		return err
	}
	o.set(i2cCR, crIACK)
	return nil
}

func (o *opensbiI2C) regRead(addr, reg uint64) (uint64, error) {
	if err := o.step(o.start(addr, 0), o.rxack()); err != nil {
		return 0, err
	}
	o.set(i2cTXR, reg)
	o.set(i2cCR, crWR|crIACK)
	if err := o.step(o.poll(srTIP), o.rxack()); err != nil {
		return 0, err
	}
	if err := o.step(o.start(addr, 1), o.rxack()); err != nil {
		return 0, err
	}
	o.set(i2cCR, crACK|crRD|crIACK) // one byte: NACK it
	if err := o.poll(srTIP); err != nil {
		return 0, err
	}
	v := o.get(i2cTXR)
	o.set(i2cCR, crSTO|crIACK)
	if err := o.poll(srBUSY); err != nil {
		return 0, err
	}
	o.set(i2cCR, crIACK)
	return v, nil
}

// sanity is da9063_sanity_check: select page 2, read it back, read DEVICE_ID.
func (o *opensbiI2C) sanity() {
	require.NoError(o.t, o.regWrite(DA9063Addr, 0x00, 0x02))
	v, err := o.regRead(DA9063Addr, 0x00)
	require.NoError(o.t, err)
	require.Equal(o.t, uint64(0x02), v, "PAGE_CON reads back")
	v, err = o.regRead(DA9063Addr, 0x81)
	require.NoError(o.t, err)
	require.Equal(o.t, uint64(0x61), v, "DEVICE_ID on page 2")
}

func newPMIC(t *testing.T, reset map[uint16]uint8) (*opensbiI2C, *DA9063, *[]bool) {
	t.Helper()
	var power []bool
	d, err := NewDA9063(DA9063Config{Name: "pmic", Reset: reset, OnPower: func(off bool) { power = append(power, off) }})
	require.NoError(t, err)
	c := NewI2C(I2CConfig{Name: "i2c0"})
	require.NoError(t, c.Attach(DA9063Addr, d))
	return &opensbiI2C{t: t, c: c}, d, &power
}

func TestOpenSBIFU740ShutdownSequence(t *testing.T) {
	o, d, power := newPMIC(t, nil)
	o.sanity()
	// da9063_shutdown: PAGE_CON = 0, CONTROL_F = SHUTDOWN.
	require.NoError(t, o.regWrite(DA9063Addr, 0x00, 0x00))
	require.Empty(t, *power)
	require.NoError(t, o.regWrite(DA9063Addr, 0x13, 0x02))
	require.Equal(t, []bool{true}, *power, "powered off")
	require.Equal(t, uint8(0x02), d.Register(0x13))
}

func TestOpenSBIFU740RebootSequence(t *testing.T) {
	// Watchdog running (TWDSCALE != 0) so the stop path writes CONTROL_D.
	o, d, power := newPMIC(t, map[uint16]uint8{0x11: 0x0B})
	o.sanity()
	// da9063_stop_watchdog
	require.NoError(t, o.regWrite(DA9063Addr, 0x00, 0x00))
	v, err := o.regRead(DA9063Addr, 0x11)
	require.NoError(t, err)
	require.Equal(t, uint64(0x0B), v)
	require.NoError(t, o.regWrite(DA9063Addr, 0x11, v&^0x07))
	require.Equal(t, uint8(0x08), d.Register(0x11))
	// da9063_reset
	require.NoError(t, o.regWrite(DA9063Addr, 0x00, 0x00))
	require.NoError(t, o.regWrite(DA9063Addr, 0x13, 0x04))
	require.Empty(t, *power)
	require.NoError(t, o.regWrite(DA9063Addr, 0x0E, 0x68))
	require.Equal(t, []bool{false}, *power, "power cycled: reboot")
}

func TestI2CNackAndDisabled(t *testing.T) {
	o, _, _ := newPMIC(t, nil)
	require.ErrorIs(t, o.regWrite(0x50, 0, 0), errNack, "nobody at 0x50")
	require.NotZero(t, o.get(i2cCR)&srBUSY, "OpenSBI returns without STOP: the bus stays busy")
	o.sanity() // a new START still reaches the PMIC
	c := NewI2C(I2CConfig{Name: "off", CTRResetSet: true})
	require.True(t, c.Write(i2cTXR, 4, 0xB0))
	require.True(t, c.Write(i2cCR, 4, crSTA|crWR))
	v, _ := c.Read(i2cCR, 4)
	require.Zero(t, v, "a disabled core ignores commands")
}

func TestI2CInterrupt(t *testing.T) {
	var irq level
	c := NewI2C(I2CConfig{Name: "i2c", IRQ: sim.Line{Sink: &irq}})
	require.True(t, c.Write(i2cCTR, 1, ctrEN|ctrIEN))
	require.True(t, c.Write(i2cTXR, 1, 0x11))
	require.True(t, c.Write(i2cCR, 1, crSTA|crWR))
	require.True(t, irq.v, "transfer done")
	v, _ := c.Read(i2cCR, 1)
	require.Equal(t, uint64(srIF|srBUSY|srRxACK), v)
	require.True(t, c.Write(i2cCR, 1, crIACK))
	require.False(t, irq.v)
	_, ok := c.Read(i2cCR, 2)
	require.False(t, ok)
}
