# config/: the YAML file (libcyaml, libyaml for where a text is not YAML).
set(SP_LAYER_SOURCES lines.c config.c schema.c check.c resolve.c print.c posts.c)
set(SP_LAYER_LIBS PkgConfig::CYAML PkgConfig::YAML)
