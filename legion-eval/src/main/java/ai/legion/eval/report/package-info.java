/**
 * Evaluation reports ({@link ai.legion.eval.report.EvalReport}): a self-contained XHTML page with tables in the
 * layout of the paper's Tables 2, 3, 5 and 10, inline SVG charts and a gallery of the best and worst images,
 * a Markdown summary and a JSON aggregate; {@link ai.legion.eval.report.PaperTargets} holds the paper's numbers.
 *
 * <p>Ids, captions, model output, error reasons and labels are untrusted: every string of the page goes through
 * {@link ai.legion.core.text.SafeText#forHtml} and every string of the Markdown through its terminal escaping;
 * the JSON aggregate keeps the exact strings.
 */
package ai.legion.eval.report;
