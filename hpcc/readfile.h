/* readfile.h - a whole file in memory, for sources, response files and
 * reports. */
#ifndef HPCC_READFILE_H
#define HPCC_READFILE_H

#include <stddef.h>

/* Reads `path` into a malloc'd buffer with a NUL after the last byte
 * (*len, if not NULL, gets the length without it).  With max > 0, a file
 * of max bytes or more is refused.  NULL with errno set (fopen's errno,
 * ENOMEM, EFBIG past max, EIO on a read error). */
char *hpcc_read_file(const char *path, size_t max, size_t *len);

#endif
