/*
 * Worker pool: mutex-protected FIFOs of jobs served by a few threads; each
 * finished job moves to a completion list that the loop drains after the
 * notify callback (lws_cancel_service) wakes it.  There are two lanes, each
 * bounded by queue_max: urgent jobs are taken before the others, so that a
 * flood of work from strangers (password checks of made-up logins) does not
 * stand in front of the few jobs that matter more (a login from an address
 * the account used before).
 */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>

struct wjob {
	struct wjob *next;
	worker_run_fn run;
	worker_done_fn done;
	void *ud;
};

struct worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t *threads;
	int n_threads;
	struct wjob *head, *tail, *uhead, *utail, *done_head, *done_tail;
	long len, ulen, max;
	int stopping;
	worker_notify_fn notify;
	void *notify_ud;
};

static void *worker_main(void *arg)
{
	worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->uhead && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		struct wjob *j;
		if (w->uhead) {
			j = w->uhead;
			w->uhead = j->next;
			if (!w->uhead)
				w->utail = NULL;
			w->ulen--;
		} else if (w->head) {
			j = w->head;
			w->head = j->next;
			if (!w->head)
				w->tail = NULL;
			w->len--;
		} else {
			break;
		}
		pthread_mutex_unlock(&w->mu);
		j->run(j->ud);
		pthread_mutex_lock(&w->mu);
		j->next = NULL;
		if (w->done_tail)
			w->done_tail->next = j;
		else
			w->done_head = j;
		w->done_tail = j;
		pthread_mutex_unlock(&w->mu);
		if (w->notify)
			w->notify(w->notify_ud);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

worker *worker_new(int threads, long queue_max, worker_notify_fn notify, void *notify_ud)
{
	worker *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->threads = calloc((size_t)threads, sizeof(pthread_t));
	if (!w->threads) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->max = queue_max;
	w->notify = notify;
	w->notify_ud = notify_ud;
	for (int i = 0; i < threads; i++)
		if (!pthread_create(&w->threads[i], NULL, worker_main, w))
			w->n_threads++;
	return w;
}

/* Appends a job to one lane, if that lane has room. */
static int submit(worker *w, int urgent, worker_run_fn run, worker_done_fn done, void *ud)
{
	struct wjob *j = malloc(sizeof(*j));
	if (!j)
		return -1;
	j->next = NULL;
	j->run = run;
	j->done = done;
	j->ud = ud;
	pthread_mutex_lock(&w->mu);
	long *len = urgent ? &w->ulen : &w->len;
	struct wjob **head = urgent ? &w->uhead : &w->head, **tail = urgent ? &w->utail : &w->tail;
	if (w->stopping || *len >= w->max || !w->n_threads) {
		pthread_mutex_unlock(&w->mu);
		free(j);
		return -1;
	}
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	(*len)++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int worker_submit(worker *w, worker_run_fn run, worker_done_fn done, void *ud)
{
	return submit(w, 0, run, done, ud);
}

int worker_submit_urgent(worker *w, worker_run_fn run, worker_done_fn done, void *ud)
{
	return submit(w, 1, run, done, ud);
}

void worker_run_completions(worker *w)
{
	pthread_mutex_lock(&w->mu);
	struct wjob *j = w->done_head;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->mu);
	while (j) {
		struct wjob *n = j->next;
		if (j->done)
			j->done(j->ud);
		free(j);
		j = n;
	}
}

void worker_free(worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	worker_run_completions(w);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->threads);
	free(w);
}
