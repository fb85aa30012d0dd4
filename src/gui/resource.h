/* Resource and control identifiers, shared by the .rc file, the dialog and the test
 * driver. */
#ifndef DISKIMAGER_GUI_RESOURCE_H
#define DISKIMAGER_GUI_RESOURCE_H

#define IDI_APP 101
#define IDD_MAIN 102
#define IDD_PICK_MEMBER 103
#define IDD_LOG 104
#define IDD_RESTORE 105
#define IDD_CHECK 106
/* Several drives at once (issue 15): the choice, and a line per drive. */
#define IDD_DRIVES 120
#define IDD_DRIVE_LINES 121
/* Drive to drive: the drive to copy, chosen for the image field. */
#define IDD_SOURCE_DRIVE 122

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
#define IDC_MEMBER_LABEL 1026
#define IDC_MEMBER_LIST 1027
#define IDC_EJECT 1028
#define IDC_SHOW_LOG 1029
#define IDC_LOG_TEXT 1030
#define IDC_LOG_COPY 1031
#define IDC_LOG_SAVE 1032
#define IDC_LOG_CLEAR 1033
#define IDC_LANGUAGE 1034
#define IDC_RESTORE 1035
#define IDC_RESTORE_INTRO 1036
#define IDC_RESTORE_FS_LABEL 1037
#define IDC_RESTORE_FS 1038
#define IDC_RESTORE_LABEL_LABEL 1039
#define IDC_RESTORE_LABEL 1040
#define IDC_RESTORE_ERASE 1041
#define IDC_CHECK 1042
#define IDC_CHECK_INTRO 1043
#define IDC_CHECK_QUICK 1044
#define IDC_CHECK_FULL 1045
#define IDC_SEVERAL 1100
#define IDC_DRIVES_INTRO 1101
#define IDC_DRIVES_LIST 1102
#define IDC_LINES_LIST 1103
/* Drive to drive. */
#define IDC_FROM_DRIVE 1110
#define IDC_SOURCE_INTRO 1111
#define IDC_SOURCE_LIST 1112
/* Read's own bmap (issue 15). */
#define IDC_MAKE_BMAP 1120

#endif
