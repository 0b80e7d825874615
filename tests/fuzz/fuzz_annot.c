/* fuzz_annot.c - the annotation grammar (annot.c) on arbitrary bytes.
 *
 * The first byte picks the parser (even: a comment token, odd: the inside
 * of a [[...]] list); the rest is the text.  Besides not crashing, the
 * result must be self-consistent: offsets inside the text, a non-empty
 * label for blocks, a message for malformed annotations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "fuzz.h"

int hpcc_fuzz_annot(const uint8_t *data, size_t size)
{
	struct annot an;
	const char *text;
	size_t len;
	char *copy;
	int rc;

	if (size < 1)
		return 0;
	len = size - 1;
	/* an exact-size heap copy, so reading past the end is caught */
	copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, len);
	text = copy;
	rc = (data[0] & 1) ? hpcc_annot_parse_attribute(text, len, &an)
			   : hpcc_annot_parse_comment(text, len, &an);
	FUZZ_ASSERT(rc == ANNOT_ABSENT || rc == ANNOT_OK || rc == ANNOT_MALFORMED);
	if (rc == ANNOT_OK) {
		FUZZ_ASSERT(an.at < len);
		FUZZ_ASSERT(an.kind == ANNOT_FUNCTION || an.kind == ANNOT_MAIN ||
			    an.kind == ANNOT_BLOCK);
		if (an.kind == ANNOT_BLOCK)
			FUZZ_ASSERT(an.label && *an.label);
		if (an.kind == ANNOT_MAIN)
			FUZZ_ASSERT(an.percentiles != NULL);
		if (an.option_ignored) /* warned about: a message and a place */
			FUZZ_ASSERT(an.kind == ANNOT_MAIN && !*an.percentiles &&
				    an.detail[0] != '\0' && an.error_at <= len);
	} else if (rc == ANNOT_MALFORMED) {
		FUZZ_ASSERT(an.error_at <= len);
		FUZZ_ASSERT(an.detail[0] != '\0');
		FUZZ_ASSERT(memchr(an.detail, '\0', sizeof an.detail) != NULL);
	}
	hpcc_annot_free(&an);
	(void)hpcc_annot_maybe_present(text, len);
	(void)hpcc_annot_maybe_block(text, len);
	free(copy);
	return 0;
}

FUZZ_ENTRY(hpcc_fuzz_annot)
