/**
 * Jupyter support for the JJava kernel: {@link ai.legion.notebook.LegionDisplay} (loaded by the kernel as a JJava
 * extension) shows reports as HTML with their overlay, masks and charts as images and evaluation summaries as
 * tables; {@link ai.legion.notebook.Charts} and {@link ai.legion.notebook.LossPlot} draw with XChart;
 * {@link ai.legion.notebook.LegionHome} finds the repository's demo model, samples and configs.
 */
package ai.legion.notebook;
