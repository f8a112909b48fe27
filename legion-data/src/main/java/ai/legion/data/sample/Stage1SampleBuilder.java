package ai.legion.data.sample;

import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.core.image.RgbImage;
import ai.legion.core.image.SamImageProcessor;
import ai.legion.core.prompt.LegionPrompt;
import ai.legion.core.report.BinaryMask;
import ai.legion.core.tokenizer.LegionTokenizer;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.DatasetException;
import ai.legion.data.Ref;
import ai.legion.data.raster.MaskRasterizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds stage-1 samples as LEGION's GCG dataset does
 * ({@code dataset/gcg_datasets/GranDf_gcg_ds.py::LegionGCGDataset}): the caption is tagged by {@link LegionPrompt#tagCaption} (one {@code [SEG]} per ref
 * whose phrase occurs, refs with the same phrase included), the conversation is tokenized with labels masked
 * outside the answer, and one ground-truth mask per kept ref is rasterized at the image's resolution, in
 * upstream's order (by phrase start, ties in ref order), which pairs the k-th mask with the k-th {@code [SEG]}.
 * Thread-safe (for prefetching workers).
 */
public final class Stage1SampleBuilder {

    /** Produces the training mask of one ref at the image size. */
    @FunctionalInterface
    public interface MaskSource {
        BinaryMask mask(ArtifactRecord record, Ref ref, int height, int width) throws DatasetException;
    }

    /** Upstream's training masks: pycocotools polygon rasterization ({@code LegionGCGDataset}), boxes, heatmaps. */
    public static MaskSource trainingMasks() {
        MaskRasterizer r = MaskRasterizer.training();
        return (record, ref, h, w) -> r.rasterize(ref.region(), h, w);
    }

    /** Transforms an image and its masks together (training augmentation); identity by default. */
    @FunctionalInterface
    public interface PairTransform {
        /** Returns the transformed image and masks; may use {@code seed} for randomness. */
        Pair apply(RgbImage image, List<BinaryMask> masks, long seed);
    }

    /** A training augmentation (geometric ones move the masks with the image). */
    public static PairTransform augmenting(ai.legion.data.augment.Augmentation augmentation) {
        return (image, masks, seed) -> {
            ai.legion.data.augment.Sample out = augmentation.apply(new ai.legion.data.augment.Sample(image, masks), seed);
            return new Pair(out.image(), out.masks());
        };
    }

    /** An image with its masks. */
    public record Pair(RgbImage image, List<BinaryMask> masks) {}

    private final LegionTokenizer tokenizer;
    private final ClipImageProcessor clip;
    private final SamImageProcessor sam;
    private final ImageLoader loader;
    private final MaskSource masks;
    private final PairTransform transform;
    private final int maxTextTokens;

    /**
     * @param numImageTokens image tokens the model splices in (576 for CLIP-L/336): sets the text budget
     *     {@code 1536 - (N - 1)} as upstream
     */
    public Stage1SampleBuilder(LegionTokenizer tokenizer, ClipImageProcessor clip, SamImageProcessor sam,
            ImageLoader loader, MaskSource masks, PairTransform transform, int numImageTokens) {
        this.tokenizer = Objects.requireNonNull(tokenizer);
        this.clip = Objects.requireNonNull(clip);
        this.sam = Objects.requireNonNull(sam);
        this.loader = Objects.requireNonNull(loader);
        this.masks = Objects.requireNonNull(masks);
        this.transform = transform;
        this.maxTextTokens = LegionPrompt.maxTextTokens(numImageTokens);
    }

    /**
     * Builds the sample of a record.
     *
     * @param seed randomness of the augmentation (ignored without one)
     * @throws SkippedRecordException if no ref's phrase occurs in the caption or the image cannot be read
     */
    public Stage1Sample build(ArtifactRecord record, long seed) throws SkippedRecordException {
        List<String> phrases = record.refs().stream().map(Ref::phrase).toList();
        LegionPrompt.TaggedCaption tagged = LegionPrompt.tagCaption(record.caption(), phrases);
        if (tagged.refOrder().isEmpty()) {
            throw new SkippedRecordException(record.id() + ": no ref phrase occurs in the caption", null);
        }
        RgbImage image;
        try {
            image = loader.load(record.image());
        } catch (ImageException e) {
            throw new SkippedRecordException(record.id() + ": " + e.getMessage(), e);
        }
        List<BinaryMask> gt = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (int refIndex : tagged.refOrder()) {
            Ref ref = record.refs().get(refIndex);
            try {
                gt.add(masks.mask(record, ref, image.height(), image.width()));
            } catch (DatasetException e) {
                throw new SkippedRecordException(record.id() + ": " + e.getMessage(), e);
            }
            kept.add(ref.phrase());
        }
        if (transform != null) {
            Pair p = transform.apply(image, gt, seed);
            image = p.image();
            gt = p.masks();
        }
        LegionPrompt.Tokenized t = LegionPrompt.tokenizeTraining(tokenizer,
                LegionPrompt.trainingConversation(tagged.text()), maxTextTokens);
        int segs = t.positionsOf(tokenizer.tokenId("[SEG]")).length;
        if (segs < gt.size()) { // truncation removed [SEG]s: the GT list is cut to match, as upstream
            gt = gt.subList(0, segs);
            kept = kept.subList(0, segs);
        }
        ClipImageProcessor.Result c = clip.process(image);
        SamImageProcessor.Result s = sam.preprocess(image);
        return new Stage1Sample(record.id(), c.pixelValues(), c.height(), s.pixelValues(), s.size(), s.resizedHw(),
                s.originalHw(), t.inputIds(), t.labels(), gt, kept);
    }
}
