# calendar/: months and service hours in a time zone, as sla spans.
set(SP_LAYER_SOURCES calendar.c)
set(SP_LAYER_LIBS)
