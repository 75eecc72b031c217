/* The platform-level interrupt controller, S-mode contexts. */
#ifndef DRIVERS_PLIC_H
#define DRIVERS_PLIC_H
#include <stdint.h>
void plic_init_cpu(int hartid, int context);
void plic_enable(int irq, int context, int on);
void plic_set_priority(int irq, int prio);
uint32_t plic_claim(int context);
void plic_complete(int context, uint32_t irq);
#endif
