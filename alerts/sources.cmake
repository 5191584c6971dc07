# alerts/: the alerter and what an alert says.
set(SP_LAYER_SOURCES message.c alert.c)
set(SP_LAYER_LIBS)
