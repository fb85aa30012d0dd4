/* The machine stays awake while a job runs: Windows' idle sleep in the middle of a
 * write would leave a card half-written (and a USB port powered down under it). */
#include "diskimager/system.h"

#include <windows.h>

void di_keep_awake(bool on)
{
    /* ES_CONTINUOUS keeps the state until the next call on this thread; without
     * ES_DISPLAY_REQUIRED the screen may still turn off during a long write. Off:
     * ES_CONTINUOUS alone clears what on set. */
    SetThreadExecutionState(on ? ES_CONTINUOUS | ES_SYSTEM_REQUIRED : ES_CONTINUOUS);
}
