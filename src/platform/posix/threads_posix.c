/* The threads layer on pthreads. */
#define _POSIX_C_SOURCE 200809L
#include "diskimager/threads.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct di_thread {
    pthread_t handle;
    di_thread_fn fn;
    void *arg;
};
struct di_mutex {
    pthread_mutex_t m;
};
struct di_cond {
    pthread_cond_t c;
};

static void *trampoline(void *p)
{
    di_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

di_thread *di_thread_start(di_thread_fn fn, void *arg)
{
    di_thread *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->handle, NULL, trampoline, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void di_thread_join(di_thread *t)
{
    if (!t) return;
    pthread_join(t->handle, NULL);
    free(t);
}

di_mutex *di_mutex_new(void)
{
    di_mutex *m = calloc(1, sizeof *m);
    if (m && pthread_mutex_init(&m->m, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void di_mutex_free(di_mutex *m)
{
    if (!m) return;
    pthread_mutex_destroy(&m->m);
    free(m);
}

void di_mutex_lock(di_mutex *m) { pthread_mutex_lock(&m->m); }
void di_mutex_unlock(di_mutex *m) { pthread_mutex_unlock(&m->m); }

di_cond *di_cond_new(void)
{
    di_cond *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    /* Timed waits by the monotonic clock: a change of the wall clock does not stretch them. */
    pthread_condattr_t attr;
    bool made = pthread_condattr_init(&attr) == 0;
    if (made) {
        made = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
               pthread_cond_init(&c->c, &attr) == 0;
        pthread_condattr_destroy(&attr);
    }
    if (!made) {
        free(c);
        return NULL;
    }
    return c;
}

void di_cond_free(di_cond *c)
{
    if (!c) return;
    pthread_cond_destroy(&c->c);
    free(c);
}

void di_cond_wait(di_cond *c, di_mutex *m) { pthread_cond_wait(&c->c, &m->m); }
void di_cond_broadcast(di_cond *c) { pthread_cond_broadcast(&c->c); }

bool di_cond_wait_ms(di_cond *c, di_mutex *m, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(&c->c, &m->m, &until) == 0;
}

uint64_t di_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void di_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int di_process_thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int count = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Threads:", 8) == 0) {
            count = atoi(line + 8);
            break;
        }
    }
    fclose(f);
    return count;
}
