/*
 * Text that came from outside (a target's name or URL, a server's reason,
 * a maintenance note, a certificate's subject) made safe to show. Such a
 * string may hold control characters that move the cursor or start a line,
 * bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE) that make what
 * follows it read backwards, or bytes that are not UTF-8. Every
 * human-readable output passes it through here; the HTML writer
 * (reports/labels.h) uses the same classes. Pure: no I/O but the FILE the
 * caller gives, no allocation.
 */
#ifndef SP_TEXT_H
#define SP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The code point of a byte that does not start a valid UTF-8 sequence. */
#define SP_TEXT_INVALID UINT32_MAX

/* Decode the UTF-8 sequence at s (NUL-terminated, *s != 0): its length in
 * bytes, and its code point in *cp. A byte that does not begin a complete,
 * shortest-form sequence of a scalar value (no surrogates, at most
 * U+10FFFF) has length 1 and *cp = SP_TEXT_INVALID. */
size_t sp_text_utf8_next(const char *s, uint32_t *cp);

/* True for the characters that change the direction of the text around
 * them: U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069. */
bool sp_text_is_bidi_control(uint32_t cp);

/* True for C0 controls (tab and newline too), DEL, C1 controls and the
 * line and paragraph separators U+2028, U+2029: characters that move the
 * cursor or start a new line instead of showing a glyph. */
bool sp_text_is_control(uint32_t cp);

/* s for a terminal or a text file: every control and bidi control as
 * "<U+202E>", every byte that is not UTF-8 as "<0xFF>", the rest as is
 * (NULL as ""). Into buf, NUL-terminated when n > 0; when it does not fit,
 * cut before the first escape or character that does not fit whole.
 * Returns buf. */
char *sp_text_safe(const char *s, char *buf, size_t n);

/* The same, written to fp. */
void sp_text_fputs(FILE *fp, const char *s);

/* The columns s takes in a terminal: two for each East Asian Wide or
 * Fullwidth character (UAX #11: kanji, kana, hangul, full-width forms,
 * most emoji), one for any other character or byte that is not UTF-8. So
 * a table with Japanese labels lines up: counting bytes or characters
 * misaligns it. NULL is 0. */
int sp_text_cols(const char *s);

/* Make s valid UTF-8 in place, for JSON and other data formats that must
 * carry it: each byte that is not part of a valid sequence becomes '?'.
 * Nothing else changes (controls are data there; the encoder escapes
 * them). */
void sp_text_utf8_repair(char *s);

#endif
