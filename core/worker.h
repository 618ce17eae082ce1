/*
 * A small pool of worker threads for CPU-heavy work that must stay off the
 * event loop (password hashing).  run() executes on a worker thread; done()
 * runs later on the loop.  The queue is bounded.
 */
#ifndef ACCORD_WORKER_H
#define ACCORD_WORKER_H

typedef struct worker worker;
typedef void (*worker_run_fn)(void *ud);
typedef void (*worker_done_fn)(void *ud);
typedef void (*worker_notify_fn)(void *ud);

worker *worker_new(int threads, long queue_max, worker_notify_fn notify, void *notify_ud);
/* Returns 0, or -1 when the queue is full or the pool is stopping. */
int worker_submit(worker *w, worker_run_fn run, worker_done_fn done, void *ud);
/* The same in the urgent lane (its own bound), served before the other. */
int worker_submit_urgent(worker *w, worker_run_fn run, worker_done_fn done, void *ud);
void worker_run_completions(worker *w);
/* Finishes queued work, joins the threads, runs the completions. */
void worker_free(worker *w);

#endif
