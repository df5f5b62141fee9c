/*
 * schema: a libFuzzer target for schema files, mp-schema(5).  The input
 * is a schema file, then a line "--", then records (one a line) to check
 * against it.  Any file must load or be refused (NULL) without a crash or
 * a leak; each record that is JSON must pass or fail with a reason.
 * Built and run by `make fuzz` (clang).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static char file[64];
	const char *s = (const char *)data, *end = s + n, *sep, *e;
	struct mp_buf why = { 0 };
	struct mp_json_err je;
	struct mp_schema *sc;
	size_t sn;
	FILE *f;
	int i;

	if (file[0] == '\0')
		snprintf(file, sizeof file, "/tmp/mp-fuzz.%ld.schema",
		    (long)getpid());
	sep = memmem(s, n, "\n--\n", 4);
	sn = sep ? (size_t)(sep - s) + 1 : n;
	if ((f = fopen(file, "w")) == NULL || (sn > 0 &&
	    fwrite(s, 1, sn, f) != sn) || fclose(f) != 0)
		abort();
	sc = mp_schema_load(file);
	unlink(file);
	if (sc == NULL)
		return 0;
	if (sc->nfield < 1 || sc->query == NULL)
		abort();
	for (i = 0; i < sc->nfield; i++)
		if (sc->field[i].column == NULL || *sc->field[i].column == '\0')
			abort();
	for (s = sep ? sep + 4 : end; s < end; s = e + 1) {
		if ((e = memchr(s, '\n', end - s)) == NULL)
			e = end;
		if (mp_json_check(s, e - s, &je) < 0)
			continue;
		why.len = 0;
		if (mp_schema_check(sc, s, e - s, &why) < 0 && why.len == 0)
			abort();
	}
	mp_schema_free(sc);
	mp_buf_free(&why);
	return 0;
}
