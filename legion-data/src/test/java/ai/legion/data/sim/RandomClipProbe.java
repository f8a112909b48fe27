package ai.legion.data.sim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.legion.core.config.ClipImageProcessorConfig;
import ai.legion.core.config.ClipVisionConfig;
import ai.legion.core.image.ClipImageProcessor;
import ai.legion.core.image.ImageException;
import ai.legion.core.image.ImageLoader;
import ai.legion.models.clip.GlobalImageEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Stage-2 proxy: the CLS token of {@code hidden_states[-2]} of a randomly initialized, frozen CLIP
 * vision tower (the project's {@link GlobalImageEncoder}, init std 0.02 as in the project's
 * benchmarks), then a classifier on it. Measures whether real and fake images are linearly separable
 * in random features, which is what a frozen random CLIP plus a trained head can exploit.
 */
final class RandomClipProbe {

    private RandomClipProbe() {
    }

    /** Tower and preprocessing size. */
    record Tower(int imageSize, int patchSize, int width, int layers) {
    }

    /** CLS features of detect/train and detect/test; label 1 = fake. */
    record Features(double[][] xTrain, List<Integer> yTrain, double[][] xTest, List<Integer> yTest) {
    }

    /** Extracts the CLS token of {@code hidden_states[-2]} for every detection image. */
    static Features extract(Path root, Tower tower, long seed) throws IOException, ImageException {
        List<Path> trainFiles = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>();
        List<Path> testFiles = new ArrayList<>();
        List<Integer> testLabels = new ArrayList<>();
        collect(root.resolve("detect/train"), trainFiles, trainLabels);
        collect(root.resolve("detect/test"), testFiles, testLabels);
        ClipVisionConfig cfg = new ClipVisionConfig(tower.width(), 4 * tower.width(), tower.layers(), 4, 3,
                tower.imageSize(), tower.patchSize(), "quick_gelu", 1e-5, tower.width());
        ClipImageProcessor proc = new ClipImageProcessor(new ClipImageProcessorConfig(true,
                new ClipImageProcessorConfig.Size(tower.imageSize()), ClipImageProcessorConfig.PIL_BICUBIC, true,
                new ClipImageProcessorConfig.CropSize(tower.imageSize(), tower.imageSize()), true, 1 / 255.0, true,
                ClipImageProcessorConfig.OPENAI_CLIP_MEAN, ClipImageProcessorConfig.OPENAI_CLIP_STD, true));
        try (NDManager m = NDManager.newBaseManager()) {
            GlobalImageEncoder enc = new GlobalImageEncoder(cfg);
            enc.weightMap("").initialize(m, 0.02f, seed);
            return new Features(features(trainFiles, enc, proc, m, tower.imageSize()), trainLabels,
                    features(testFiles, enc, proc, m, tower.imageSize()), testLabels);
        }
    }

    /** Test accuracy of an L2-regularized logistic regression on standardized features. */
    static double logisticAccuracy(Features f) {
        double[][] xTrain = copy(f.xTrain());
        double[][] xTest = copy(f.xTest());
        standardize(xTrain, xTest);
        double[] w = logistic(xTrain, f.yTrain(), 1e-3, 3000);
        int correct = 0;
        for (int i = 0; i < xTest.length; i++) {
            int pred = score(w, xTest[i]) > 0 ? 1 : 0;
            correct += pred == f.yTest().get(i) ? 1 : 0;
        }
        return (double) correct / xTest.length;
    }

    /**
     * Mean over dimensions of the training standard deviation, divided by the mean absolute value:
     * how small the image-dependent part of the raw features is.
     */
    static double relativeSpread(Features f) {
        double[][] x = f.xTrain();
        int d = x[0].length;
        double meanAbs = 0;
        double sd = 0;
        for (int k = 0; k < d; k++) {
            double mu = 0;
            for (double[] row : x) {
                mu += row[k];
            }
            mu /= x.length;
            double var = 0;
            for (double[] row : x) {
                var += (row[k] - mu) * (row[k] - mu);
            }
            meanAbs += Math.abs(mu);
            sd += Math.sqrt(var / x.length);
        }
        return sd / meanAbs;
    }

    private static double[][] copy(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].clone();
        }
        return out;
    }

    /**
     * The upstream stage-2 head recipe (LEGION {@code model/Legion.py::LegionForCls}, {@code scripts/cls/train.py})
     * in fp32: Linear(d, 2d) → ReLU → Linear(2d, 2), init N(0, 0.02²) and zero biases, AdamW (0.9, 0.95, eps 1e-8, wd
     * 0), cosine lr from {@code baseLr} without warmup, batch 64, global-norm clip 1.0; on raw or standardized
     * features. Returns the test accuracy (labels as LEGION: real = 1).
     */
    static double headAccuracy(Features f, boolean standardize, int epochs, double baseLr, long seed) {
        double[][] xTrain = copy(f.xTrain());
        double[][] xTest = copy(f.xTest());
        if (standardize) {
            standardize(xTrain, xTest);
        }
        List<Integer> yTrain = f.yTrain();
        List<Integer> yTest = f.yTest();
        int d = xTrain[0].length;
        int hdim = 2 * d;
        Random r = new Random(seed);
        double[][] params = {new double[hdim * d], new double[hdim], new double[2 * hdim], new double[2]};
        for (int i = 0; i < params[0].length; i++) {
            params[0][i] = 0.02 * r.nextGaussian();
        }
        for (int i = 0; i < params[2].length; i++) {
            params[2][i] = 0.02 * r.nextGaussian();
        }
        double[][] m1 = new double[4][];
        double[][] v1 = new double[4][];
        for (int k = 0; k < 4; k++) {
            m1[k] = new double[params[k].length];
            v1[k] = new double[params[k].length];
        }
        int n = xTrain.length;
        int batch = 64;
        int stepsPerEpoch = (n + batch - 1) / batch;
        int total = epochs * stepsPerEpoch;
        int step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int b0 = 0; b0 < n; b0 += batch) {
                int b1 = Math.min(n, b0 + batch);
                double[][] g = new double[4][];
                for (int k = 0; k < 4; k++) {
                    g[k] = new double[params[k].length];
                }
                for (int bi = b0; bi < b1; bi++) {
                    double[] x = xTrain[order[bi]];
                    int label = 1 - yTrain.get(order[bi]); // LEGION: real = 1, fake = 0
                    double[] h = new double[hdim];
                    for (int o = 0; o < hdim; o++) {
                        double s = params[1][o];
                        for (int k = 0; k < d; k++) {
                            s += params[0][o * d + k] * x[k];
                        }
                        h[o] = Math.max(0, s);
                    }
                    double[] z = {params[3][0], params[3][1]};
                    for (int c = 0; c < 2; c++) {
                        for (int o = 0; o < hdim; o++) {
                            z[c] += params[2][c * hdim + o] * h[o];
                        }
                    }
                    double mx = Math.max(z[0], z[1]);
                    double e0 = Math.exp(z[0] - mx);
                    double e1 = Math.exp(z[1] - mx);
                    double[] dz = {e0 / (e0 + e1), e1 / (e0 + e1)};
                    dz[label] -= 1;
                    double scale = 1.0 / (b1 - b0);
                    for (int c = 0; c < 2; c++) {
                        g[3][c] += dz[c] * scale;
                        for (int o = 0; o < hdim; o++) {
                            g[2][c * hdim + o] += dz[c] * h[o] * scale;
                        }
                    }
                    for (int o = 0; o < hdim; o++) {
                        if (h[o] <= 0) {
                            continue;
                        }
                        double dh = (dz[0] * params[2][o] + dz[1] * params[2][hdim + o]) * scale;
                        g[1][o] += dh;
                        for (int k = 0; k < d; k++) {
                            g[0][o * d + k] += dh * x[k];
                        }
                    }
                }
                double norm = 0;
                for (double[] gk : g) {
                    for (double v : gk) {
                        norm += v * v;
                    }
                }
                norm = Math.sqrt(norm);
                double clip = norm > 1.0 ? 1.0 / (norm + 1e-6) : 1.0;
                step++;
                double lr = 0.5 * baseLr * (1 + Math.cos(Math.PI * (step - 1) / total));
                for (int k = 0; k < 4; k++) {
                    for (int i = 0; i < params[k].length; i++) {
                        double gi = g[k][i] * clip;
                        m1[k][i] = 0.9 * m1[k][i] + 0.1 * gi;
                        v1[k][i] = 0.95 * v1[k][i] + 0.05 * gi * gi;
                        double mh = m1[k][i] / (1 - Math.pow(0.9, step));
                        double vh = v1[k][i] / (1 - Math.pow(0.95, step));
                        params[k][i] -= lr * mh / (Math.sqrt(vh) + 1e-8);
                    }
                }
            }
        }
        int correct = 0;
        for (int i = 0; i < xTest.length; i++) {
            double[] x = xTest[i];
            double[] z = {params[3][0], params[3][1]};
            for (int o = 0; o < hdim; o++) {
                double s = params[1][o];
                for (int k = 0; k < d; k++) {
                    s += params[0][o * d + k] * x[k];
                }
                s = Math.max(0, s);
                z[0] += params[2][o] * s;
                z[1] += params[2][hdim + o] * s;
            }
            int predReal = z[1] > z[0] ? 1 : 0;
            correct += predReal == 1 - yTest.get(i) ? 1 : 0;
        }
        return (double) correct / xTest.length;
    }

    private static void collect(Path dir, List<Path> files, List<Integer> labels) throws IOException {
        for (String cls : List.of("0_real", "1_fake")) {
            try (Stream<Path> s = Files.list(dir.resolve(cls))) {
                for (Path p : s.sorted().toList()) {
                    files.add(p);
                    labels.add(cls.equals("1_fake") ? 1 : 0);
                }
            }
        }
    }

    private static double[][] features(List<Path> files, GlobalImageEncoder enc, ClipImageProcessor proc, NDManager m,
            int size) throws ImageException {
        ImageLoader loader = new ImageLoader();
        int per = 3 * size * size;
        double[][] out = new double[files.size()][];
        int batch = 32;
        for (int start = 0; start < files.size(); start += batch) {
            int end = Math.min(files.size(), start + batch);
            float[] px = new float[(end - start) * per];
            for (int i = start; i < end; i++) {
                System.arraycopy(proc.preprocess(loader.load(files.get(i))), 0, px, (i - start) * per, per);
            }
            try (NDManager sub = m.newSubManager()) {
                NDArray x = sub.create(px, new Shape(end - start, 3, size, size));
                GlobalImageEncoder.Output o = enc.forward(new ParameterStore(sub, false), x, enc.layersNeeded(-2), false);
                float[] cls = GlobalImageEncoder.clsToken(o.hiddenState(-2)).toFloatArray();
                int c = cls.length / (end - start);
                for (int i = start; i < end; i++) {
                    double[] f = new double[c];
                    for (int k = 0; k < c; k++) {
                        f[k] = cls[(i - start) * c + k];
                    }
                    out[i] = f;
                }
            }
        }
        return out;
    }

    /** Standardizes both sets with the training mean and deviation. */
    private static void standardize(double[][] train, double[][] test) {
        int d = train[0].length;
        for (int k = 0; k < d; k++) {
            double mean = 0;
            for (double[] r : train) {
                mean += r[k];
            }
            mean /= train.length;
            double var = 0;
            for (double[] r : train) {
                var += (r[k] - mean) * (r[k] - mean);
            }
            double sd = Math.sqrt(var / train.length) + 1e-12;
            for (double[] r : train) {
                r[k] = (r[k] - mean) / sd;
            }
            for (double[] r : test) {
                r[k] = (r[k] - mean) / sd;
            }
        }
    }

    private static double score(double[] w, double[] x) {
        double s = w[x.length];
        for (int k = 0; k < x.length; k++) {
            s += w[k] * x[k];
        }
        return s;
    }

    /** L2-regularized logistic regression by full-batch gradient descent with a fixed step. */
    private static double[] logistic(double[][] x, List<Integer> y, double l2, int steps) {
        int d = x[0].length;
        double[] w = new double[d + 1];
        double lr = 0.5;
        for (int it = 0; it < steps; it++) {
            double[] grad = new double[d + 1];
            for (int i = 0; i < x.length; i++) {
                double p = 1 / (1 + Math.exp(-score(w, x[i])));
                double e = p - y.get(i);
                for (int k = 0; k < d; k++) {
                    grad[k] += e * x[i][k];
                }
                grad[d] += e;
            }
            for (int k = 0; k <= d; k++) {
                double g = grad[k] / x.length + (k < d ? l2 * w[k] : 0);
                w[k] -= lr * g;
            }
        }
        return w;
    }
}
