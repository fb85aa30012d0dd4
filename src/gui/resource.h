/* Resource and control identifiers, shared by the .rc file, the dialog and the test
 * driver. */
#ifndef DISKIMAGER_GUI_RESOURCE_H
#define DISKIMAGER_GUI_RESOURCE_H

#define IDI_APP 101
#define IDD_MAIN 102

#define IDC_IMAGE_LABEL 1001
#define IDC_IMAGE_EDIT 1002
#define IDC_BROWSE 1003
#define IDC_DEVICE_LABEL 1004
#define IDC_DEVICE_COMBO 1005
#define IDC_SHOW_ALL 1006
#define IDC_HASH_CHECK 1007
#define IDC_HASH_ALG 1008
#define IDC_HASH_LABEL 1009
#define IDC_HASH_EDIT 1010
#define IDC_COPY 1011
#define IDC_VERIFY_AFTER 1012
#define IDC_PROGRESS 1013
#define IDC_STATUS 1014
#define IDC_READ 1015
#define IDC_WRITE 1016
#define IDC_VERIFY 1017
#define IDC_CANCEL_JOB 1018
#define IDC_EXIT 1019
#define IDC_EXPECTED_LABEL 1020
#define IDC_EXPECTED_EDIT 1021
#define IDC_MATCH 1022
#define IDC_ALLOCATED_ONLY 1023
#define IDC_HASH_DRIVE 1024
#define IDC_MOVE_GPT 1025

#endif
