# sla/: the SLA arithmetic (pure), just above common (scripts/layers.txt).
set(SP_LAYER_SOURCES spans.c sla.c quorum.c timeline.c)
set(SP_LAYER_LIBS)
