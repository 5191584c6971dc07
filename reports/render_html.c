/*
 * The report as one self-contained HTML page, ready to hand to a customer:
 * no scripts, nothing loaded from elsewhere, well-formed so that XML tools
 * can check it, and two graphs per target drawn by librrd from the
 * target's own RRD as SVG, inline, so the file survives being mailed
 * alone: response time with its slow_ms line (its scale fixed and the
 * spike marked when one step would flatten the rest), and availability
 * with every class of second (counted downtime, maintenance, outside
 * service hours, no data, control-target outage) shaded in its own colour.
 * Titles and legends are the page's text, in its language. The style
 * sheet fits a phone (the summary scrolls in its own box) and prints on
 * A4. Every text that comes from configuration or files is HTML-escaped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sp_reason.h"
#include "reports/labels.h"
#include "reports/report.h"
#include "storage/layout.h"
#include "storage/rrd.h"

static void pct(FILE *fp, double v)
{
    if (isnan(v))
        fputs("&#8211;", fp);
    else
        fprintf(fp, "%.3f %%", v);
}

/* --- Graphs ---------------------------------------------------------------- */

/* The plot area in SVG units; the page scales the whole image to its
 * width. */
#define GRAPH_W 760
#define GRAPH_H 180
#define STR(x) #x
#define XSTR(x) STR(x)

/* The classes shaded on the availability graph, in drawing order (counted
 * downtime last, so nothing covers it), with their colour: one home for
 * rrdtool's AREAs and the legend's swatches (page_head writes the CSS). */
static const struct band_style {
    sp_sla_band_class cls;
    const char *colour; /* rrggbb */
    const char *css;
} band_styles[] = {
    {SP_SLA_BAND_OUTSIDE, "e9ecf2", "b-outside"}, {SP_SLA_BAND_MAINTENANCE, "6f9fe0", "b-maint"},
    {SP_SLA_BAND_UNKNOWN, "b4b4b4", "b-unknown"}, {SP_SLA_BAND_CONTROL, "9d6fd0", "b-control"},
    {SP_SLA_BAND_DOWN, "d62728", "b-down"},
};
#define N_BAND_STYLES (sizeof band_styles / sizeof band_styles[0])
#define COLOUR_AVAIL "2ca02c"
#define COLOUR_RT "1f77b4"
#define COLOUR_SLOW "e377c2"
#define COLOUR_ABOVE "ff7f0e"

static const char *band_label(const sp_report_labels *L, sp_sla_band_class c)
{
    switch (c) {
    case SP_SLA_BAND_UP:
        return L->band_up;
    case SP_SLA_BAND_DOWN:
        return L->band_down;
    case SP_SLA_BAND_UNKNOWN:
        return L->band_unknown;
    case SP_SLA_BAND_MAINTENANCE:
        return L->band_maintenance;
    case SP_SLA_BAND_OUTSIDE:
        return L->band_outside;
    case SP_SLA_BAND_CONTROL:
        return L->band_control;
    }
    return "";
}

/* rrd_graph draws its time axis in the process's local time: the report's
 * timezone for the length of the drawing. */
static char *tz_push(const char *tz)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", tz, 1);
    tzset();
    return saved;
}

static void tz_pop(char *saved)
{
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

/* Seconds of the period one pixel of the plot covers, and the step the
 * graph fetches at: that, rounded up to the RRD's resolution. */
static int64_t px_seconds(const sp_report *r)
{
    int64_t px = (r->until - r->start) / GRAPH_W;
    return px > 0 ? px : 1;
}

/* The target's hours file (docs/STORAGE.md), when there is one. */
static bool has_hours(const sp_report_target *t, char *hist, size_t n)
{
    struct stat sb;
    return sp_store_hist_path(t->rrd_path, hist, n) && stat(hist, &sb) == 0;
}

static long fetch_step(const sp_report *r, const sp_report_target *t)
{
    long res = t->resolution_s > 0 ? t->resolution_s : 60;
    long px = (long)px_seconds(r);
    long s = (px + res - 1) / res * res;
    return s > res ? s : res;
}

/* The CDEF of one class: 100 in every step that meets one of its bands,
 * else 0. A step is (TIME - STEPWIDTH, TIME]; it meets [s, e) when TIME >
 * s and TIME - STEPWIDTH < e. For drawing only, a counted outage is made
 * at least 2 px wide (centred), and bands less than a pixel apart are
 * merged, so the expression stays bounded by the plot's width whatever
 * the month holds. NULL when the class has no band (nothing drawn, so its
 * colour is absent from the image). Owned by the caller. */
static char *band_cdef(const sp_report *r, const sp_report_target *t, sp_sla_band_class c,
                       const char *name)
{
    int64_t px = px_seconds(r), ps = 0, pe = 0;
    bool open = false, any = false;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp)
        return NULL;
    fprintf(fp, "CDEF:%s=base,POP,0", name);
    for (size_t i = 0; i <= t->bands.n; i++) {
        bool last = i == t->bands.n;
        int64_t s = 0, e = 0;
        if (!last) {
            const sp_sla_band *b = &t->bands.v[i];
            if (b->cls != c)
                continue;
            s = b->start;
            e = b->end;
            if (c == SP_SLA_BAND_DOWN && e - s < 2 * px) {
                int64_t mid = s + (e - s) / 2;
                s = mid - px;
                e = mid + px;
            }
            if (open && s - pe < px) {
                if (e > pe)
                    pe = e;
                continue;
            }
        }
        if (open) {
            fprintf(fp, ",TIME,%lld,GT,TIME,STEPWIDTH,-,%lld,LT,*,+", (long long)ps, (long long)pe);
            any = true;
        }
        open = !last;
        ps = s;
        pe = e;
    }
    fputs(",0,GT,100,0,IF", fp);
    if (fclose(fp) != 0 || !any) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* What every graph shares: the period, size, numeric day labels on the
 * time axis, no legend or title of rrdtool's (the page gives both, in its
 * language, as text), SVG. */
static int graph_common(const sp_report *r, const char **argv, int n, char *s, char *e, size_t len)
{
    snprintf(s, len, "%lld", (long long)r->start);
    snprintf(e, len, "%lld", (long long)r->until);
    static const char *const fixed[][2] = {
        {"--imgformat", "SVG"},
        {"--width", XSTR(GRAPH_W)},
        {"--height", XSTR(GRAPH_H)},
        {"--lower-limit", "0"},
        {"--x-grid", "DAY:1:DAY:7:DAY:2:0:%m/%d"},
        {"--color", "BACK#ffffff"},
        {"--color", "CANVAS#ffffff"},
        {"--color", "SHADEA#ffffff"},
        {"--color", "SHADEB#ffffff"},
        {"--color", "GRID#0000001c"},
        {"--color", "MGRID#00000042"},
        {"--color", "ARROW#888888"},
        {"--color", "AXIS#888888"},
        {"--border", "0"},
        {"--font", "DEFAULT:10:DejaVu Sans"},
        {"--font", "AXIS:9:DejaVu Sans"},
    };
    argv[n++] = "--start";
    argv[n++] = s;
    argv[n++] = "--end";
    argv[n++] = e;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        argv[n++] = fixed[i][0];
        argv[n++] = fixed[i][1];
    }
    argv[n++] = "--disable-rrdtool-tag";
    argv[n++] = "--no-legend";
    return n;
}

/* The availability graph: each class of second shaded full height in its
 * colour, the availability of each step as a line over them. *cdefs gets
 * the class expressions (owned; the caller frees them). */
static sp_status graph_availability(const sp_report *r, const sp_report_target *t,
                                    sp_store_graph *out, char *err, size_t errlen)
{
    char s[32], e[32], rb[4200], hu[4200], hd[4200], area[N_BAND_STYLES][128];
    char *cdef[N_BAND_STYLES] = {0};
    const char *argv[80];
    int n = graph_common(r, argv, 0, s, e, sizeof s);
    argv[n++] = "--upper-limit";
    argv[n++] = "100";
    argv[n++] = "--rigid";
    argv[n++] = "--vertical-label";
    argv[n++] = "%";
    /* base: the steps' availability where the rows file has them, else
     * the hours' (their UP share of the known part) */
    char hist[4100];
    bool hours = has_hours(t, hist, sizeof hist);
    snprintf(rb, sizeof rb, "DEF:%s=%s:up:AVERAGE:step=%ld", hours ? "rb" : "base", t->rrd_path,
             fetch_step(r, t));
    argv[n++] = rb;
    if (hours) {
        snprintf(hu, sizeof hu, "DEF:hu=%s:up_s:AVERAGE", hist);
        snprintf(hd, sizeof hd, "DEF:hd=%s:down_s:AVERAGE", hist);
        argv[n++] = hu;
        argv[n++] = hd;
        argv[n++] = "CDEF:hb=hu,hd,+,0,GT,hu,hu,hd,+,/,UNKN,IF";
        argv[n++] = "CDEF:base=rb,UN,hb,rb,IF";
    }
    sp_status st = SP_OK;
    /* The classes first (CDEFs only), then the availability line where no
     * class is shaded (a shade is the story there, and the line's drop to
     * 0 at its edges would stripe a narrow outage), then the shades. */
    char names[N_BAND_STYLES][16], mask[400], *m = mask;
    int mlen = snprintf(mask, sizeof mask, "CDEF:pct=0");
    for (size_t k = 0; k < N_BAND_STYLES; k++) {
        snprintf(names[k], sizeof names[k], "c%zu", k);
        if (!t->bands.total_s[band_styles[k].cls] ||
            !(cdef[k] = band_cdef(r, t, band_styles[k].cls, names[k])))
            continue;
        argv[n++] = cdef[k];
        mlen += snprintf(m + mlen, sizeof mask - (size_t)mlen, ",%s,+", names[k]);
    }
    snprintf(m + mlen, sizeof mask - (size_t)mlen, ",0,GT,UNKN,base,100,*,IF");
    argv[n++] = mask;
    argv[n++] = "LINE1:pct#" COLOUR_AVAIL;
    for (size_t k = 0; k < N_BAND_STYLES; k++) {
        if (!cdef[k])
            continue;
        snprintf(area[k], sizeof area[k], "AREA:%s#%s", names[k], band_styles[k].colour);
        argv[n++] = area[k];
    }
    char *saved = tz_push(r->cfg->timezone);
    st = sp_store_rrd_graph_mem(n, argv, out, err, errlen);
    tz_pop(saved);
    for (size_t k = 0; k < N_BAND_STYLES; k++)
        free(cdef[k]);
    return st;
}

/* Where the response graph's scale is fixed so that one spike cannot
 * flatten the month: when the slowest step is more than twice the bulk
 * (the larger of p95 and slow_ms), the top is the larger of 2 x p95 and
 * 1.2 x slow_ms; 0 when the scale is left to rrdtool. */
static double rt_upper(const sp_report_target *t)
{
    double p95 = t->sla.rt_p95_ms, slow = t->cfg->slow_ms, mx = t->rt_peak.ms;
    if (!isfinite(p95) || !isfinite(mx))
        return 0;
    double bulk = p95 > slow ? p95 : slow;
    if (mx <= 2 * bulk)
        return 0;
    double up = 2 * p95 > 1.2 * slow ? 2 * p95 : 1.2 * slow;
    return up > 0 ? up : 0;
}

/* The response time graph: the average of each step, the slow threshold,
 * and where the scale is fixed (rt_upper), the steps above it marked by a
 * block along the top in their own colour. */
static sp_status graph_response(const sp_report *r, const sp_report_target *t, double upper,
                                sp_store_graph *out, char *err, size_t errlen)
{
    char s[32], e[32], def[4200], mdef[4200], hdef[4200], hrule[128], ulim[64], cb[128], cc[128],
        over[256];
    const char *argv[60];
    char hist[4100];
    bool hours = has_hours(t, hist, sizeof hist);
    int n = graph_common(r, argv, 0, s, e, sizeof s);
    argv[n++] = "--vertical-label";
    argv[n++] = "ms";
    argv[n++] = "--units-exponent"; /* 1200, not "1.2 k" */
    argv[n++] = "0";
    /* t: the steps' mean where the rows file has them, else the hours' */
    snprintf(def, sizeof def, "DEF:%s=%s:total_ms:AVERAGE:step=%ld", hours ? "rt" : "t",
             t->rrd_path, fetch_step(r, t));
    argv[n++] = def;
    if (hours) {
        snprintf(hdef, sizeof hdef, "DEF:ht=%s:total_ms:AVERAGE", hist);
        argv[n++] = hdef;
        argv[n++] = "CDEF:t=rt,UN,ht,rt,IF";
    }
    if (upper > 0) {
        snprintf(ulim, sizeof ulim, "%.0f", upper);
        argv[n++] = "--upper-limit";
        argv[n++] = ulim;
        argv[n++] = "--rigid";
        /* the slowest step of each pixel (reduce=MAX: the one-step
         * archive is consolidated to the pixel by its maximum): an
         * average would hide the very spike that is being marked; the
         * hours have only their means */
        snprintf(mdef, sizeof mdef, "DEF:%s=%s:total_ms:AVERAGE:step=%ld:reduce=MAX",
                 hours ? "rmx" : "mx", t->rrd_path, fetch_step(r, t));
        /* above: a step over the top, or within a pixel of the slowest
         * one, so a one-minute spike is marked 2 px wide, not a hairline */
        int64_t px = px_seconds(r);
        snprintf(over, sizeof over,
                 "CDEF:above=mx,UN,0,mx,IF,%s,GT,TIME,%lld,GT,TIME,STEPWIDTH,-,%lld,LT,*,+", ulim,
                 (long long)(t->rt_peak.t - px), (long long)(t->rt_peak.t + px));
        snprintf(cb, sizeof cb, "CDEF:ob=above,0,GT,%.0f,UNKN,IF", upper * 0.9);
        snprintf(cc, sizeof cc, "CDEF:oc=above,0,GT,%.0f,UNKN,IF", upper * 0.1);
        argv[n++] = mdef;
        if (hours)
            argv[n++] = "CDEF:mx=rmx,UN,ht,rmx,IF";
        argv[n++] = over;
        argv[n++] = cb;
        argv[n++] = cc;
        argv[n++] = "AREA:ob";
        argv[n++] = "AREA:oc#" COLOUR_ABOVE "::STACK";
    }
    snprintf(hrule, sizeof hrule, "HRULE:%g#" COLOUR_SLOW "::dashes=4,3", t->cfg->slow_ms);
    argv[n++] = "LINE1:t#" COLOUR_RT;
    argv[n++] = hrule;
    char *saved = tz_push(r->cfg->timezone);
    sp_status st = sp_store_rrd_graph_mem(n, argv, out, err, errlen);
    tz_pop(saved);
    return st;
}

/* rrdtool's SVG inside the page: the XML prolog and anything before <svg>
 * dropped, the fixed size taken off (CSS scales it to the page by its
 * viewBox), and every id and reference to one prefixed, since cairo names
 * its glyphs and clip paths the same in every image and a page holds many.
 * A title names it and a desc carries its legend (for screen readers, and
 * for the image taken out of the page); data-y-max says where its scale
 * ends (librrd's value_max: its axis labels are glyph outlines, not text). */
static sp_status svg_inline(FILE *fp, const sp_store_graph *g, const char *prefix,
                            const char *title, const char *desc, char *err, size_t errlen)
{
    const char *p = strstr((const char *)g->image, "<svg");
    const char *tag_end = p ? strchr(p, '>') : NULL;
    if (!tag_end) {
        snprintf(err, errlen, "librrd's SVG has no <svg> element");
        return SP_EIO;
    }
    fprintf(fp, "<svg class=\"graph\" role=\"img\" data-y-max=\"%g\"", g->value_max);
    /* the root's attributes, less width and height */
    for (const char *a = p + 4; a < tag_end;) {
        while (a < tag_end && (*a == ' ' || *a == '\n'))
            a++;
        const char *eq = memchr(a, '=', (size_t)(tag_end - a));
        const char *q1 = eq ? memchr(eq, '"', (size_t)(tag_end - eq)) : NULL;
        const char *q2 = q1 ? memchr(q1 + 1, '"', (size_t)(tag_end - q1 - 1)) : NULL;
        if (!q2)
            break;
        size_t nlen = (size_t)(eq - a);
        if (!(nlen == 5 && strncmp(a, "width", 5) == 0) &&
            !(nlen == 6 && strncmp(a, "height", 6) == 0))
            fprintf(fp, " %.*s", (int)(q2 + 1 - a), a);
        a = q2 + 1;
    }
    fputs("><title>", fp);
    sp_report_html_attr(fp, title);
    fputs("</title><desc>", fp);
    sp_report_html_attr(fp, desc);
    fputs("</desc>", fp);
    static const char *refs[] = {"id=\"", "href=\"#", "url(#"};
    for (const char *c = tag_end + 1; *c;) {
        size_t k = 0;
        for (; k < 3; k++)
            if (strncmp(c, refs[k], strlen(refs[k])) == 0)
                break;
        if (k < 3) {
            fprintf(fp, "%s%s-", refs[k], prefix);
            c += strlen(refs[k]);
        } else {
            fputc(*c++, fp);
        }
    }
    return SP_OK;
}

static void verdict(FILE *fp, const sp_report_target *t, const sp_report_labels *L)
{
    const sp_sla_result *s = &t->sla;
    const char *cls = s->no_data ? "nodata" : s->met ? "met" : "missed";
    fprintf(fp, "<td class=\"%s\">", cls);
    sp_report_html_esc(fp, s->no_data ? L->no_data : s->met ? L->met : L->missed);
    fputs("</td>", fp);
}

static void dur(FILE *fp, double v, sp_report_lang lang)
{
    char b[64];
    sp_report_fmt_duration(v, lang, b, sizeof b);
    sp_report_html_esc(fp, b);
}

static void dur_short(FILE *fp, double v, sp_report_lang lang)
{
    char b[64];
    sp_report_fmt_duration_short(v, lang, b, sizeof b);
    sp_report_html_esc(fp, b);
}

static void local(FILE *fp, const sp_report *r, int64_t t)
{
    char b[64];
    sp_report_fmt_local(r, t, b, sizeof b);
    sp_report_html_esc(fp, b);
}

/* What every section needs: where to write, the report, and its words. */
typedef struct page {
    FILE *fp;
    const sp_report *r;
    const sp_report_labels *L;
    sp_report_lang lang;
    unsigned *n_graphs; /* graphs so far: each one's ids get its number */
} page;

/* --- Page head and header --------------------------------------------------- */

/* Everything up to <body>: language, title, and the one inline style sheet
 * (the page loads nothing from elsewhere). */
static void page_head(const page *p)
{
    FILE *fp = p->fp;
    fprintf(fp, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\"/>\n",
            p->lang == SP_LANG_JA ? "ja" : "en");
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n", fp);
    fprintf(fp, "<title>");
    sp_report_html_attr(fp, p->L->title);
    fprintf(fp, " %04d-%02d</title>\n", p->r->year, p->r->month);
    /* Figures never wrap inside a cell; a table wider than the screen
     * scrolls in its own box (.scroll), never the page. Print: A4, no
     * scroll boxes, nothing split across pages, each target on a new page. */
    fputs("<style>\n"
          "body{font-family:sans-serif;margin:1.5em auto;max-width:64em;padding:0 1em;"
          "color:#222;line-height:1.4}\n"
          "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin:1.4em 0 .4em;"
          "border-bottom:2px solid #ddd}h3{font-size:1.05em;margin:1em 0 .3em}\n"
          "table{border-collapse:collapse;margin:.5em 0}\n"
          "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right;vertical-align:top}\n"
          "th{background:#f3f3f3;font-weight:600}td.l,th.l{text-align:left}\n"
          "td.n,.sum td,.inc td{white-space:nowrap}.sum th{white-space:normal}\n"
          ".sum,.inc{font-size:.92em}.inc td.l{white-space:normal;min-width:10em}\n"
          ".met{background:#dff0d8}.missed{background:#f2dede;font-weight:bold}\n"
          ".nodata{background:#eee;font-style:italic}\n"
          ".scroll{overflow-x:auto;max-width:100%}\n"
          ".headline{display:flex;flex-wrap:wrap;gap:.6em;margin:.6em 0}\n"
          ".kpi{border:1px solid #ddd;border-radius:4px;padding:.4em .8em;min-width:9em;"
          "flex:1 1 9em}\n"
          ".kpi .k{display:block;font-size:.85em;color:#555}\n"
          ".kpi .v{display:block;font-size:1.45em;font-weight:bold;white-space:nowrap}\n"
          ".kpi .s{display:block;font-size:.85em}\n"
          ".kpi.met{border-color:#8bc58b}.kpi.missed{border-color:#d98b8b}\n"
          ".details{display:grid;grid-template-columns:1fr 1fr;gap:0 1.2em;align-items:start}\n"
          ".details table{width:100%;font-size:.9em}.details th{width:40%}\n"
          ".details td{text-align:left;overflow-wrap:anywhere}\n"
          "figure.graph{margin:.8em 0}figure.graph figcaption{font-weight:600}\n"
          "svg.graph{display:block;width:100%;height:auto}\n"
          "ul.legend{list-style:none;padding:0;margin:.2em 0;font-size:.85em;display:flex;"
          "flex-wrap:wrap;gap:.2em 1.2em}\n"
          ".sw{display:inline-block;width:1em;height:.8em;margin-right:.35em;"
          "vertical-align:-.05em;border:1px solid #999}\n"
          ".l-avail{height:0;border:0;border-top:2px solid #" COLOUR_AVAIL "}\n"
          ".l-rt{height:0;border:0;border-top:2px solid #" COLOUR_RT "}\n"
          ".l-slow{height:0;border:0;border-top:2px dashed #" COLOUR_SLOW "}\n"
          ".l-above{background:#" COLOUR_ABOVE "}\n",
          fp);
    for (size_t k = 0; k < N_BAND_STYLES; k++)
        fprintf(fp, ".%s{background:#%s}\n", band_styles[k].css, band_styles[k].colour);
    fputs("@media (max-width:600px){body{margin:.5em auto;padding:0 .5em}"
          ".details{grid-template-columns:1fr}.kpi{min-width:7em}"
          ".gbox{overflow-x:auto}svg.graph{min-width:560px}"
          ".kpi .v{font-size:1.2em}h1{font-size:1.3em}}\n"
          "@page{size:A4;margin:14mm 12mm}\n"
          "@media print{body{max-width:none;margin:0;padding:0;font-size:9.5pt}"
          ".scroll{overflow:visible}table,figure,.headline,.kpi,ul.legend,tr{break-inside:avoid}"
          "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
          "h2,h3{break-after:avoid}section.target{break-before:page}"
          "svg.graph{min-width:0;height:auto}.gbox{overflow:visible}"
          "a{color:inherit;text-decoration:none}"
          ".sum td,.sum th{padding:.15em .3em}"
          /* one target on one page where it fits: tighter than on screen */
          "h2{margin:0 0 .3em}h3{margin:.5em 0 .2em}figure.graph{margin:.3em 0}"
          ".headline{margin:.3em 0}.kpi{padding:.2em .6em}.kpi .v{font-size:1.25em}"
          "svg.graph{width:92%}.details table{font-size:8pt}.inc{font-size:8.5pt}}\n"
          "</style>\n</head>\n<body>\n",
          fp);
}

/* The heading and the period: its bounds in the report's time zone, where
 * a month still running ends so far, and when the report was made. */
static void page_header(const page *p)
{
    FILE *fp = p->fp;
    const sp_report *r = p->r;
    fprintf(fp, "<h1>");
    sp_report_html_esc(fp, p->L->title);
    fprintf(fp, " %04d-%02d</h1>\n<p>", r->year, r->month);
    sp_report_html_esc(fp, p->L->period);
    fputs(": ", fp);
    local(fp, r, r->start);
    fputs(" &#8211; ", fp);
    local(fp, r, r->end);
    fputs(" (", fp);
    sp_report_html_esc(fp, r->cfg->timezone);
    fputs(")", fp);
    if (r->until < r->end) {
        fputs("<br/>", fp);
        sp_report_html_esc(fp, p->L->partial);
        fputs(" ", fp);
        local(fp, r, r->until);
    }
    fputs("<br/>", fp);
    sp_report_html_esc(fp, p->L->generated);
    fputs(": ", fp);
    local(fp, r, r->generated);
    fputs("</p>\n", fp);
    /* the month's figures are not evidence while RRD and journal disagree */
    for (size_t i = 0; i < r->n_targets; i++) {
        if (!r->targets[i].rows_disagree)
            continue;
        fputs("<p class=\"rows-disagree\"><strong>", fp);
        sp_report_html_esc(fp, r->targets[i].cfg->id);
        fputs(": ", fp);
        sp_report_html_esc(fp, p->L->rows_disagree);
        fputs("</strong></p>\n", fp);
    }
}

/* --- Summary table ---------------------------------------------------------- */

/* One target's line: its name links to its own section below. */
static void summary_row(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_sla_result *s = &t->sla;
    fputs("<tr><td class=\"l\"><a href=\"#t-", fp);
    sp_report_html_attr(fp, t->cfg->id);
    fputs("\">", fp);
    sp_report_html_esc(fp, t->cfg->name);
    fprintf(fp, "</a></td><td>%g %%</td><td>", s->target_pct);
    pct(fp, s->availability_pct);
    fputs("</td><td>", fp);
    pct(fp, s->strict_availability_pct);
    fputs("</td><td>", fp);
    pct(fp, s->coverage_pct);
    fputs("</td><td>", fp);
    dur_short(fp, (double)s->downtime_s, p->lang);
    fputs("</td><td>", fp);
    dur_short(fp, (double)s->unknown_s, p->lang);
    fputs("</td><td>", fp);
    dur_short(fp, s->budget_left_s, p->lang);
    fputs("</td>", fp);
    verdict(fp, t, p->L);
    fputs("</tr>\n", fp);
}

/* Every target on one line each, with its verdict. */
static void summary_table(const page *p)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    fputs("<h2>", fp);
    sp_report_html_esc(fp, L->summary);
    fputs("</h2>\n<div class=\"scroll\"><table class=\"sum\">\n<tr>", fp);
    fputs("<th class=\"l\">", fp);
    sp_report_html_esc(fp, L->target);
    fputs("</th>", fp);
    sp_report_html_elem(fp, "th", L->sla_target);
    sp_report_html_elem(fp, "th", L->availability);
    sp_report_html_elem(fp, "th", L->strict);
    sp_report_html_elem(fp, "th", L->coverage);
    sp_report_html_elem(fp, "th", L->downtime);
    sp_report_html_elem(fp, "th", L->unknown);
    sp_report_html_elem(fp, "th", L->budget_left);
    sp_report_html_elem(fp, "th", L->verdict);
    fputs("</tr>\n", fp);
    for (size_t i = 0; i < p->r->n_targets; i++)
        summary_row(p, &p->r->targets[i]);
    fputs("</table></div>\n", fp);
}

/* --- A target's section: heading and figures -------------------------------- */

/* The anchor the summary links to, and a word when there is nothing to show. */
static void target_heading(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    fputs("<section class=\"target\">\n<h2 id=\"t-", fp);
    sp_report_html_attr(fp, t->cfg->id);
    fputs("\">", fp);
    sp_report_html_esc(fp, t->cfg->name);
    fputs(" (", fp);
    sp_report_html_esc(fp, t->cfg->id);
    fputs(")</h2>\n", fp);
    if (t->sla.no_data) {
        fputs("<p class=\"nodata\">", fp);
        sp_report_html_esc(fp, p->L->no_data_long);
        fputs("</p>\n", fp);
    }
}

/* One headline figure: what it is, the figure, and a line under it. */
static void kpi_open(FILE *fp, const char *cls, const char *label)
{
    fprintf(fp, "<div class=\"kpi%s%s\"><span class=\"k\">", cls ? " " : "", cls ? cls : "");
    sp_report_html_esc(fp, label);
    fputs("</span><span class=\"v\">", fp);
}

/* The month at a glance: availability against the target with the
 * verdict, downtime, budget left, incidents; the details follow. */
static void headline(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    const sp_sla_result *s = &t->sla;
    const char *cls = s->no_data ? "nodata" : s->met ? "met" : "missed";
    fputs("<div class=\"headline\">", fp);
    kpi_open(fp, cls, L->availability);
    pct(fp, s->availability_pct);
    fputs("</span><span class=\"s\">", fp);
    sp_report_html_esc(fp, L->target_short);
    fprintf(fp, " %g %% &#183; <strong>", s->target_pct);
    sp_report_html_esc(fp, s->no_data ? L->no_data : s->met ? L->met : L->missed);
    fputs("</strong></span></div>", fp);
    kpi_open(fp, NULL, L->downtime);
    dur_short(fp, (double)s->downtime_s, p->lang);
    fputs("</span></div>", fp);
    kpi_open(fp, s->budget_left_s < 0 ? "missed" : NULL, L->budget_left);
    dur_short(fp, s->budget_left_s, p->lang);
    fputs("</span></div>", fp);
    kpi_open(fp, NULL, L->incidents);
    fprintf(fp, "%zu</span></div>", s->n_incidents);
    fputs("</div>\n", fp);
}

/* A row of the figures table is a label and one cell: these open and close
 * it around whatever the cell holds. */
static void row_open(FILE *fp, const char *label)
{
    fputs("<tr><th class=\"l\">", fp);
    sp_report_html_esc(fp, label);
    fputs("</th><td>", fp);
}

static void row_close(FILE *fp)
{
    fputs("</td></tr>\n", fp);
}

/* A duration, then the exact seconds it was computed from. */
static void row_seconds(const page *p, const char *label, int64_t v)
{
    row_open(p->fp, label);
    dur(p->fp, (double)v, p->lang);
    fprintf(p->fp, " (%lld %s)", (long long)v, p->L->seconds);
    row_close(p->fp);
}

/* SPEC section 4's figures in their order: what was promised, at which
 * resolution it was measured, and how the month came out against it. */
static void figure_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    const sp_sla_result *s = &t->sla;
    if (t->cfg->pattern) {
        row_open(fp, L->pattern);
        fprintf(fp, "%d", t->cfg->pattern);
        row_close(fp);
    }
    row_open(fp, L->sla_target);
    fprintf(fp, "%g %%", s->target_pct);
    row_close(fp);
    row_open(fp, L->resolution);
    if (t->has_rrd && t->coarse_s && t->fine_s) {
        fprintf(fp, "%ld %s (%ld %s &lt; ", t->fine_s, L->seconds, t->coarse_s, L->seconds);
        local(fp, p->r, t->fine_from);
        fputs(")", fp);
    } else if (t->has_rrd)
        fprintf(fp, "%ld %s", t->resolution_s, L->seconds);
    else
        sp_report_html_esc(fp, L->no_rrd);
    row_close(fp);
    row_seconds(p, L->eligible, s->eligible_s);
    row_open(fp, L->maintenance);
    dur(fp, (double)s->maintenance_s, p->lang);
    row_close(fp);
    row_seconds(p, L->downtime, s->downtime_s);
    row_seconds(p, L->unknown, s->unknown_s);
    row_open(fp, L->availability);
    pct(fp, s->availability_pct);
    row_close(fp);
    row_open(fp, L->strict);
    pct(fp, s->strict_availability_pct);
    row_close(fp);
    row_open(fp, L->coverage);
    pct(fp, s->coverage_pct);
    row_close(fp);
    row_open(fp, L->budget);
    dur(fp, s->budget_s, p->lang);
    row_close(fp);
    row_open(fp, L->budget_left);
    dur(fp, s->budget_left_s, p->lang);
    row_close(fp);
}

/* What follows from the figures: the credit owed, repair and failure
 * times, response times, and downtime by class of reason. */
static void outcome_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    const sp_sla_result *s = &t->sla;
    if (t->cfg->n_credits) {
        row_open(fp, L->credit);
        if (s->credit_tier >= 0)
            fprintf(fp, "%g %% (&lt; %g %%)", s->credit_pct,
                    t->cfg->credits[s->credit_tier].below_pct);
        else
            sp_report_html_esc(fp, L->no_credit);
        row_close(fp);
    }
    row_open(fp, L->mttr);
    dur(fp, s->mttr_s, p->lang);
    row_close(fp);
    row_open(fp, L->mtbf);
    dur(fp, s->mtbf_s, p->lang);
    row_close(fp);
    if (s->rt_n) {
        row_open(fp, L->response);
        fprintf(fp, "%s %.1f ms, %s %.1f ms (", L->avg, s->rt_avg_ms, L->p95, s->rt_p95_ms);
        fprintf(fp, "%s%zu)", L->samples, s->rt_n); /* "n=12" / "計測数 12" */
        row_close(fp);
    }
    if (s->downtime_s) {
        row_open(fp, L->by_class);
        for (int k = 0; k < SP_SLA_N_CLASSES; k++)
            if (s->downtime_by_class[k]) {
                sp_report_html_esc(fp, sp_report_class_label(k, p->lang));
                fprintf(fp, " %lld %s ", (long long)s->downtime_by_class[k], L->seconds);
            }
        row_close(fp);
    }
}

/* --- A target's section: evidence ------------------------------------------- */

/* Why the figures can be trusted: the journal's hash chain, whether the
 * clock was synchronised, and how many imports the history holds. */
static void evidence_row(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    row_open(fp, L->evidence);
    sp_report_html_esc(fp, L->journal);
    fputs(": ", fp);
    if (!t->journal_present) {
        sp_report_html_esc(fp, L->no_journal);
    } else if (t->journal_bad_line) {
        sp_report_html_esc(fp, L->broken_at);
        fprintf(fp, " %ld (", t->journal_bad_line);
        sp_report_html_esc(fp, t->journal_problem);
        fputs(")", fp);
    } else {
        sp_report_html_esc(fp, L->intact);
        fprintf(fp, " (%ld)", t->journal_lines);
    }
    fputs("<br/>", fp);
    sp_report_html_esc(fp, L->clock);
    fputs(": ", fp);
    sp_report_html_esc(fp, t->clock_synced == 1   ? L->synced
                           : t->clock_synced == 0 ? L->not_synced
                                                  : L->clock_unknown);
    if (t->n_imports) {
        fputs("<br/>", fp);
        sp_report_html_esc(fp, L->imported);
        fprintf(fp, ": %zu", t->n_imports);
    }
    row_close(fp);
}

/* What the journal says about storage (SPEC section 9): ranges not stored
 * with their cause, and clock jumps. Only with a journal, which is where
 * storage problems are told: without one there is nothing to say either way. */
static void storage_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    char line[1024];
    if (!t->journal_present)
        return;
    row_open(fp, L->storage);
    sp_report_fmt_storage(t, p->lang, line, sizeof line);
    sp_report_html_esc(fp, line);
    for (size_t k = 0; k < t->n_not_stored; k++) {
        sp_report_fmt_not_stored(p->r, &t->not_stored[k], p->lang, line, sizeof line);
        fputs("<br/>", fp);
        sp_report_html_esc(fp, L->not_stored);
        fputs(": ", fp);
        sp_report_html_esc(fp, line);
    }
    row_close(fp);
    row_open(fp, L->clock_jumps);
    if (t->n_clock_jumps)
        fprintf(fp, "%zu", t->n_clock_jumps);
    else
        sp_report_html_esc(fp, L->none);
    for (size_t k = 0; k < t->n_clock_jumps; k++) {
        sp_report_fmt_jump(p->r, &t->clock_jumps[k], p->lang, line, sizeof line);
        fputs("<br/>", fp);
        sp_report_html_esc(fp, line);
    }
    row_close(fp);
}

/* The RRD against the journal (SPEC section 11): the summary, then each
 * disagreement and note on a line of its own. */
static void rows_row(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    char line[1024];
    if (!t->rows_checked)
        return;
    row_open(fp, p->L->rows);
    sp_report_fmt_rows(p->r, t, p->lang, line, sizeof line);
    if (t->rows_disagree)
        fputs("<strong class=\"bad\">", fp);
    sp_report_html_esc(fp, line);
    if (t->rows_disagree)
        fputs("</strong>", fp);
    for (size_t k = 0; k < t->n_rows_problems; k++) {
        fputs("<br/>", fp);
        if (t->rows_problems[k].note)
            sp_report_html_esc(fp, p->L->note); /* "note: " / "注: " */
        sp_report_html_esc(fp, t->rows_problems[k].text);
    }
    row_close(fp);
}

/* The target's one table: figures, outcome, evidence, storage. */
/* Several vantages: the rule with q, the partial periods (listed, never
 * counted), then each vantage's own availability, lag and evidence. */
static void quorum_rows(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    row_open(fp, L->quorum);
    fprintf(fp, "%u ", t->quorum);
    sp_report_html_esc(fp, L->of);
    fprintf(fp, " %zu ", t->n_vantages);
    sp_report_html_esc(fp, L->vantages);
    fputs(" (", fp);
    for (size_t k = 0; k < t->n_vantages; k++) {
        sp_report_html_esc(fp, t->vantages[k].vantage);
        fputs(k + 1 < t->n_vantages ? ", " : "", fp);
    }
    fputs("): ", fp);
    sp_report_html_esc(fp, L->quorum_rule);
    row_close(fp);
    row_open(fp, L->partial_periods);
    fprintf(fp, "%zu (", t->n_partial);
    sp_report_html_esc(fp, L->partial_note);
    fputs(")", fp);
    for (size_t k = 0; k < t->n_partial; k++) {
        fputs("<br/>", fp);
        local(fp, p->r, t->partial[k].start);
        fputs(" .. ", fp);
        local(fp, p->r, t->partial[k].end);
        fputs(" ", fp);
        dur(fp, (double)(t->partial[k].end - t->partial[k].start), p->lang);
        fputs(" ", fp);
        sp_report_html_esc(fp, L->at_most_down);
        fprintf(fp, " %u", t->partial[k].max_down);
    }
    row_close(fp);
    for (size_t k = 0; k < t->n_vantages; k++) {
        const sp_report_target *v = &t->vantages[k];
        char label[256];
        snprintf(label, sizeof label, "%s %s", L->vantage, v->vantage);
        row_open(fp, label);
        sp_report_html_esc(fp, L->availability);
        fputs(" ", fp);
        pct(fp, v->sla.availability_pct);
        fputs(" (", fp);
        sp_report_html_esc(fp, L->downtime);
        fprintf(fp, " %lld %s, ", (long long)v->sla.downtime_s, L->seconds);
        sp_report_html_esc(fp, L->unknown);
        fprintf(fp, " %lld %s); ", (long long)v->sla.unknown_s, L->seconds);
        sp_report_html_esc(fp, L->lag);
        fputs(" ", fp);
        if (v->lag_s < 0)
            sp_report_html_esc(fp, L->no_file);
        else
            fprintf(fp, "%lld %s", (long long)v->lag_s, L->seconds);
        row_close(fp);
        evidence_row(p, v);
        rows_row(p, v);
        storage_rows(p, v);
    }
}

/* The details in two columns (one on a narrow screen): the figures, then
 * what follows from them and the evidence. */
static void figures_table(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    fputs("<h3>", fp);
    sp_report_html_esc(fp, p->L->details);
    fputs("</h3>\n<div class=\"details\"><table>\n", fp);
    figure_rows(p, t);
    fputs("</table><table>\n", fp);
    outcome_rows(p, t);
    if (t->n_vantages) {
        quorum_rows(p, t);
    } else {
        evidence_row(p, t);
        rows_row(p, t);
        storage_rows(p, t);
    }
    fputs("</table></div>\n", fp);
}

/* --- A target's section: graphs, incidents, maintenance --------------------- */

/* A graph's legend: what each colour is, written twice, as the page's
 * list (with swatches) and inside the SVG as its <desc>, so the image
 * says what it shows even when taken out of the page. */
#define LEGEND_MAX (N_BAND_STYLES + 3)
typedef struct legend {
    size_t n;
    const char *css[LEGEND_MAX];
    char text[LEGEND_MAX][192];
} legend;

static void legend_add(legend *lg, const char *css, const char *label, const char *extra)
{
    if (lg->n == LEGEND_MAX)
        return;
    lg->css[lg->n] = css;
    snprintf(lg->text[lg->n], sizeof lg->text[lg->n], "%s%s%s", label, extra ? " " : "",
             extra ? extra : "");
    lg->n++;
}

/* A graph's title: what it shows, and for a vantage's view, whose (the
 * SVG's own title, for screen readers). */
static void graph_title(const page *p, const sp_report_target *t, bool response, char *buf,
                        size_t n)
{
    snprintf(buf, n, "%s (%s)%s%s", response ? p->L->graphs_rt : p->L->graphs_av,
             response ? p->L->axis_ms : p->L->axis_pct, t->vantage ? " - " : "",
             t->vantage ? t->vantage : "");
}

/* One figure: the caption (each part escaped on its own), the SVG in a
 * box that scrolls on a phone, the legend. */
static sp_status figure(const page *p, const sp_report_target *t, bool response,
                        const sp_store_graph *g, const legend *lg, char *err, size_t errlen)
{
    FILE *fp = p->fp;
    char title[512], prefix[32], desc[LEGEND_MAX * 200];
    size_t dl = 0;
    graph_title(p, t, response, title, sizeof title);
    snprintf(prefix, sizeof prefix, "g%u", ++*p->n_graphs);
    desc[0] = '\0';
    for (size_t k = 0; k < lg->n; k++)
        dl += (size_t)snprintf(desc + dl, sizeof desc - dl, "%s%s", k ? "; " : "", lg->text[k]);
    fputs("<figure class=\"graph\"><figcaption>", fp);
    sp_report_html_esc(fp, response ? p->L->graphs_rt : p->L->graphs_av);
    fputs(" (", fp);
    sp_report_html_esc(fp, response ? p->L->axis_ms : p->L->axis_pct);
    fputs(")", fp);
    if (t->vantage) {
        fputs(" &#8212; ", fp);
        sp_report_html_esc(fp, t->vantage);
    }
    fputs("</figcaption>\n<div class=\"gbox\">", fp);
    sp_status st = svg_inline(fp, g, prefix, title, desc, err, errlen);
    if (st != SP_OK)
        return st;
    fputs("</div><ul class=\"legend\">", fp);
    for (size_t k = 0; k < lg->n; k++) {
        fprintf(fp, "<li><span class=\"sw %s\"></span>", lg->css[k]);
        sp_report_html_esc(fp, lg->text[k]);
        fputs("</li>", fp);
    }
    fputs("</ul></figure>\n", fp);
    return SP_OK;
}

static sp_status figure_response(const page *p, const sp_report_target *t, char *err, size_t errlen)
{
    const sp_report_labels *L = p->L;
    sp_store_graph g;
    legend lg = {0};
    char b[160], d[64];
    double upper = rt_upper(t);
    sp_status st = graph_response(p->r, t, upper, &g, err, errlen);
    if (st != SP_OK)
        return st;
    legend_add(&lg, "l-rt", L->line_response, NULL);
    snprintf(b, sizeof b, "%g ms", t->cfg->slow_ms);
    legend_add(&lg, "l-slow", L->slow_line, b);
    if (upper > 0) {
        sp_report_fmt_local(p->r, t->rt_peak.t, d, sizeof d);
        snprintf(b, sizeof b, "%.0f ms (%s)", t->rt_peak.ms, d);
        legend_add(&lg, "l-above", L->above_scale, b);
    }
    st = figure(p, t, true, &g, &lg, err, errlen);
    sp_store_graph_free(&g);
    return st;
}

static sp_status figure_availability(const page *p, const sp_report_target *t, char *err,
                                     size_t errlen)
{
    sp_store_graph g;
    legend lg = {0};
    char d[64];
    sp_status st = graph_availability(p->r, t, &g, err, errlen);
    if (st != SP_OK)
        return st;
    /* every class the month has, with its total: the legend says what
     * each colour is and how much of it there was */
    legend_add(&lg, "l-avail", p->L->line_availability, NULL);
    for (size_t k = N_BAND_STYLES; k-- > 0;) {
        int64_t tot = t->bands.total_s[band_styles[k].cls];
        if (!tot)
            continue;
        sp_report_fmt_duration_short((double)tot, p->lang, d, sizeof d);
        legend_add(&lg, band_styles[k].css, band_label(p->L, band_styles[k].cls), d);
    }
    st = figure(p, t, false, &g, &lg, err, errlen);
    sp_store_graph_free(&g);
    return st;
}

/* Response time, then availability, inline in the page (it survives being
 * mailed on its own). A graph that cannot be drawn fails the whole
 * report. */
static sp_status graphs(const page *p, const sp_report_target *t, char *err, size_t errlen)
{
    for (size_t k = 0; k < t->n_vantages; k++) { /* the target's quorum has no file */
        sp_status st = graphs(p, &t->vantages[k], err, errlen);
        if (st != SP_OK)
            return st;
    }
    if (!t->has_rrd || t->n_vantages)
        return SP_OK;
    sp_status st = figure_response(p, t, err, errlen);
    if (st == SP_OK)
        st = figure_availability(p, t, err, errlen);
    return st;
}

/* One outage: "<" / ">" mark one that began before the month or runs past
 * it; the last cell is when the first DOWN alert went out. */
static void incident_row(const page *p, const sp_report_target *t, size_t k)
{
    FILE *fp = p->fp;
    const sp_report *r = p->r;
    const sp_sla_incident *in = &t->sla.incidents[k];
    fputs("<tr><td>", fp);
    if (in->open_start)
        fputs("&lt; ", fp);
    local(fp, r, in->start);
    fputs("</td><td>", fp);
    local(fp, r, in->end);
    if (in->open_end)
        fputs(" &gt;", fp);
    fputs("</td><td>", fp);
    dur(fp, (double)in->duration_s, p->lang);
    fprintf(fp, "</td><td>%lld %s</td><td class=\"l\">", (long long)in->counted_s, p->L->seconds);
    char why[160];
    sp_report_reason_label(in->reason, p->lang, why, sizeof why);
    sp_report_html_esc(fp, why);
    /* the vantages DOWN in it, by their outage start */
    for (size_t i = 0; t->qincidents && i < t->qincidents[k].n_downs; i++) {
        const sp_quorum_down *d = &t->qincidents[k].downs[i];
        sp_report_reason_label(d->reason, p->lang, why, sizeof why);
        fputs("<br/>", fp);
        sp_report_html_esc(fp, t->vantages[d->vantage].vantage);
        fputs(": ", fp);
        sp_report_html_esc(fp, why);
        fputs(" ", fp);
        sp_report_html_esc(fp, p->L->since);
        fputs(" ", fp);
        local(fp, r, d->since);
        fprintf(fp, ", %s %lld %s", p->L->state_down, (long long)d->down_s, p->L->seconds);
    }
    fputs("</td><td class=\"l\">", fp);
    if (t->notified_ms && t->notified_ms[k]) { /* detection -> first alert sent */
        local(fp, r, t->notified_ms[k] / 1000);
        fputs(" (", fp);
        sp_report_html_esc(fp, p->L->after);
        fputc(' ', fp);
        dur(fp, t->notify_delay_s[k], p->lang);
        fputc(')', fp);
    } else {
        sp_report_html_esc(fp, p->L->not_notified);
    }
    fputs("</td></tr>\n", fp);
}

/* Every outage of the month, with how much of it counted. */
static void incidents_table(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report_labels *L = p->L;
    const sp_sla_result *s = &t->sla;
    fputs("<h3>", fp);
    sp_report_html_esc(fp, L->incidents);
    fprintf(fp, " (%zu)</h3>\n", s->n_incidents);
    if (!s->n_incidents) {
        sp_report_html_elem(fp, "p", L->none);
        fputc('\n', fp);
        return;
    }
    fputs("<div class=\"scroll\"><table class=\"inc\">\n<tr>", fp);
    sp_report_html_elem(fp, "th", L->start);
    sp_report_html_elem(fp, "th", L->end);
    sp_report_html_elem(fp, "th", L->duration);
    sp_report_html_elem(fp, "th", L->counted);
    sp_report_html_elem(fp, "th", L->reason);
    sp_report_html_elem(fp, "th", L->notified);
    fputs("</tr>\n", fp);
    for (size_t k = 0; k < s->n_incidents; k++)
        incident_row(p, t, k);
    fputs("</table></div>\n", fp);
}

/* The configured windows that touch the month (a target with windows but
 * none in this month gets an empty list). */
static void maintenance_list(const page *p, const sp_report_target *t)
{
    FILE *fp = p->fp;
    const sp_report *r = p->r;
    if (!t->cfg->n_maintenance)
        return;
    fputs("<h3>", fp);
    sp_report_html_esc(fp, p->L->maint_windows);
    fputs("</h3>\n<ul>\n", fp);
    for (size_t k = 0; k < t->cfg->n_maintenance; k++) {
        const sp_cfg_window *w = &t->cfg->maintenance[k];
        if (w->end_ms / 1000 <= r->start || w->start_ms / 1000 >= r->end)
            continue;
        fputs("<li>", fp);
        local(fp, r, w->start_ms / 1000);
        fputs(" &#8211; ", fp);
        local(fp, r, w->end_ms / 1000);
        fputs(" ", fp);
        sp_report_html_esc(fp, w->reason);
        fputs("</li>\n", fp);
    }
    fputs("</ul>\n", fp);
}

/* One target, top to bottom. */
static sp_status target_section(const page *p, const sp_report_target *t, char *err, size_t errlen)
{
    target_heading(p, t);
    headline(p, t);
    sp_status st = graphs(p, t, err, errlen);
    if (st != SP_OK)
        return st;
    incidents_table(p, t);
    maintenance_list(p, t);
    figures_table(p, t);
    fputs("</section>\n", p->fp);
    return SP_OK;
}

/* --- The page --------------------------------------------------------------- */

static void page_footer(const page *p)
{
    fputs("</body>\n</html>\n", p->fp);
}

sp_status sp_report_render_html_fp(const sp_report *r, sp_report_lang lang, FILE *fp, char *err,
                                   size_t errlen)
{
    unsigned n_graphs = 0;
    const page pg = {
        .fp = fp, .r = r, .L = sp_report_labels_for(lang), .lang = lang, .n_graphs = &n_graphs};
    sp_status st = SP_OK;
    page_head(&pg);
    page_header(&pg);
    summary_table(&pg);
    for (size_t i = 0; i < r->n_targets; i++)
        if ((st = target_section(&pg, &r->targets[i], err, errlen)) != SP_OK)
            return st;
    page_footer(&pg);
    return SP_OK;
}

/* Written to PATH.tmp and renamed over PATH only when complete, so a
 * reader never sees half a report; a failed one leaves nothing. */
sp_status sp_report_render_html(const sp_report *r, sp_report_lang lang, const char *path,
                                char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "we");
    if (!fp) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return SP_EIO;
    }
    sp_status st = sp_report_render_html_fp(r, lang, fp, err, errlen);
    if (fclose(fp) != 0 && st == SP_OK) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        st = SP_EIO;
    }
    if (st == SP_OK && rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
        st = SP_EIO;
    }
    if (st != SP_OK)
        unlink(tmp);
    return st;
}
