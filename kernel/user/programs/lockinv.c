/* Provoke a lock-order inversion in the kernel: the debug build must stop with both locks named. */
#include "ulib.h"

int main(int argc, char **argv)
{
	printf("lockinv: asking the kernel to take two locks against their ranks\n");
	long r = sys_debug(DEBUG_LOCK_INVERSION, 0);
	printf("lockinv: inversion NOT detected (returned %ld): lock checking is off\n", r);
	return 1;
}
