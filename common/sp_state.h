/*
 * sp_state: a target's state, the one enum shared by the state machine
 * (scheduler/fsm), the journal's state lines, the rows of the store and the
 * SLA arithmetic. The names are the journal's and the reports' words.
 *
 * Pure; any thread.
 */
#ifndef SP_STATE_H
#define SP_STATE_H

#include <stdbool.h>

typedef enum sp_state { SP_STATE_UNKNOWN, SP_STATE_UP, SP_STATE_DOWN } sp_state;

#define SP_STATE_COUNT 3

/* "UP", "DOWN", "UNKNOWN" (anything out of range reads as UNKNOWN). */
const char *sp_state_name(sp_state s);

/* The inverse of sp_state_name: false (and *out untouched) for any other
 * text, NULL included. Case-sensitive: the journal writes upper case. */
bool sp_state_parse(const char *name, sp_state *out);

#endif
