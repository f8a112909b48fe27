package ai.legion.core.report;

import java.util.Random;

/** Reports used by several tests. */
final class SampleReports {

    private SampleReports() {}

    /**
     * A 96 x 64 report with a verdict, three artifacts (two rectangles and one empty mask), a union with one
     * extra region that belongs to no phrase, texts with quotes, a newline and non-ASCII characters.
     */
    static ArtifactReport rich() {
        int w = 96;
        int h = 64;
        Artifact ear = new Artifact(0, "Man's right ear.", "The man's right ear is displayed at an incorrect angle.",
                Masks.rects(h, w, new int[] {10, 8, 30, 28}), 0.91f);
        Artifact eyes = new Artifact(1, "man's eyes", "The inner pupil of a man's two eyes is not the same size \"é\".",
                Masks.rects(h, w, new int[] {50, 30, 80, 50}, new int[] {60, 52, 62, 60}), 0.734f);
        Artifact zip = new Artifact(2, "zipper", "", BinaryMask.empty(h, w), 0.2f);
        BinaryMask extra = Masks.rects(h, w, new int[] {88, 2, 94, 6});
        return ArtifactReport.builder("images/cat 01.png", w, h)
                .verdict(Verdict.fromLogits(1.75f, -0.5f))
                .summary("A man with a tilted ear and mismatched pupils.")
                .addArtifact(ear).addArtifact(eyes).addArtifact(zip)
                .union(BinaryMask.union(ear.mask(), eyes.mask(), extra))
                .rawText("ASSISTANT: Upon examining the image. I have found: ...<p> Man's right ear. </p> [SEG]:The"
                        + " man's\nright ear ...</s>")
                .explanationText("Upon examining the image. I have found: A man ... 日本")
                .generatedTokens(57)
                .timings(Timings.builder().load(12.5).preprocess(3.25).clip(40).prefill(120.125).decode(2000)
                        .samEncoder(800).masks(15.5).total(3100).other("parse", 0.125).other("io", 1e-3).build())
                .modelId("LEGION-7B@test")
                .build();
    }

    /** A random report of the given size with {@code n} random-rectangle artifacts and no verdict. */
    static ArtifactReport random(Random rnd, int h, int w, int n) {
        ArtifactReport.Builder b = ArtifactReport.builder("r" + rnd.nextInt(1000), w, h);
        for (int k = 0; k < n; k++) {
            BinaryMask m = rnd.nextInt(5) == 0 ? BinaryMask.empty(h, w) : Masks.randomRects(rnd, h, w, 1 + rnd.nextInt(3));
            b.addArtifact(new Artifact(k, "phrase " + k, "explanation " + k, m, rnd.nextFloat()));
        }
        return b.timings(Timings.builder().total(rnd.nextDouble() * 1000).build()).generatedTokens(rnd.nextInt(512))
                .build();
    }
}
