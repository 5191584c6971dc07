# common/, the bottom layer (scripts/layers.txt): what every module shares.
# SP_LAYER_LIBS: outside libraries this layer's headers and code use
# (sp_curluv: libcurl and libuv), passed on to every layer above.
set(SP_LAYER_SOURCES sp_status.c sp_reason.c sp_stats.c sp_pattern.c sp_civil.c sp_text.c
    sp_curluv.c sp_fd.c sp_grow.c sp_time.c sp_state.c sp_value.c sp_hist.c
    sp_expo.c sp_strmap.c)
set(SP_LAYER_LIBS PkgConfig::CURL PkgConfig::UV ${MATH_LIB})
