package ai.legion.eval.grounding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.legion.core.report.Artifact;
import ai.legion.core.report.BinaryMask;
import ai.legion.data.ArtifactRecord;
import ai.legion.data.Authenticity;
import ai.legion.data.Ref;
import ai.legion.data.Region;
import ai.legion.data.SceneFacts;
import ai.legion.data.raster.MaskRasterizer;
import ai.legion.data.sim.ScarsSimGenerator;
import ai.legion.data.sim.SimConfig;
import ai.legion.data.synthscars.SynthScarsReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroundingTest {

    private static final int SIZE = 20;

    private static double[] square(int x, int y) {
        return new double[] {x, y, x + 8, y, x + 8, y + 8, x, y + 8};
    }

    private static Ref ref(String phrase, String explanation, double[] polygon) {
        return new Ref(phrase, explanation, new Region.Polygons(List.of(polygon)));
    }

    /** Three artifacts on a yellow car, a person in red and a green tree. */
    private static ArtifactRecord scene() {
        List<Ref> refs = List.of(
                ref("The car's edge", "The edge of the yellow car is smeared and blurred, unlike the sharp edges"
                        + " elsewhere.", square(0, 0)),
                ref("The person's arms", "The person in red has a third arm growing out of the shoulder, which is"
                        + " anatomically impossible.", square(10, 0)),
                ref("The tree's crown", "The crown of the green tree floats above its trunk without any connection.",
                        square(0, 10)));
        SceneFacts facts = new SceneFacts(
                List.of(new SceneFacts.SceneObject("car", "yellow", "yellow car"),
                        new SceneFacts.SceneObject("person", "red", "person in red"),
                        new SceneFacts.SceneObject("tree", "green", "green tree")),
                List.of(new SceneFacts.RefFacts("car", "yellow car", "smear", "distortion"),
                        new SceneFacts.RefFacts("person", "person in red", "extra_arm", "structure"),
                        new SceneFacts.RefFacts("tree", "green tree", "floating_crown", "structure")));
        return new ArtifactRecord("1", "synthscars", Path.of("a.png"), Authenticity.FAKE, "caption", refs, Map.of(),
                facts);
    }

    /** Another scene, so that the vocabulary has objects the first one lacks. */
    private static ArtifactRecord other() {
        List<Ref> refs = List.of(ref("The house's roof", "The roof of the white house is detached from the walls and"
                + " slanted to one side.", square(2, 2)));
        SceneFacts facts = new SceneFacts(
                List.of(new SceneFacts.SceneObject("house", "white", "white house"),
                        new SceneFacts.SceneObject("ball", "blue", "blue ball")),
                List.of(new SceneFacts.RefFacts("house", "white house", "broken_roof", "structure")));
        return new ArtifactRecord("2", "synthscars", Path.of("b.png"), Authenticity.FAKE, "caption", refs, Map.of(),
                facts);
    }

    private static BinaryMask rect(int x, int y, int w, int h) {
        boolean[] v = new boolean[SIZE * SIZE];
        for (int yy = y; yy < y + h; yy++) {
            for (int xx = x; xx < x + w; xx++) {
                v[yy * SIZE + xx] = true;
            }
        }
        return BinaryMask.fromBooleans(v, SIZE, SIZE);
    }

    @Test
    void twoOfThreeObjectsNamedAndAHallucinatedBall() throws Exception {
        GroundingScorer scorer = GroundingScorer.of(List.of(scene(), other())).orElseThrow();
        assertEquals(List.of("ball", "car", "house", "person", "tree"), scorer.vocabulary());
        List<Artifact> predicted = List.of(
                // on the person's square exactly: matched to ref 1 by IoU 1, names the person, extra arm
                new Artifact(0, "The person's arms", "The person in blue has a third arm growing out of the shoulder.",
                        rect(10, 0, 9, 9), 0.9f),
                // overlaps the car's square: matched to ref 0, but calls it a ball (kind still a smear)
                new Artifact(1, "The ball's edge", "The edge of the red ball is smeared and blurred.",
                        rect(0, 0, 5, 9), 0.8f),
                // no mask: paired with the ground-truth artifact left (the tree) by order
                new Artifact(2, "The tree's crown", "The crown of the tree floats above its trunk.",
                        BinaryMask.empty(SIZE, SIZE), 0.2f));
        String text = "Upon examining the image. I have found: A yellow car, a person and a tree. To elaborate, "
                + "The person's arms:... The ball's edge:... The tree's crown:...";
        ImageGrounding g = scorer.score(scene(), text, predicted, SIZE, SIZE);
        assertEquals(List.of("car", "person", "tree"), g.scene());
        assertEquals(List.of("ball", "car", "person", "tree"), g.named());
        assertEquals(List.of("ball"), g.hallucinated());
        assertEquals(3, g.predicted());
        List<ImageGrounding.ArtifactMatch> m = g.artifacts();
        assertEquals(List.of(1, 0, 2), m.stream().map(ImageGrounding.ArtifactMatch::match).toList());
        assertEquals(List.of(false, true, true), m.stream().map(ImageGrounding.ArtifactMatch::objectNamed).toList());
        assertEquals(List.of("smear", "extra_arm", "floating_crown"),
                m.stream().map(ImageGrounding.ArtifactMatch::predictedKind).toList());
        // ref 0 drawn as the evaluation draws it (fillPoly includes the boundary: 9 x 9 pixels)
        BinaryMask gt0 = MaskRasterizer.evaluation().unionOfRefs(List.of(scene().refs().get(0)), SIZE, SIZE);
        assertEquals(81, gt0.area());
        assertEquals(45.0 / 81, m.get(0).iou(), 1e-12);
        assertEquals(1.0, m.get(1).iou(), 1e-12);
        assertEquals(0.0, m.get(2).iou());

        GroundingSummary s = GroundingSummary.of(List.of(g), null);
        assertEquals(0.667, s.objectAccuracy(), 5e-4);
        assertEquals(1.0, s.kindAccuracy());
        assertEquals(1.0, s.hallucinationRate());
        assertEquals(2.0 / 3, s.maskMatched(), 1e-12);
        assertEquals(0.0, s.unmatched());
        assertEquals(1.0, s.countAccuracy(), "three listed, three annotated");
        assertEquals(3, s.artifacts());
        // every object once: ties go to the first alphabetically
        assertEquals("car", s.mostFrequentObject());
        assertEquals(1.0 / 3, s.mostFrequentObjectAccuracy(), 1e-12);
        assertEquals("extra_arm", s.mostFrequentKind());
        assertTrue(Double.isNaN(s.constantCaptionHallucinationRate()));
    }

    @Test
    void missingPredictionsCountAsWrongAndTextOnlySourcesGetOnlyTheHallucinationRate() throws Exception {
        GroundingScorer scorer = GroundingScorer.of(List.of(scene(), other())).orElseThrow();
        // one predicted artifact far from every ground truth: paired with ref 0 by order, refs 1 and 2 unmatched
        List<Artifact> one = List.of(new Artifact(0, "The car's edge", "The edge of the car is smeared.",
                rect(15, 15, 4, 4), 0.5f));
        ImageGrounding g = scorer.score(scene(), "The car's edge: smeared.", one, SIZE, SIZE);
        assertEquals(List.of(0, -1, -1), g.artifacts().stream().map(ImageGrounding.ArtifactMatch::match).toList());
        assertFalse(g.hallucinates());
        ImageGrounding textOnly = scorer.score(scene(), "A blue ball and a white house.", null, SIZE, SIZE);
        assertNull(textOnly.artifacts());
        assertEquals(-1, textOnly.predicted());
        assertEquals(List.of("ball", "house"), textOnly.hallucinated());

        GroundingSummary s = GroundingSummary.of(List.of(g, textOnly), "A yellow car and a person on a beach.");
        assertEquals(3, s.artifacts(), "the text-only image adds no artifacts");
        assertEquals(1.0 / 3, s.objectAccuracy(), 1e-12);
        assertEquals(1.0 / 3, s.kindAccuracy(), 1e-12);
        assertEquals(0.0, s.maskMatched());
        assertEquals(2.0 / 3, s.unmatched(), 1e-12, "one listed for three: two left without a prediction");
        assertEquals(0.0, s.countAccuracy(), "only the image with artifacts is counted, and its count is wrong");
        assertEquals(0.5, s.hallucinationRate());
        // the constant caption names a car and a person: both are in the scene of both images
        assertEquals(0.0, s.constantCaptionHallucinationRate());
        // a house is in neither (both images are the same scene)
        assertEquals(1.0, GroundingSummary.of(List.of(g, textOnly), "A house.").constantCaptionHallucinationRate());

        GroundingSummary onlyText = GroundingSummary.of(List.of(textOnly), null);
        assertTrue(Double.isNaN(onlyText.objectAccuracy()));
        assertTrue(Double.isNaN(onlyText.unmatched()) && Double.isNaN(onlyText.countAccuracy()));
        assertNull(onlyText.mostFrequentObject());
        assertThrows(IllegalArgumentException.class, () -> GroundingSummary.of(List.of(), null));
        ArtifactRecord plain = new ArtifactRecord("3", "synthscars", Path.of("c.png"), Authenticity.FAKE, "", List.of(),
                Map.of());
        assertTrue(GroundingScorer.of(List.of(plain)).isEmpty(), "no facts, no scorer");
        assertThrows(IllegalArgumentException.class, () -> scorer.score(plain, "", List.of(), SIZE, SIZE));
    }

    @Test
    void matchingIsGreedyByIouThenByOrder() {
        assertArrayEquals(new int[] {1, 0}, GroundingScorer.match(new double[][] {{0.2, 0.5}, {0.6, 0.1}}, 2, 2));
        assertArrayEquals(new int[] {0, 1}, GroundingScorer.match(new double[][] {{0.5, 0.5}, {0.5, 0.5}}, 2, 2));
        assertArrayEquals(new int[] {0, 1, -1}, GroundingScorer.match(new double[3][2], 3, 2));
        assertArrayEquals(new int[] {1, 0, 2}, GroundingScorer.match(new double[][] {{0, 0.3, 0}, {0, 0, 0}, {0, 0, 0}},
                3, 3));
        // greedy, not optimal in total: the 0.9 pair is taken although 0.8 + 0.7 would be larger
        assertArrayEquals(new int[] {0, 1}, GroundingScorer.match(new double[][] {{0.9, 0.8}, {0.7, 0.0}}, 2, 2));
        assertArrayEquals(new int[] {}, GroundingScorer.match(new double[0][3], 0, 3));
    }

    @Test
    void theKindClassifierRecognizesTheAnnotatedExplanations(@TempDir Path dir) throws Exception {
        ScarsSimGenerator.generate(SimConfig.builder().seed(21).trainCount(300).testCount(150).detectTrainCount(0)
                .detectTestCount(0).imageSize(64).threads(1).build(), dir);
        List<ArtifactRecord> train = read(dir, "train");
        List<ArtifactRecord> test = read(dir, "test");
        GroundingScorer fromTrain = GroundingScorer.of(train).orElseThrow();
        GroundingScorer fromTest = GroundingScorer.of(test).orElseThrow();
        assertEquals(List.of("ball", "box", "car", "house", "person", "sign", "tree"), fromTrain.vocabulary());
        int n = 0;
        int heldOut = 0;
        int self = 0;
        for (ArtifactRecord r : test) {
            for (int k = 0; k < r.refs().size(); k++) {
                String kind = r.facts().refs().get(k).kind();
                heldOut += kind.equals(fromTrain.classifier().classify(r.refs().get(k).explanation())) ? 1 : 0;
                self += kind.equals(fromTest.classifier().classify(r.refs().get(k).explanation())) ? 1 : 0;
                n++;
            }
            // a reference caption names only objects in its scene
            assertEquals(List.of(), fromTrain.score(r, r.caption(), null, 64, 64).hallucinated(), r.caption());
        }
        System.out.printf("kind classifier on %d ground-truth explanations: %.4f (templates of train, %d), %.4f (of"
                + " test itself, %d)%n", n, (double) heldOut / n, fromTrain.classifier().templates(), (double) self / n,
                fromTest.classifier().templates());
        assertEquals(1.0, (double) self / n, 1e-12);
        assertTrue((double) heldOut / n >= 0.99, "held-out kind accuracy " + (double) heldOut / n);

        // the ground truth as the prediction: every object named, every kind right, nothing hallucinated
        List<ImageGrounding> perfect = new ArrayList<>();
        for (ArtifactRecord r : test) {
            List<Artifact> arts = new ArrayList<>();
            for (int k = 0; k < r.refs().size(); k++) {
                Ref ref = r.refs().get(k);
                arts.add(new Artifact(k, ref.phrase(), ref.explanation(),
                        MaskRasterizer.evaluation().unionOfRefs(List.of(ref), 64, 64), 1f));
            }
            perfect.add(fromTest.score(r, r.caption(), arts, 64, 64));
        }
        GroundingSummary s = GroundingSummary.of(perfect, test.get(0).caption());
        assertEquals(1.0, s.objectAccuracy());
        assertEquals(1.0, s.kindAccuracy());
        assertEquals(1.0, s.maskMatched());
        assertEquals(0.0, s.unmatched());
        assertEquals(1.0, s.countAccuracy());
        assertEquals(0.0, s.hallucinationRate());
        assertTrue(s.mostFrequentObjectAccuracy() > 0.1 && s.mostFrequentObjectAccuracy() < 0.5,
                "most frequent object " + s.mostFrequentObject() + ": " + s.mostFrequentObjectAccuracy());
        assertTrue(s.constantCaptionHallucinationRate() > 0.3, "a fixed caption names objects most scenes lack: "
                + s.constantCaptionHallucinationRate());
    }

    private static List<ArtifactRecord> read(Path root, String split) throws Exception {
        List<ArtifactRecord> out = new ArrayList<>();
        try (SynthScarsReader r = SynthScarsReader.open(root, split)) {
            r.forEach(out::add);
        }
        return out;
    }
}
