/**
 * Untrusted text rendered for people: {@link ai.legion.core.text.SafeText} escapes what a terminal or
 * browser would act on (control and escape sequences, bidi overrides, invisible characters), cuts over-long
 * strings and decodes bytes with invalid UTF-8 replaced.
 */
package ai.legion.core.text;
