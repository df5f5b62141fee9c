/*
 * Unit test of keys.c's limit on runs: a slot has 24 bits for its run,
 * so a state holds at most MP_KEYS_MAXRUNS runs with an id, and one that
 * would need more is refused with a message rather than wrapping.  Built
 * over keys.c itself with the limit lowered to 3: reaching 16777215 runs
 * would take a state file of about 200 MB.
 */
#define MAXRUNS	3
#include "../common/keys.c"

#include <stdio.h>

#include "tap.h"

static char file[64];

/* A run that sees one key of its own; the status of its load or write. */
static int
one(const char *id, int key)
{
	int64_t win[MP_KEYS_NSET] = { 0, 0 };
	struct mp_keys *k = mp_keys_new(win);
	struct mp_keyinfo ki;
	struct mp_keyhash kh;
	int st;

	if ((st = mp_keys_load(k, file, id)) == 0) {
		kh = mp_keys_hash(k, 'k', &key, sizeof key);
		mp_keys_see(k, 0, kh, 1000 + key, &ki);
		st = mp_keys_write(k, file);
	}
	mp_keys_free(k);
	return st;
}

static uint32_t
runs(void)
{
	unsigned char h[64];
	uint32_t n = 0;
	FILE *f;

	if ((f = fopen(file, "r")) != NULL && fread(h, 1, 64, f) == 64)
		memcpy(&n, h + 56, 4);
	if (f != NULL)
		fclose(f);
	return n - 1;
}

int
main(void)
{
	char dir[] = "/tmp/mp-keys-runs.XXXXXX", path[80];
	const char *msg;
	struct stat before, after;
	int st;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(file, sizeof file, "%s/state", dir);

	st = one("r1", 1) | one("r2", 2) | one("r3", 3);
	ok(st == 0 && runs() == 3, "three runs with an id fill the state (%u)",
	    runs());
	stat(file, &before);
	st = one("r4", 4);
	msg = mp_last_error();
	ok(st == MP_EX_CONFIG, "a fourth run is refused with 78 (%d)", st);
	ok(strstr(msg, "is full (3 runs): use another state for run 'r4'") !=
	    NULL, "with a message that says so: %s", msg);
	stat(file, &after);
	ok(after.st_mtime == before.st_mtime && after.st_ino == before.st_ino &&
	    runs() == 3, "and the state is left as it was");
	ok(one("r2", 5) == 0 && one(NULL, 6) == 0 && runs() == 3,
	    "a re-run of a run it holds, and a run without an id, still go");

	unlink(file);
	snprintf(path, sizeof path, "%s.lock", file);
	unlink(path);
	snprintf(path, sizeof path, "%s.tmp", file);
	unlink(path);
	rmdir(dir);
	return done();
}
