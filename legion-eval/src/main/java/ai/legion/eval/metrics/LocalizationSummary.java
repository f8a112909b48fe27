package ai.legion.eval.metrics;

/**
 * Aggregated localization metrics over a set of images, all fractions in {@code [0, 1]} (the paper
 * prints ×100). Means are unweighted over images, as upstream's {@code total_metrics / len(dataloader)}.
 *
 * @param count number of images
 * @param miou mean of the per-image {@link LocalizationMetrics#miou LEGION mIoU} (Table 2's mIoU)
 * @param miouWithoutBackground mean per-image foreground {@code I/(U+1e-6)}
 * @param iou mean per-image {@code I/U} (0 for empty unions)
 * @param f1 mean per-image pixel F1 (Table 2's F1)
 * @param giou GLaMM/LISA gIoU: mean of {@code I/(U+1e-5)}, 1 for empty unions
 * @param ciou GLaMM/LISA cIoU: {@code ΣI / (ΣU + 1e-10)} over the images (their epsilon; 0 when every
 *     union is empty)
 * @param datasetMiou mmseg/PAL4VST dataset-level mIoU: nanmean over {background, foreground} of
 *     {@code ΣI_c / ΣU_c}; NaN when both classes are undefined (no images)
 * @param datasetBackgroundIou {@code ΣI_0 / ΣU_0} (NaN when {@code ΣU_0 = 0})
 * @param datasetForegroundIou {@code ΣI_1 / ΣU_1} (NaN when no image has any foreground in either mask)
 */
public record LocalizationSummary(int count, double miou, double miouWithoutBackground, double iou, double f1,
        double giou, double ciou, double datasetMiou, double datasetBackgroundIou, double datasetForegroundIou) {

    /** The summary of no images: count 0 and every value NaN. */
    public static LocalizationSummary empty() {
        double n = Double.NaN;
        return new LocalizationSummary(0, n, n, n, n, n, n, n, n, n);
    }
}
