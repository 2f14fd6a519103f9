/*
 * check: the few assertions unit tests need, without a framework. A failed
 * check prints where and what, counts, and the test goes on, so one run shows
 * every failure; main() ends with "return check_done();", which prints
 * "N passed, M failed" and gives the exit status ctest reads.
 *
 * Counters are plain ints: call the macros from one thread only (in a
 * threaded test, collect results and check them on the main thread).
 */
#ifndef SAFEROOM_TEST_CHECK_H
#define SAFEROOM_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int	check_passed;
static int	check_failed;

static inline int
check_at(int ok, const char *file, int line, const char *expr)
{
	if (ok) {
		check_passed++;
		return 1;
	}
	check_failed++;
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
	return 0;
}

static inline int
check_int_at(long long got, long long want, const char *file, int line,
    const char *expr)
{
	if (got == want)
		return check_at(1, file, line, expr);
	check_at(0, file, line, expr);
	fprintf(stderr, "\tgot %lld, want %lld\n", got, want);
	return 0;
}

static inline int
check_str_at(const char *got, const char *want, const char *file, int line,
    const char *expr)
{
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return check_at(1, file, line, expr);
	check_at(0, file, line, expr);
	fprintf(stderr, "\tgot  \"%s\"\n\twant \"%s\"\n",
	    got ? got : "(null)", want ? want : "(null)");
	return 0;
}

/* Prints the summary; the exit status for main(). */
static inline int
check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed == 0 ? 0 : 1;
}

/* Each evaluates to 1 if the check passed, so a test can stop early. */
#define CHECK(cond)	check_at(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_INT(got, want)						\
	check_int_at((long long)(got), (long long)(want), __FILE__,	\
	    __LINE__, #got " == " #want)
#define CHECK_STR(got, want)						\
	check_str_at((got), (want), __FILE__, __LINE__, #got " == " #want)

#endif
