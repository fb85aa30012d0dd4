/* A thin threads layer: native Win32 threads on Windows (so the .exe needs no
 * pthread runtime), pthreads elsewhere. */
#ifndef DISKIMAGER_THREADS_H
#define DISKIMAGER_THREADS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct di_thread di_thread;
typedef struct di_mutex di_mutex;
typedef struct di_cond di_cond;

typedef void (*di_thread_fn)(void *arg);

/* Returns NULL when the thread could not be started. */
di_thread *di_thread_start(di_thread_fn fn, void *arg);
void di_thread_join(di_thread *thread);

di_mutex *di_mutex_new(void);
void di_mutex_free(di_mutex *mutex);
void di_mutex_lock(di_mutex *mutex);
void di_mutex_unlock(di_mutex *mutex);

di_cond *di_cond_new(void);
void di_cond_free(di_cond *cond);
void di_cond_wait(di_cond *cond, di_mutex *mutex);
/* The same for at most ms milliseconds (by the monotonic clock); false when they passed
 * without a wake-up (a spurious wake-up may return true early: callers look again). */
bool di_cond_wait_ms(di_cond *cond, di_mutex *mutex, unsigned ms);
void di_cond_broadcast(di_cond *cond);

/* Monotonic clock in nanoseconds. */
uint64_t di_now_ns(void);
void di_sleep_ms(unsigned ms);

/* Number of threads the process runs right now (tests use it to prove that a job
 * left none behind); -1 where unknown. */
int di_process_thread_count(void);

#endif
