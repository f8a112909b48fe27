package ai.legion.eval.runner;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Evaluation.Builder#run()} returns.
 *
 * @param results one result per selected record, in dataset order (resumed and new alike)
 * @param resumed results taken from the results file of an earlier run
 * @param evaluated images evaluated by this run
 * @param summary the aggregate over {@code results}
 * @param resultsFile the JSON Lines file, or {@code null} for an in-memory run
 */
public record EvalResult(List<ImageResult> results, int resumed, int evaluated, EvalSummary summary, Path resultsFile) {

    /** Copies the list. */
    public EvalResult {
        results = List.copyOf(results);
    }

    /** Results of images that could not be scored. */
    public List<ImageResult> failures() {
        return results.stream().filter(r -> !r.ok()).toList();
    }
}
