# cli/, the top layer: the slaprobe program (an executable, not a library).
set(SP_LAYER_SOURCES main.c cmd_check.c cmd_run.c cmd_config.c cmd_patterns.c cmd_import.c
    cmd_report.c cmd_statuspage.c cmd_journal.c cmd_evidence.c cmd_metrics.c cmd_store.c args.c rlimit.c)
set(SP_LAYER_LIBS)
