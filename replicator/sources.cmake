# replicator/: rows to a central rrdcached (SPEC section 10), on the daemon's loop.
set(SP_LAYER_SOURCES proto.c repl.c)
set(SP_LAYER_LIBS)
