/**
 * The result of analysing an image and its exports, independent of any engine.
 *
 * <ul>
 *   <li>{@link ai.legion.core.report.ArtifactReport}: verdict ({@link ai.legion.core.report.Verdict}, only with
 *       a detection head), summary, {@link ai.legion.core.report.Artifact}s (phrase, explanation, mask at the
 *       original resolution), union mask, raw and cleaned text, token count, {@link ai.legion.core.report.Timings}.
 *   <li>{@link ai.legion.core.report.BinaryMask}: immutable packed-bit masks with area, box, union and IoU;
 *       {@link ai.legion.core.report.CocoRle}: pycocotools-compatible RLE (counts and compressed strings).
 *   <li>Exports: {@link ai.legion.core.report.ReportJson} (documented JSON schema, masks as COCO RLE),
 *       {@link ai.legion.core.report.MaskImages} (0/255 grayscale PNGs like upstream's {@code mask.png}),
 *       {@link ai.legion.core.report.Overlay} (a picture for people and notebooks).
 * </ul>
 * Bad files raise the checked {@link ai.legion.core.report.ReportException}; invalid values passed to
 * constructors and factories raise {@link java.lang.IllegalArgumentException} naming the field.
 */
package ai.legion.core.report;
