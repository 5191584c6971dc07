# archive/: the evidence archive of one target's month (SPEC section 11,
# docs/EVIDENCE.md "The evidence archive"): export.c writes it (the report,
# the journal slice, the rows, the checkpoints, the masked configuration,
# VERIFY.md) as a tar.gz with libarchive; verify.c reads one back and checks
# every member from the archive alone, recomputing the month's figures.
set(SP_LAYER_SOURCES export.c verify.c)
set(SP_LAYER_LIBS PkgConfig::ARCHIVE)
