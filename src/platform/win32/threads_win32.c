/* The threads layer on native Win32 primitives, so the .exe needs no pthread DLL. */
#include "diskimager/threads.h"

#include <process.h>
#include <stdlib.h>
#include <windows.h>
#include <tlhelp32.h>

struct di_thread {
    HANDLE handle;
    di_thread_fn fn;
    void *arg;
};
struct di_mutex {
    SRWLOCK lock;
};
struct di_cond {
    CONDITION_VARIABLE cv;
};

static unsigned __stdcall trampoline(void *p)
{
    di_thread *t = p;
    t->fn(t->arg);
    return 0;
}

di_thread *di_thread_start(di_thread_fn fn, void *arg)
{
    di_thread *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->fn = fn;
    t->arg = arg;
    t->handle = (HANDLE)_beginthreadex(NULL, 0, trampoline, t, 0, NULL);
    if (!t->handle) {
        free(t);
        return NULL;
    }
    return t;
}

void di_thread_join(di_thread *t)
{
    if (!t) return;
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
    free(t);
}

di_mutex *di_mutex_new(void)
{
    di_mutex *m = calloc(1, sizeof *m);
    if (m) InitializeSRWLock(&m->lock);
    return m;
}

void di_mutex_free(di_mutex *m) { free(m); }
void di_mutex_lock(di_mutex *m) { AcquireSRWLockExclusive(&m->lock); }
void di_mutex_unlock(di_mutex *m) { ReleaseSRWLockExclusive(&m->lock); }

di_cond *di_cond_new(void)
{
    di_cond *c = calloc(1, sizeof *c);
    if (c) InitializeConditionVariable(&c->cv);
    return c;
}

void di_cond_free(di_cond *c) { free(c); }

void di_cond_wait(di_cond *c, di_mutex *m)
{
    SleepConditionVariableSRW(&c->cv, &m->lock, INFINITE, 0);
}

void di_cond_broadcast(di_cond *c) { WakeAllConditionVariable(&c->cv); }

bool di_cond_wait_ms(di_cond *c, di_mutex *m, unsigned ms)
{
    /* INFINITE is all ones: a wait that long is one a hair shorter. */
    return SleepConditionVariableSRW(&c->cv, &m->lock, ms == INFINITE ? ms - 1 : ms, 0) != 0;
}

uint64_t di_now_ns(void)
{
    static LARGE_INTEGER frequency;
    LARGE_INTEGER now;
    if (frequency.QuadPart == 0) QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&now);
    return (uint64_t)((double)now.QuadPart * 1e9 / (double)frequency.QuadPart);
}

void di_sleep_ms(unsigned ms) { Sleep(ms); }

int di_process_thread_count(void)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snap == INVALID_HANDLE_VALUE) return -1;
    DWORD pid = GetCurrentProcessId();
    THREADENTRY32 te;
    te.dwSize = sizeof te;
    int count = 0;
    if (Thread32First(snap, &te)) {
        do {
            if (te.th32OwnerProcessID == pid) count++;
            te.dwSize = sizeof te;
        } while (Thread32Next(snap, &te));
    }
    CloseHandle(snap);
    return count;
}
