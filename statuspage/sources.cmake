# statuspage/: the public status page.
set(SP_LAYER_SOURCES statuspage.c feed.c)
set(SP_LAYER_LIBS)
