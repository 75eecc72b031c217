/* The board header the build selected (make BOARD=...). */
#ifndef KERNEL_BOARD_SELECT_H
#define KERNEL_BOARD_SELECT_H
#include BOARD_HEADER
#if defined(BOARD_FAMILY_QEMU_VIRT) + defined(BOARD_FAMILY_SIFIVE_FU740) + \
    defined(BOARD_FAMILY_SIFIVE_FU540) + defined(BOARD_FAMILY_SPIKE) != 1
#error "the board header must define exactly one BOARD_FAMILY_*"
#endif
#if defined(BOARD_FAMILY_SIFIVE_FU740) || defined(BOARD_FAMILY_SIFIVE_FU540)
#define BOARD_FAMILY_SIFIVE 1
#endif
#endif
