/* Enumeration of physical disks and volumes, shared by the drive list and by the
 * locking that precedes a write to a physical disk. */
#ifndef DISKIMAGER_WIN32_WIN_DISKS_H
#define DISKIMAGER_WIN32_WIN_DISKS_H

#include <stdint.h>
#include <windows.h>

#include "disk_facts.h"

/* A disk's or volume's size: IOCTL_DISK_GET_LENGTH_INFO, or GetFileSizeEx where that
 * IOCTL is missing (Wine, some card readers). 0 if neither answers. */
uint64_t di_win_handle_size(HANDLE handle);

/* Fills disks and volumes, maps one to the other; returns the number of disks. */
int di_win_enumerate(di_disk_facts *disks, int max_disks, di_volume_facts *volumes,
                     int max_volumes, int *volume_count);

#endif
