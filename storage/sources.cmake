# storage/: RRD files (librrd, the only layer that links it), the writer, import.
set(SP_LAYER_SOURCES layout.c rrd.c rowcheck.c steps.c writer.c import.c rollup.c migrate.c)
set(SP_LAYER_LIBS PkgConfig::RRD)
