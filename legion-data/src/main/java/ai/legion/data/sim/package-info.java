/**
 * "scars-sim": a procedural SynthScars-style dataset for training and testing a small LEGION on CPU.
 *
 * <p>{@link ai.legion.data.sim.ScarsSimGenerator#generate} writes the exact SynthScars layout and schema (the
 * {@code khr0516/SynthScars} dataset card, read by LEGION's {@code LegionGCGDataset}) plus a
 * UniversalFakeDetect-style real/fake folder tree for stage 2; see {@link ai.legion.data.sim.ScarsSimGenerator} for
 * the layout and {@link ai.legion.data.sim.SimConfig} for the knobs and their defaults.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li>Scenes: street, room (glossy floor with reflections), field or beach; a sun or lamp in the
 *       upper corner on the lit side; the background brightens towards it; every object casts a
 *       sheared, flattened shadow away from it. 1–4 objects of different types (ball, box, house,
 *       tree, person, car, sign) in two non-overlapping rows, each with a colour that stands out
 *       from the background. Object types are unique per image, so a ref phrase
 *       {@code "The <noun>'s <part>"} names one object.</li>
 *   <li>Artifacts (1–3 per fake image, categories weighted 0.45 / 0.35 / 0.20): structure (extra,
 *       missing or square wheel; extra or missing arm, extra leg, second head; odd window, floating
 *       door, detached roof; floating crown, split trunk; garbled sign text, bent post; lumpy ball;
 *       box with a missing corner; a melted, rippling edge on any object), distortion (colour blotch,
 *       coloured-noise patch, motion smear) and physics (shadow toward the light, shadow of the
 *       wrong shape, reflection of the wrong colour, highlight on the dark side of a ball). Pixel
 *       effects are painted exactly inside their published polygon (with {@link
 *       ai.legion.data.sim.PolygonRaster}'s fill); part-level regions are the convex hull of the
 *       affected parts, enlarged to the minimum artifact area. Refs are ordered left to right.</li>
 *   <li>Grounding facts, extra fields that readers which do not know them skip: each record has
 *       {@code "objects": [{"type": "car", "colour": "yellow", "name": "yellow car"}, ...]} (every object of
 *       the scene, the name as the captions write it, {@code "person in red"} for people) after
 *       {@code refs}, and each ref ends with {@code "object"} (the type it is on), {@code "object_name"},
 *       {@code "kind"} (the artifact kind in lower snake case, e.g. {@code "smear"},
 *       {@code "shadow_toward_light"}) and {@code "category"} ({@code structure}, {@code distortion} or
 *       {@code physics}). {@link ai.legion.data.synthscars.SynthScarsReader} turns them into
 *       {@link ai.legion.data.SceneFacts}; {@code legion eval exp} scores object and kind accuracy and the
 *       hallucination rate with them (docs/EVAL.md).</li>
 *   <li>Captions: {@code "Upon examining the image. I have found: <summary>\nTo elaborate, I have
 *       found the following artifacts. <phrase>:<explanation>…"}, the summary naming the objects,
 *       the place and one clause per artifact; three explanation wordings per kind, two summary
 *       forms.</li>
 *   <li>Generator fingerprint: every fake image (and no real one) carries
 *       {@code A·cos(2πx/P)·cos(2πy/P)} (default A = 6 levels, P = 8 px), like the periodic
 *       spectral peaks of upsampling layers in real generators. It is there for stage 2: LEGION
 *       trains only a head on the CLS feature of a frozen CLIP, and in a randomly initialized CLIP
 *       the local artifacts alone are not linearly visible (a logistic probe stays at chance),
 *       while the fingerprint, aligned with 8- and 16-pixel patches and surviving a 2× bicubic
 *       downscale, is. With the fingerprint off, every fake image gets a distortion artifact
 *       instead.</li>
 *   <li>Sizes (defaults, 128 px): per-image union of the ref polygons, mean ≈ 0.10 of the image,
 *       10th percentile ≈ 0.035, median ≈ 0.10, 90th percentile ≈ 0.17, max ≈ 0.30; about 80% of
 *       the images fall in [5%, 30%]. Trivial predictors score a per-image mIoU of ≈ 0.45 (empty
 *       mask) and ≈ 0.05 (full mask); a constant caption scores ROUGE-L ≈ 0.48 against the test
 *       captions. {@code stats.json} records these for every generated dataset.</li>
 *   <li>Determinism: each image has its own {@link java.util.SplittableRandom} seeded from
 *       {@code (seed, stream, index)}; trigonometry uses {@link java.lang.StrictMath}; the output is
 *       identical byte for byte whatever the thread count.</li>
 * </ul>
 */
package ai.legion.data.sim;
