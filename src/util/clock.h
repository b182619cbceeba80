#ifndef QGA_FORGE_CLOCK_H
#define QGA_FORGE_CLOCK_H

/*
 * The monotonic clock, for timeouts, deadlines and the step timings that
 * -v prints and manifests record. Never the time of day.
 */

/* Milliseconds, whole. */
long long clock_now_ms(void);

/* Seconds, with the fraction. */
double clock_now(void);

/* Sleeps ms milliseconds, resuming after signals. */
void clock_sleep_ms(int ms);

#endif
