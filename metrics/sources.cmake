# metrics/: the daemon's /metrics for Prometheus (SPEC section 12,
# docs/METRICS.md): the snapshot the loop publishes (metrics.c), its
# exposition text (render.c, through common/sp_expo.h), the HTTP server
# on libmicrohttpd's own thread (http.c), and the month figures' child
# (month.c, which builds the report's live view: hence above reports).
set(SP_LAYER_SOURCES metrics.c render.c http.c month.c)
set(SP_LAYER_LIBS PkgConfig::MHD)
