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

static void
hashof(struct mp_keys *k, int key, uint64_t *h)
{
	char s[32];

	snprintf(s, sizeof s, "key-%d", key);
	mp_keys_hash(k, 'k', s, strlen(s), h);
}

/* Runs n events through the store and the model; counts disagreements. */
static int
stream(struct mp_keys *k, int n, int64_t *t, int64_t w, int spread,
    unsigned *seed)
{
	struct mp_keyinfo ki;
	uint64_t h[2];
	int i, key, bad = 0;
	int64_t et;

	for (i = 0; i < n; i++) {
		key = rand_r(seed) % POOL;
		*t += rand_r(seed) % 3;
		/* out of order: up to spread seconds back */
		et = *t - (spread ? rand_r(seed) % spread : 0);
		if (et < 1)
			et = 1;
		hashof(k, key, h);
		if (mp_keys_see(k, 0, h, et, &ki) != model_see(key, et, w))
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
	uint64_t h[2];
	int j, key;

	mp_keys_load(k, file, "r1");
	for (j = 0; j < 5000; j++) {
		key = rand_r(&seed) % POOL;
		t += rand_r(&seed) % 3;
		hashof(k, key, h);
		out[j] = mp_keys_see(k, 0, h, t - rand_r(&seed) % 400, &ki);
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
	ok(mp_keys_memory(k) <= 64 * 1024 * 2 + 1024 * 24 * 2 ||
	    mp_keys_memory(k) / (long long)mp_keys_count(k, 0) <= 64,
	    "tables stay small (%lld bytes for %zu keys)", mp_keys_memory(k),
	    mp_keys_count(k, 0));
	mp_keys_free(k);

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
		uint64_t h[2] = { 7, 7 }, sum;
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
		okay = n > 116 && memcmp(buf + 112, "\2\0ab", 4) == 0;
		buf[114] = '\0';
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
