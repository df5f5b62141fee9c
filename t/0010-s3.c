/*
 * 0010-s3: a command-line driver of s3.c and md5.c for t/0010-s3.t, which
 * checks what it does against s3rver, s3cmd and a checking proxy:
 *
 *	0010-s3 [options] put FILE s3://BUCKET/KEY
 *	0010-s3 [options] get s3://BUCKET/KEY		the bytes on stdout
 *	0010-s3 [options] list s3://BUCKET/PREFIX	"SIZE KEY" lines
 *	0010-s3 parse URL				bucket and key lines
 *	0010-s3 creds FILE				what the file set
 *	0010-s3 md5 FILE				the MD5 in hex
 *
 * Options set struct mp_s3's fields: -e endpoint, -s path|virtual|auto,
 * -r retries, -R retry_max, -p part_size, -k max_keys, -c a credentials
 * file; -n N makes the function stop (returning 42) once it has had N
 * keys or bytes.  The exit status is the library's; err goes to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

static long long stop = -1, seen;

static int
onkey(const char *key, long long size, void *arg)
{
	(void)arg;
	printf("%lld %s\n", size, key);
	return stop >= 0 && ++seen >= stop ? 42 : 0;
}

static int
onbytes(const void *p, size_t n, void *arg)
{
	(void)arg;
	if (fwrite(p, 1, n, stdout) != n)
		mp_err(MP_EX_IOERR, "stdout");
	seen += n;
	return stop >= 0 && seen >= stop ? 42 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: 0010-s3 [-e endpoint] [-s style] [-r retries] "
	    "[-R retry_max] [-p part_size] [-k max_keys] [-c file] [-n stop] "
	    "put|get|list|parse|creds|md5 arg ...\n");
	exit(MP_EX_USAGE);
}

static long long
num(const char *s, long long min, long long max)
{
	const char *errstr;
	long long v;

	if (mp_strtonum(s, min, max, &v, &errstr) == -1)
		mp_errx(MP_EX_USAGE, "'%s': %s", s, errstr);
	return v;
}

static int
md5file(const char *file)
{
	struct mp_md5 m;
	unsigned char d[16], buf[777];	/* odd pieces: the buffering */
	size_t n;
	FILE *f;
	int i;

	if ((f = fopen(file, "rb")) == NULL)
		mp_err(MP_EX_NOINPUT, "%s", file);
	mp_md5_init(&m);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		mp_md5_update(&m, buf, n);
	fclose(f);
	mp_md5_final(&m, d);
	for (i = 0; i < 16; i++)
		printf("%02x", d[i]);
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	struct mp_s3 s3 = { 0 };
	const char *creds = NULL;
	char *bucket = NULL, *key = NULL;
	int c, rc;

	mp_prog = "0010-s3";
	while ((c = getopt(argc, argv, "e:s:r:R:p:k:c:n:")) != -1) {
		switch (c) {
		case 'e':
			s3.endpoint = xstrdup(optarg);
			break;
		case 's':
			if (strcmp(optarg, "path") == 0)
				s3.style = MP_S3_PATH;
			else if (strcmp(optarg, "virtual") == 0)
				s3.style = MP_S3_VIRTUAL;
			else if (strcmp(optarg, "auto") == 0)
				s3.style = MP_S3_AUTO;
			else
				usage();
			break;
		case 'r':
			s3.retries = num(optarg, -1, 100);
			break;
		case 'R':
			s3.retry_max = num(optarg, 0, 3600);
			break;
		case 'p':
			s3.part_size = num(optarg, 1, 1LL << 40);
			break;
		case 'k':
			s3.max_keys = num(optarg, 0, 1000);
			break;
		case 'c':
			creds = optarg;
			break;
		case 'n':
			stop = num(optarg, 0, 1LL << 40);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();

	if (strcmp(argv[0], "md5") == 0)
		return md5file(argv[1]);
	if (strcmp(argv[0], "parse") == 0) {
		if (mp_s3_parse(argv[1], &bucket, &key) == -1)
			return 1;
		printf("%s\n%s\n", bucket, key);
		free(bucket);
		free(key);
		return 0;
	}
	if (strcmp(argv[0], "creds") == 0) {
		if ((rc = mp_s3_credentials(&s3, argv[1])) != 0) {
			mp_s3_free(&s3);
			return rc;
		}
		printf("akid=%s\nsecret=%s\ntoken=%s\n",
		    s3.akid ? s3.akid : "(null)",
		    s3.secret ? s3.secret : "(null)",
		    s3.token ? s3.token : "(null)");
		mp_s3_free(&s3);
		return 0;
	}

	if ((creds && (rc = mp_s3_credentials(&s3, creds)) != 0) ||
	    (rc = mp_s3_setup(&s3)) != 0) {
		mp_s3_free(&s3);
		return rc;
	}
	if (strcmp(argv[0], "put") == 0 && argc == 3) {
		if (mp_s3_parse(argv[2], &bucket, &key) == -1)
			mp_errx(MP_EX_USAGE, "%s: not s3://", argv[2]);
		rc = mp_s3_put_file(&s3, argv[1], bucket, key);
	} else if (strcmp(argv[0], "get") == 0 && argc == 2) {
		if (mp_s3_parse(argv[1], &bucket, &key) == -1)
			mp_errx(MP_EX_USAGE, "%s: not s3://", argv[1]);
		rc = mp_s3_get(&s3, bucket, key, onbytes, NULL);
	} else if (strcmp(argv[0], "list") == 0 && argc == 2) {
		if (mp_s3_parse(argv[1], &bucket, &key) == -1)
			mp_errx(MP_EX_USAGE, "%s: not s3://", argv[1]);
		rc = mp_s3_list(&s3, bucket, key, onkey, NULL);
	} else
		usage();
	if (rc != 0 && s3.err[0])
		mp_warnx("%s", s3.err);
	free(bucket);
	free(key);
	mp_s3_free(&s3);
	if (fclose(stdout) != 0)
		mp_err(MP_EX_IOERR, "stdout");
	return rc;
}
