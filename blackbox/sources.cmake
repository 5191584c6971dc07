# blackbox/: blackbox_exporter's modules, metric names and /probe requests
# on the loop (libyaml for its free-keyed modules file), just above probe.
set(SP_LAYER_SOURCES modules.c render.c runner.c)
set(SP_LAYER_LIBS PkgConfig::YAML PkgConfig::UV)
