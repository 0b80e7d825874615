/* link.h - how a link gets the hotpath runtime.
 *
 * One runtime per process: every module (the program, its shared
 * libraries, plugins) that holds instrumented code needs the one shared
 * runtime, libhotpath.so.1 (DT_NEEDED, found through a RUNPATH to hpcc's
 * libdir), so the dynamic loader loads a single copy however many modules
 * ask for it.  With --alloc the interposer, libhotpath_alloc.so.1, comes
 * first: from the program's DT_NEEDED list its malloc interposes libc's,
 * as jemalloc's does.  -static and -static-pie links take the archives
 * instead (the allocator whole: nothing would pull malloc out of an
 * archive); -r (a relocatable object, not a program) takes nothing.
 *
 * Pure argv work: tests inspect the vectors.
 */
#ifndef HPCC_LINK_H
#define HPCC_LINK_H

#include "args.h"

struct runtime_link {
	const char *lib;       /* libhotpath.so.1 or libhotpath.a; NULL: none */
	const char *alloc_lib; /* the interposer, or NULL */
	char *libdir;          /* the RUNPATH (shared runtime only) */
	int is_static;
	int x_none;            /* the command has -x: end its scope first */
};

/* A command: argv[0..argc) with, when `links` and rt->lib, the runtime at
 * its end.  `used`: something in the link is instrumented; if not, the
 * shared runtime is only offered --as-needed, without RUNPATH, so that a
 * link of plain objects gives the same bytes as without hpcc (the caller
 * checks afterwards that the linker did not keep it).  With --alloc in a
 * dynamic link the interposer goes right after the first `lead` words
 * (the launcher and the compiler), so that its DT_NEEDED comes before any
 * library the user names, libc included (-lc).  Returns a malloc'd
 * NULL-terminated vector (strings borrowed), or NULL when out of memory. */
char **hpcc_link_command(char *const *argv, int argc, int lead, const struct runtime_link *rt,
			 int used, int links);

/* Does anything this link reads refer to the runtime?  Objects compiled
 * by this command (nw > 0) do; the other inputs are scanned. */
int hpcc_link_uses_runtime(const struct invocation *inv, int nw);

/* Has the command a -x option (whose scope the runtime must end)? */
int hpcc_link_has_x(const struct invocation *inv);

#endif
