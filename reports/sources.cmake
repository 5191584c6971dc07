# reports/: building the monthly report from the files, and its renderers.
set(SP_LAYER_SOURCES report.c labels.c render_text.c render_csv.c render_json.c
    render_html.c)
set(SP_LAYER_LIBS)
