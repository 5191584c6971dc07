# scheduler/: the grid scheduler and the per-target state machine.
set(SP_LAYER_SOURCES fsm.c sched.c)
set(SP_LAYER_LIBS)
