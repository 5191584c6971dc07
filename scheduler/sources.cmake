# scheduler/: the grid scheduler, the TLS-posture grid, what a result leads to, and the
# per-target state machine.
set(SP_LAYER_SOURCES fsm.c sched.c posture.c effects.c)
set(SP_LAYER_LIBS)
