/**
 * Evaluation runners: predictions from a LEGION analyzer ({@link ai.legion.eval.runner.AnalyzerPredictions}) or
 * from files any other tool wrote ({@link ai.legion.eval.runner.ExternalPredictions}), scored per image on a
 * dataset found by {@link ai.legion.eval.runner.EvalData} (SynthScars/scars-sim, LOKI, RichHF-18K,
 * UniversalFakeDetect), appended to a resumable JSON Lines file ({@link ai.legion.eval.runner.ResultsFile})
 * and aggregated ({@link ai.legion.eval.runner.EvalSummary}). Entry point: {@link ai.legion.eval.runner.Evaluation}.
 */
package ai.legion.eval.runner;
