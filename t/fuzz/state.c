/*
 * state: a libFuzzer target for mp-dedup's state file (mp_keys_load).
 * The first byte picks the run id, the windows and whether the target
 * seals the rest with its checksum and end mark (so that what is past the
 * checksum is reached); the rest is the file, taken as written with the
 * target's key options.  Any file must load or be
 * refused without a crash or a leak; a state that loads must write out
 * and load back (with the same keys, when no window expires any).
 * mp-fetch's state is one RFC 3339 time (the text target).
 * Built and run by `make fuzz` (clang).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

static char f1[64], f2[64], f3[64];

static void
put(const char *file, const void *p, size_t n, const void *q, size_t m)
{
	FILE *f;

	if ((f = fopen(file, "w")) == NULL || (n > 0 &&
	    fwrite(p, 1, n, f) != n) || (m > 0 && fwrite(q, 1, m, f) != m) ||
	    fclose(f) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static const char *const ids[] = { NULL, "run-1", "2026-11-20", "x" };
	struct mp_keys *k, *k2;
	unsigned char tail[16];
	int64_t win[MP_KEYS_NSET];
	const char *id;
	struct mp_keyhash h = { 0x0123456789abcdefULL, 0x45 };
	uint64_t sum;
	struct mp_keyinfo ki;
	unsigned char *copy;
	uint32_t kh;
	int mode;

	if (n < 1)
		return 0;
	if (f1[0] == '\0') {
		snprintf(f1, sizeof f1, "/tmp/mp-fuzz-state.%ld.1",
		    (long)getpid());
		snprintf(f2, sizeof f2, "/tmp/mp-fuzz-state.%ld.2",
		    (long)getpid());
		snprintf(f3, sizeof f3, "/tmp/mp-fuzz-state.%ld.3",
		    (long)getpid());
	}
	mode = data[0];
	/* the file's key options are taken to be the target's */
	copy = xmalloc(n);
	memcpy(copy, data + 1, --n);
	if (n >= 16) {
		kh = (uint32_t)mp_hash("fuzz", 4, 0);
		memcpy(copy + 12, &kh, 4);
	}
	data = copy;
	id = ids[mode & 3];
	win[0] = mode & 4 ? 3600 : 0;
	win[1] = mode & 8 ? 86400 : 0;
	if (mode & 16) {
		sum = mp_hash(data, n, 0);	/* files under 64 KiB */
		memcpy(tail, &sum, 8);
		memcpy(tail + 8, "mpdedup\n", 8);
		put(f1, data, n, tail, 16);
	} else
		put(f1, data, n, NULL, 0);
	k = mp_keys_new(win);
	mp_keys_keying(k, "fuzz");
	unlink(f2);
	unlink(f3);
	if (mp_keys_load(k, f1, id) == 0) {
		mp_keys_see(k, 0, h, 1795000000, &ki);
		if (mp_keys_write(k, f2) != 0)
			abort();
		if (access(f2, F_OK) == 0) {
			k2 = mp_keys_new(win);
			mp_keys_keying(k2, "fuzz");
			if (mp_keys_load(k2, f2, NULL) != 0)
				abort();
			/* without windows, no key expires in between */
			if (win[0] == 0 && win[1] == 0 &&
			    (mp_keys_count(k2, 0) != mp_keys_count(k, 0) ||
			    mp_keys_count(k2, 1) != mp_keys_count(k, 1)))
				abort();
			mp_keys_see(k2, 1, h, 1795000000, &ki);
			if (mp_keys_write(k2, f3) != 0)
				abort();
			mp_keys_free(k2);
		}
	}
	mp_keys_free(k);
	unlink(f1);
	free(copy);
	return 0;
}
