/*
 * Unit tests of keys.c: random streams of keys and times checked against
 * a plain model of the rules (a list searched linearly), through table
 * growth, expiry, state files and runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"
#include "tap.h"

#define POOL	3000

/* The model: per key, first-seen time and whether it was seen at all. */
static struct model {
	int	 seen;
	int64_t	 first;
} m[POOL];
static int64_t wm = MP_TIME_NONE;

static int
model_see(int key, int64_t t, int64_t w)
{
	int rc;

	if (m[key].seen && (w == 0 || wm == MP_TIME_NONE ||
	    m[key].first >= wm - w) && (w == 0 ||
	    llabs(t - m[key].first) < w))
		rc = MP_KEYS_SEEN;
	else if (w > 0 && wm != MP_TIME_NONE && t < wm - w)
		rc = MP_KEYS_LATE;
	else {
		m[key].seen = 1;
		m[key].first = t;
		rc = MP_KEYS_NEW;
	}
	if (wm == MP_TIME_NONE || t > wm)
		wm = t;
	return rc;
}

/*
 * 1: hashes at both ends, one cluster over the wrap, four keys to each
 * first 64 bits; 2: 256 keys to each first 64 bits, told apart by the
 * next 8 only
 */
static int crafted;

static struct mp_keyhash
hashof(struct mp_keys *k, int key)
{
	struct mp_keyhash kh;
	char s[32];

	if (crafted == 1) {
		kh.h = key % 2 ? UINT64_MAX - key / 8 : (uint64_t)key / 8 + 1;
		kh.x = key;
		return kh;
	}
	if (crafted == 2) {
		kh.h = ((uint64_t)key / 256 + 1) * 0x9e3779b97f4a7c15ULL;
		kh.x = key % 256;
		return kh;
	}
	snprintf(s, sizeof s, "key-%d", key);
	return mp_keys_hash(k, 'k', s, strlen(s));
}

/* Runs n events through the store and the model; counts disagreements. */
static int
stream(struct mp_keys *k, int n, int64_t *t, int64_t w, int spread,
    unsigned *seed)
{
	struct mp_keyinfo ki;
	int i, key, bad = 0;
	int64_t et;

	for (i = 0; i < n; i++) {
		key = rand_r(seed) % POOL;
		*t += rand_r(seed) % 3;
		/* out of order: up to spread seconds back */
		et = *t - (spread ? rand_r(seed) % spread : 0);
		if (et < 1)
			et = 1;
		if (mp_keys_see(k, 0, hashof(k, key), et, &ki) !=
		    model_see(key, et, w))
			bad++;
	}
	return bad;
}

/* A run "r1" of 5000 events over the state file; out gets its decisions. */
static void
run_r1(const char *file, unsigned seed, int64_t t, const int64_t *win,
    int *out)
{
	struct mp_keys *k = mp_keys_new(win);
	struct mp_keyinfo ki;
	int j, key;

	mp_keys_load(k, file, "r1");
	for (j = 0; j < 5000; j++) {
		key = rand_r(&seed) % POOL;
		t += rand_r(&seed) % 3;
		out[j] = mp_keys_see(k, 0, hashof(k, key),
		    t - rand_r(&seed) % 400, &ki);
	}
	mp_keys_write(k, file);
	mp_keys_free(k);
}

int
main(void)
{
	char dir[] = "/tmp/mp-keys.XXXXXX", file[64];
	int64_t win[2] = { 0, 0 }, t;
	struct mp_keys *k;
	unsigned seed = 42;
	int bad, st, i;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(file, sizeof file, "%s/state", dir);

	/* no window: every key seen before is a duplicate */
	k = mp_keys_new(win);
	mp_keys_load(k, NULL, NULL);
	t = 1000;
	bad = stream(k, 20000, &t, 0, 0, &seed);
	ok(bad == 0, "no window: the store agrees with the model (%d off)",
	    bad);
	for (i = 0, st = 0; i < POOL; i++)
		st += m[i].seen;
	ok(mp_keys_count(k, 0) == (size_t)st, "every key seen is kept (%zu "
	    "of %d)", mp_keys_count(k, 0), st);
	mp_keys_free(k);

	/* a window, out-of-order times: growth and expiry on the way */
	memset(m, 0, sizeof m);
	wm = MP_TIME_NONE;
	win[0] = 300;
	k = mp_keys_new(win);
	mp_keys_load(k, NULL, NULL);
	t = 1000;
	bad = stream(k, 200000, &t, 300, 400, &seed);
	ok(bad == 0, "window 300s, 400s out of order: agrees (%d off)", bad);
	ok(mp_keys_expired(k, 0) > 0, "keys expired on the way (%lld)",
	    mp_keys_expired(k, 0));
	ok(mp_keys_memory(k) <= 32 * POOL + 16 * 1024,
	    "tables stay small (%lld bytes for %zu keys)", mp_keys_memory(k),
	    mp_keys_count(k, 0));
	mp_keys_free(k);

	/*
	 * Every key's home at the last slot or the first: one cluster that
	 * wraps around, grown and shifted back by expiry across the wrap
	 */
	memset(m, 0, sizeof m);
	wm = MP_TIME_NONE;
	crafted = 1;
	k = mp_keys_new(win);
	mp_keys_load(k, NULL, NULL);
	t = 1000;
	bad = stream(k, 30000, &t, 300, 400, &seed);
	ok(bad == 0 && mp_keys_expired(k, 0) > 0, "keys at the slot boundary, "
	    "with expiry: agrees (%d off, %lld expired)", bad,
	    mp_keys_expired(k, 0));
	mp_keys_free(k);

	/*
	 * Keys alike in their first 64 bits, not in the next 8: each its own,
	 * in the table and through a state file
	 */
	memset(m, 0, sizeof m);
	wm = MP_TIME_NONE;
	crafted = 2;
	win[0] = 0;
	unlink(file);
	t = 1000;
	bad = 0;
	for (i = 0; i < 2; i++) {
		k = mp_keys_new(win);
		if ((st = mp_keys_load(k, file, NULL)) == 0) {
			bad += stream(k, 10000, &t, 0, 0, &seed);
			st = mp_keys_write(k, file);
		}
		mp_keys_free(k);
	}
	for (i = 0, st = 0; i < POOL; i++)
		st += m[i].seen;
	k = mp_keys_new(win);
	mp_keys_load(k, file, NULL);
	ok(bad == 0 && mp_keys_count(k, 0) == (size_t)st, "keys told apart by "
	    "the hash's last 8 bits only: agrees through a state file (%d off, "
	    "%zu of %d kept)", bad, mp_keys_count(k, 0), st);
	mp_keys_free(k);
	unlink(file);
	win[0] = 300;
	crafted = 0;

	/* growth: by 1.25 to 1.5 times, at most 32 bytes a key after it */
	{
		struct mp_keyinfo ki;
		long long mem, last = 0;
		int steps = 0, lost = 0, fat = 0, wide = 0, n = 300000;

		win[0] = 0;
		k = mp_keys_new(win);
		mp_keys_load(k, NULL, NULL);
		for (i = 0; i < n; i++) {
			mp_keys_see(k, 0, mp_keys_hash(k, 'k', &i, sizeof i),
			    1000, &ki);
			mem = mp_keys_memory(k) - 1024 * 16;	/* visitors */
			if (mem != last) {
				steps++;
				wide += last && mem > last / 2 * 3 + 64;
				fat += last && mem > 32LL * (i + 1);
				last = mem;
			}
		}
		for (i = 0; i < n; i++)
			lost += mp_keys_see(k, 0, mp_keys_hash(k, 'k', &i,
			    sizeof i), 1000, &ki) != MP_KEYS_SEEN;
		ok(steps > 10 && wide == 0 && fat == 0 && lost == 0,
		    "%d keys: %d growth steps, %d over 1.5 times, %d over 32 "
		    "bytes a key, %d keys lost", n, steps, wide, fat, lost);
		mp_keys_free(k);
		win[0] = 300;
	}

	/* through state files, run after run, without ids */
	memset(m, 0, sizeof m);
	wm = MP_TIME_NONE;
	unlink(file);
	t = 1000;
	bad = 0;
	for (i = 0; i < 8; i++) {
		k = mp_keys_new(win);
		if ((st = mp_keys_load(k, file, NULL)) == 0) {
			bad += stream(k, 20000, &t, 300, 400, &seed);
			st = mp_keys_write(k, file);
		}
		mp_keys_free(k);
		if (st != 0)
			break;
	}
	ok(st == 0 && bad == 0, "8 runs through a state file agree with one "
	    "model (%d off, status %d)", bad, st);

	/* a re-run of the last run with an id repeats its decisions */
	{
		static int out1[5000], out2[5000];
		int same = 1;

		run_r1(file, seed, t, win, out1);
		for (i = 0; i < 3; i++) {
			run_r1(file, seed, t, win, out2);
			same &= memcmp(out1, out2, sizeof out1) == 0;
		}
		ok(same, "three re-runs of run r1 decide as its first run");
	}
	/*
	 * A sealed file with a watermark no event time can give is corrupt
	 * (windows were counted back from it past INT64_MIN)
	 */
	{
		static const int64_t bad[] = { INT64_MIN + 32, -1,
		    (int64_t)UINT32_MAX + 1 };
		unsigned char buf[4096];
		struct mp_keyhash h = { 7, 0 };
		uint64_t sum;
		struct mp_keyinfo ki;
		size_t n;
		FILE *f;
		int j, okay = 1;

		unlink(file);
		k = mp_keys_new(win);
		mp_keys_load(k, file, NULL);
		mp_keys_see(k, 0, h, 1000, &ki);
		mp_keys_write(k, file);
		mp_keys_free(k);
		f = fopen(file, "r");
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		for (j = 0; j < 3 && n > 64; j++) {
			memcpy(buf + 48, &bad[j], 8);
			sum = mp_hash(buf, n - 16, 0);
			memcpy(buf + n - 16, &sum, 8);
			f = fopen(file, "w");
			fwrite(buf, 1, n, f);
			fclose(f);
			k = mp_keys_new(win);
			okay &= mp_keys_load(k, file, NULL) == MP_EX_DATAERR;
			mp_keys_free(k);
		}
		ok(n > 64 && okay, "a watermark out of range is corrupt (65)");

		/* a run id with a NUL would be written back shorter */
		unlink(file);
		k = mp_keys_new(win);
		mp_keys_load(k, file, "ab");
		mp_keys_see(k, 0, h, 1000, &ki);
		mp_keys_write(k, file);
		mp_keys_free(k);
		f = fopen(file, "r");
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		okay = n > 124 && memcmp(buf + 120, "\2\0ab", 4) == 0;
		buf[122] = '\0';
		sum = mp_hash(buf, n - 16, 0);
		memcpy(buf + n - 16, &sum, 8);
		f = fopen(file, "w");
		fwrite(buf, 1, n, f);
		fclose(f);
		k = mp_keys_new(win);
		okay &= mp_keys_load(k, file, NULL) == MP_EX_DATAERR;
		mp_keys_free(k);
		ok(okay, "a run id holding a NUL is corrupt (65)");
	}
	unlink(file);
	snprintf(file, sizeof file, "%s/state.lock", dir);
	unlink(file);
	snprintf(file, sizeof file, "%s/state.tmp", dir);
	unlink(file);
	rmdir(dir);
	return done();
}
