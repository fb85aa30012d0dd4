/* Keeping the machine awake during a job: nothing done on Linux. A desktop's idle
 * suspend goes through logind, and holding it off takes a D-Bus inhibitor lock, which
 * this program does not otherwise need; Windows does it per thread (keep_awake.c). */
#include "diskimager/system.h"

void di_keep_awake(bool on)
{
    (void)on;
}
