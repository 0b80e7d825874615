/* objscan.h - does a link need the hotpath runtime?
 *
 * A link through hpcc adds the shared runtime (DT_NEEDED + RUNPATH) only
 * when something in it was instrumented, so that linking plain objects
 * through hpcc gives the same bytes as without it.  Objects compiled by
 * this very command are known; for the others (objects and archives named
 * on the command line) the symbol names the rewritten code refers to are
 * looked for in the file (not in shared objects): an instrumented
 * object's string table holds
 * "\0hotpath_enter_cfa\0" (x86), "\0hotpath_enter\0" (elsewhere, and
 * objects of an earlier hpcc) or "\0hotpath_main_enter\0" (and so does an archive
 * of such objects).  A plain object naming those strings in its data
 * would only cost it a RUNPATH, never a wrong program.
 *
 * What this cannot see (an instrumented archive found through -l) is
 * caught after the link: hpcc_objscan_needs_runtime() tells whether the
 * linker kept the runtime, which it does only when something refers to
 * it (it is linked --as-needed).
 */
#ifndef HPCC_OBJSCAN_H
#define HPCC_OBJSCAN_H

/* 1 if the file at path refers to the runtime's entry points, else 0
 * (also when it cannot be read: it is then the linker's business). */
int hpcc_objscan_uses_runtime(const char *path);

/* 1 if the linked file at path names the runtime's soname (soname, e.g.
 * "libhotpath.so.1") among its strings. */
int hpcc_objscan_needs_runtime(const char *path, const char *soname);

#endif
