# statuspage/: the public status page.
set(SP_LAYER_SOURCES statuspage.c)
set(SP_LAYER_LIBS)
