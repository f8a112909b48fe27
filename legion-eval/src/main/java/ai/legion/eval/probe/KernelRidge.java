package ai.legion.eval.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Ridge regression with an unpenalized intercept, solved in its dual form over a precomputed Gram matrix: with the
 * features centred on the fitting rows' mean {@code mu} and the targets on theirs ({@code ybar}), the weights are
 * {@code w = Xc^T a} with {@code a = (Xc Xc^T + lambda I)^-1 (Y - ybar)}, and a row {@code x} scores
 * {@code ybar + (x - mu) . w}. The centred inner products come from the plain ones
 * ({@code <x_i - mu, x_j - mu> = G_ij - m_i - m_j + c}, {@code m_i} the mean of {@code G_ik} over the fitting rows
 * {@code k}, {@code c} the mean of {@code G} over fitting pairs), so one Gram matrix over all rows serves every
 * fit and every lambda. The dual costs {@code n^3} in the number of fitting rows, not in the feature width, which
 * is what flattened patch tokens (thousands wide) need. The solve is commons-math3's Cholesky decomposition
 * ({@code Xc Xc^T + lambda I} is symmetric positive definite for {@code lambda > 0}).
 */
public final class KernelRidge {

    private final double[][] gram;
    private final int[] fitRows;
    private final double[] rowMean;
    private final double fitMean;
    private final double[] targetMean;
    private final double[][] dual;

    private KernelRidge(double[][] gram, int[] fitRows, double[] rowMean, double fitMean, double[] targetMean,
            double[][] dual) {
        this.gram = gram;
        this.fitRows = fitRows;
        this.rowMean = rowMean;
        this.fitMean = fitMean;
        this.targetMean = targetMean;
        this.dual = dual;
    }

    /**
     * The Gram matrix {@code X X^T} of feature rows, in double: one float64 matrix product in the engine (2200 rows
     * of 8192 features are 40 G multiply-adds), made exactly symmetric from its lower triangle, as the Cholesky
     * solve requires.
     *
     * @throws IllegalArgumentException when the rows differ in width
     */
    public static double[][] gram(float[][] rows) {
        int n = rows.length;
        int d = n == 0 ? 0 : rows[0].length;
        double[] flat = new double[Math.multiplyExact(n, d)];
        for (int i = 0; i < n; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException("feature row " + i + " has " + rows[i].length + " values, row 0 has "
                        + d);
            }
            for (int k = 0; k < d; k++) {
                flat[i * d + k] = rows[i][k];
            }
        }
        double[][] g = new double[n][n];
        if (n == 0) {
            return g;
        }
        double[] products;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(flat, new Shape(n, d));
            products = x.matMul(x.transpose()).toDoubleArray();
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                g[i][j] = products[i * n + j];
                g[j][i] = g[i][j];
            }
        }
        return g;
    }

    /**
     * Fits the ridge regression on some rows of a Gram matrix.
     *
     * @param gram {@code G = X X^T} over every row that is fitted or scored (square)
     * @param fitRows the rows fitted (indices into {@code gram}), at least one
     * @param targets one row of targets per fitted row (same width for all)
     * @param lambda the penalty on {@code |w|^2}, above 0
     * @throws IllegalArgumentException on mismatched sizes or a penalty that is not positive
     */
    public static KernelRidge fit(double[][] gram, int[] fitRows, double[][] targets, double lambda) {
        Objects.requireNonNull(gram, "gram");
        int n = fitRows.length;
        if (n == 0 || targets.length != n) {
            throw new IllegalArgumentException("ridge: " + n + " fitting rows and " + targets.length + " target rows");
        }
        if (!(lambda > 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("ridge: lambda must be a positive number, got " + lambda);
        }
        for (double[] row : gram) {
            if (row.length != gram.length) {
                throw new IllegalArgumentException("ridge: the Gram matrix is not square (" + gram.length + " rows, "
                        + row.length + " columns)");
            }
        }
        int k = targets[0].length;
        double[] rowMean = rowMeans(gram, fitRows);
        double c = fitMean(rowMean, fitRows);
        double[] ybar = new double[k];
        for (double[] t : targets) {
            if (t.length != k) {
                throw new IllegalArgumentException("ridge: target rows differ in width (" + t.length + " and " + k
                        + ")");
            }
            for (int j = 0; j < k; j++) {
                ybar[j] += t[j] / n;
            }
        }
        double[][] a = new double[n][n];
        double[][] y = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = gram[fitRows[i]][fitRows[j]] - rowMean[fitRows[i]] - rowMean[fitRows[j]] + c;
            }
            a[i][i] += lambda;
            for (int j = 0; j < k; j++) {
                y[i][j] = targets[i][j] - ybar[j];
            }
        }
        // thresholds of 0 accept any symmetric matrix that is positive definite up to rounding (centring leaves
        // the last direction of Xc Xc^T at 0; lambda keeps it positive)
        DecompositionSolver solver = new CholeskyDecomposition(new Array2DRowRealMatrix(a, false), 1e-9, 0)
                .getSolver();
        RealMatrix dual = solver.solve(new Array2DRowRealMatrix(y, false));
        return new KernelRidge(gram, fitRows.clone(), rowMean, c, ybar, dual.getData());
    }

    /** The scores of rows of the Gram matrix the fit was made on: one row of outputs per index. */
    public double[][] predict(int[] rows) {
        int k = targetMean.length;
        double[][] out = new double[rows.length][k];
        for (int r = 0; r < rows.length; r++) {
            int i = rows[r];
            double[] o = out[r];
            System.arraycopy(targetMean, 0, o, 0, k);
            for (int f = 0; f < fitRows.length; f++) {
                double kc = gram[i][fitRows[f]] - rowMean[i] - rowMean[fitRows[f]] + fitMean;
                for (int j = 0; j < k; j++) {
                    o[j] += dual[f][j] * kc;
                }
            }
        }
        return out;
    }

    /** The mean of the diagonal of the centred Gram matrix over the fitting rows (a scale for lambda). */
    public static double centredTrace(double[][] gram, int[] fitRows) {
        double[] rowMean = rowMeans(gram, fitRows);
        double c = fitMean(rowMean, fitRows);
        double t = 0;
        for (int f : fitRows) {
            t += gram[f][f] - 2 * rowMean[f] + c;
        }
        return t / fitRows.length;
    }

    /**
     * Centring the features on the fitting rows' mean turns {@code G[i][j]} into {@code G[i][j] - m[i] - m[j] + c}:
     * {@code m[i]} is row {@code i}'s mean over the fitting columns ({@link #rowMeans}), {@code c} the mean of
     * {@code m} over the fitting rows ({@link #fitMean}).
     */
    private static double[] rowMeans(double[][] gram, int[] fitRows) {
        double[] m = new double[gram.length];
        for (int i = 0; i < gram.length; i++) {
            double s = 0;
            for (int f : fitRows) {
                s += gram[i][f];
            }
            m[i] = s / fitRows.length;
        }
        return m;
    }

    private static double fitMean(double[] rowMean, int[] fitRows) {
        double c = 0;
        for (int f : fitRows) {
            c += rowMean[f];
        }
        return c / fitRows.length;
    }
}
