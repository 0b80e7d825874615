/* output.h - which reports a session writes, and where (HOTPATH_FORMAT,
 * HOTPATH_OUTPUT, HOTPATH_OUTPUT_<FORMAT>, read by settings.c).
 *
 * Each format of HOTPATH_FORMAT's list goes to the first of:
 *   1. HOTPATH_OUTPUT_<FORMAT> (TABLE, JSON, FOLDED, TRACE, HTML, METRICS;
 *      json-pretty uses JSON), a file name ("%p" = pid);
 *   2. HOTPATH_OUTPUT, if it names a directory (an existing one, or any
 *      value ending in '/', created if missing): <dir>/hotpath-<pid>.<ext>
 *      with ext txt, json, folded, trace.json, html, prom (json-pretty: json,
 *      or pretty.json when json is in the list too);
 *   3. for the first format of the list: HOTPATH_OUTPUT as a file (unset
 *      or empty: stderr), exactly as with a single format;
 *   4. otherwise hotpath-<pid>.<ext> in the current directory.
 */
#ifndef HP_OUTPUT_H
#define HP_OUTPUT_H

struct hp_report;
struct hp_settings;
struct hp_str;

/* Renders one format (an HP_OUT_* bit) into out, in memory: what a file
 * of that format would hold (HOTPATH_HTTP serves it).  0 or ENOMEM. */
int hp_output_render(struct hp_str *out, const struct hp_report *r,
		     unsigned int bit);

/* Renders every format s asks for, in the order of its list, and writes
 * each to its destination (r as gather.h fills it). */
void hp_output_emit(const struct hp_report *r, const struct hp_settings *s);

/* A live snapshot (HOTPATH_INTERVAL, hotpath_snapshot) of every format
 * of s->order.  path NULL: each format goes to its exit destination
 * above with "-NNNN" (seq, zero-padded to 4 digits) inserted before the
 * file name's extension, where stderr counts as hotpath-%p.<ext> in the
 * current directory, and so does a device or FIFO (/dev/stdout)
 * (hotpath-1234.json -> hotpath-1234-0003.json,
 * /tmp/prof-%p.trace.json -> /tmp/prof-%p-0003.trace.json); a name
 * without a '.' gets it at its end.  path given: the first format only,
 * to that file.  Never stderr, nothing said there.  0 or the first errno. */
int hp_output_snapshot(const struct hp_report *r, const struct hp_settings *s,
		       const char *path, unsigned long seq);

#endif
