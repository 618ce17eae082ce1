/*
 * Worker pool: a mutex-protected FIFO of jobs served by a few threads; each
 * finished job moves to a completion list that the loop drains after the
 * notify callback (lws_cancel_service) wakes it.
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
	struct wjob *head, *tail, *done_head, *done_tail;
	long len, max;
	int stopping;
	worker_notify_fn notify;
	void *notify_ud;
};

static void *worker_main(void *arg)
{
	worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->head)
			break;
		struct wjob *j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		w->len--;
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

int worker_submit(worker *w, worker_run_fn run, worker_done_fn done, void *ud)
{
	struct wjob *j = malloc(sizeof(*j));
	if (!j)
		return -1;
	j->next = NULL;
	j->run = run;
	j->done = done;
	j->ud = ud;
	pthread_mutex_lock(&w->mu);
	if (w->stopping || w->len >= w->max || !w->n_threads) {
		pthread_mutex_unlock(&w->mu);
		free(j);
		return -1;
	}
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->len++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
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
