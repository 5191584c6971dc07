/*
 * sp_alert: telling people (SPEC section 7). The scheduler posts an event
 * (a confirmed DOWN, a recovery, a certificate about to expire, a TLS grade
 * drop); every alert channel of the configuration that takes it gets one
 * delivery: a webhook (JSON POST), a mail (SMTP, STARTTLS) or a program
 * run without a shell. Deliveries run on the daemon's loop, are retried
 * with exponential back-off, and never hold up probing: sp_alert_post()
 * only queues. Each delivery's outcome (sent, or failed after its last
 * attempt) is a journal line of type "alert" on the target's journal, so
 * reports can show detection -> notification against the guideline's 60
 * minutes.
 *
 * Ownership and threads: loop thread only. The alerter borrows the store,
 * which must outlive it. sp_alert_post() copies what it needs from the
 * event and the configuration, so both may go away right after it returns.
 * Stop (let sends in flight finish) before destroy.
 */
#ifndef SP_ALERT_H
#define SP_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "common/sp_status.h"
#include "config/config.h"
#include "evidence/checkpointer.h"
#include "evidence/evidence.h"
#include "storage/sp_store.h"

typedef enum sp_alert_kind {
    SP_ALERT_DOWN,           /* confirmed DOWN */
    SP_ALERT_UP,             /* recovered from DOWN */
    SP_ALERT_CERT_EXPIRING,  /* certificate within cert_warn_days of expiry */
    SP_ALERT_TLS_GRADE_DROP, /* posture grade worse than before */
} sp_alert_kind;

/* What happened; strings are borrowed for the call only. */
typedef struct sp_alert_event {
    sp_alert_kind kind;
    const char *target; /* id */
    const char *name;   /* display name */
    const char *url;    /* what is probed */
    const char *state;  /* the target's state now: "UP", "DOWN", "UNKNOWN" */
    const char *reason; /* reason code (DOWN: the first failure's) */
    const char *detail;
    int64_t since_ms;                   /* DOWN: first failed probe; UP: first good probe;
                                           otherwise the check that saw it */
    int64_t detected_ms;                /* when the daemon knew: the confirming probe */
    int64_t down_since_ms;              /* UP: when the outage began */
    double duration_s;                  /* UP: the outage's length */
    int days_left;                      /* CERT_EXPIRING */
    const char *grade, *previous_grade; /* TLS_GRADE_DROP */
    /* The target's latest signed checkpoint, or NULL: every alert carries
     * it so its receivers hold a copy of the journal's anchor. sp_alert_post
     * fills it from the checkpointer when left NULL. */
    const sp_evidence_checkpoint *checkpoint;
} sp_alert_event;

typedef struct sp_alerter sp_alerter;

/* "down", "up", "cert_expiring", "tls_grade_drop": the names of `events:`
 * and of the journal's "event" field. */
const char *sp_alert_kind_name(sp_alert_kind k);

/* The SP_CFG_ALERT_ON_* bit of a kind. */
unsigned sp_alert_kind_bit(sp_alert_kind k);

sp_status sp_alert_create(uv_loop_t *loop, sp_store *store, sp_alerter **out);

/* Where alerts find each target's latest checkpoint (NULL: none); the
 * checkpointer must outlive the alerter. */
void sp_alert_set_checkpoints(sp_alerter *a, const sp_evidence_ckpt *c);

/* Queue one delivery per channel of cfg that takes ev; returns at once
 * (nothing is sent from inside the call). Ignored while stopping. */
void sp_alert_post(sp_alerter *a, const sp_cfg *cfg, const sp_alert_event *ev);

/* Deliveries queued or retrying, and attempts in flight. */
size_t sp_alert_pending(const sp_alerter *a);

/* Deliveries ended since the alerter was created, by outcome (the
 * journal's "alert" lines: sent, or failed after the last attempt). */
typedef struct sp_alert_stats {
    uint64_t sent, failed;
} sp_alert_stats;
void sp_alert_get_stats(const sp_alerter *a, sp_alert_stats *out);

/* Stop: deliveries waiting for a retry are journaled as failed now;
 * first attempts (queued or in flight) and retries in flight may finish
 * for up to wait_ms, then are canceled (and journaled as failed). done runs
 * once when none is left. */
void sp_alert_stop(sp_alerter *a, unsigned wait_ms, void (*done)(void *arg), void *arg);

/* Free; after stop's callback (or, on a setup failure, at any time: what
 * is still in flight is dropped without a journal line). The memory goes
 * once the loop has closed the alerter's handles. */
void sp_alert_destroy(sp_alerter *a);

/* --- Messages (message.c, pure: no clock, no I/O) --------------------- */

/* The report link of an event: report_url with "{target}" replaced by the
 * target's id; NULL when there is no report_url. Caller frees. */
char *sp_alert_report_link(const char *report_url, const char *target);

/* slaprobe's event JSON (also SLAPROBE_JSON for exec). */
json_t *sp_alert_payload(const sp_alert_event *ev, const char *report_link);

/* What a webhook channel posts, by its format: generic is the event JSON
 * plus `text` (the message in ch->lang); slack {"text"} in mrkdwn with
 * &, <, > escaped; teams a message with one Adaptive Card; discord
 * {"content"} (at most 2,000 characters) with mentions disabled. NULL
 * when out of memory. The caller owns the result. */
json_t *sp_alert_webhook_body(const sp_alert_event *ev, const sp_cfg_alert *ch,
                              const char *report_link);

/* A complete mail (RFC 5322 headers, CRLF line ends, UTF-8 plain text in
 * lang "en" or "ja"), dated now_ms. Caller frees. */
char *sp_alert_mail(const sp_alert_event *ev, const sp_cfg_alert *ch, const char *report_link,
                    int64_t now_ms);

/* The environment of an exec channel: from base (the daemon's environment;
 * may be NULL) only PATH, LANG, TZ and the names listed in pass (the
 * channel's pass_env, NULL-terminated; may be NULL), never a SLAPROBE_*
 * one; then SLAPROBE_EVENT, _TARGET, _NAME, _URL, _STATE, _REASON,
 * _DETAIL, _SINCE, _SINCE_MS, _DETECTED_MS, _DURATION_S, _DAYS_LEFT,
 * _GRADE, _PREVIOUS_GRADE, _REPORT_URL and _JSON (the webhook body).
 * Nothing else of base: it holds the secrets env: references name.
 * NULL-terminated; free with sp_alert_free_strv. */
char **sp_alert_env(const sp_alert_event *ev, const char *report_link, char *const *base,
                    char *const *pass);

void sp_alert_free_strv(char **v);

#endif
